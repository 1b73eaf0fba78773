from hostile_base import setup


def subject():
    setup()  # forgot the return
