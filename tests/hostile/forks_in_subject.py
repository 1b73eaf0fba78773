"""subject() calls a bare os.fork(): two processes return from it, both holding the worker's pipes."""
import os

from hostile_base import setup


def subject():
    os.fork()
    return setup()
