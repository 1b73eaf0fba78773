"""Example targets shipped with dldoctor: ``examples.builtin`` (``dldoctor examples``).

The fault zoo of the benchmark lives in ``examples/zoo/`` as plain target files.
"""
