import os

from hostile_base import setup

DATA = os.environ.get("HOSTILE_DATA_DIR")
if DATA is None:
    raise RuntimeError("set HOSTILE_DATA_DIR to the dataset folder")


def subject():
    return setup()
