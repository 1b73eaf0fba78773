"""The exit codes users' CI scripts rely on (the contract)."""
from enum import IntEnum


class ExitCode(IntEnum):
    HEALTHY = 0  # no cause reached the --fail-on threshold
    PROBLEMS = 1  # some cause reached the threshold
    UNUSABLE = 2  # bad arguments, a target that cannot be used, an invalid knowledge base
    INTERRUPTED = 130  # Ctrl-C: what was found so far was printed
