from hostile_base import setup


def make_subject():
    return setup()
