from hostile_broken_helper import settings  # the error is raised inside that module

from hostile_base import setup


def subject():
    return setup(**settings)
