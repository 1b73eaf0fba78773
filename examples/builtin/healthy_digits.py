"""A healthy classifier on sklearn's bundled digits: nothing should be reported."""
from dldoctor.examples.builtin.digits_data import digits_subject


def subject():
    return digits_subject()
