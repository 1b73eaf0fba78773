from hostile_base import setup


def subject(:
    return setup()
