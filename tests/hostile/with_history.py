"""A healthy setup with the curves of an earlier run; $HOSTILE_HISTORY names the file (in data/)."""
import os

from hostile_base import setup


def subject():
    return setup(history=os.path.join("data", os.environ.get("HOSTILE_HISTORY", "history_cut.csv")))
