from hostile_base import setup


def subject():
    checkpoint = {}
    return setup(model=checkpoint["model"])
