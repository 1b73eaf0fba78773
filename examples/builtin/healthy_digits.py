"""A healthy classifier on sklearn's bundled digits: nothing should be reported."""
from examples.builtin.digits_data import digits_subject


def subject():
    return digits_subject()
