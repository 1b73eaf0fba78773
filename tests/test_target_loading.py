"""Unusable targets: exit 2 with one line on stderr that names the file and what is wrong (the contract).

Every case is a file in tests/hostile/.  The message of each is checked where it is made
(``expert.target.load``, in this process: fast); the exit code and the one stderr line through
``dldoctor diagnose`` itself, where the target is loaded in the worker process as users run it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from dldoctor.expert.cli import main
from dldoctor.expert.target import TargetError, load

HOSTILE = Path(__file__).parent / "hostile"
REL = "tests/hostile"

# target file -> what the one-line reason must say (after "<target>: ")
CASES = {
    "missing_file": "file not found",
    "syntax_error": "syntax error at line 4: invalid syntax",
    "import_raises": "importing it raised RuntimeError: set HOSTILE_DATA_DIR to the dataset folder (at tests/hostile/import_raises.py:7)",
    "import_raises_deep": "importing it raised KeyError: 'batch_size' (at tests/hostile/hostile_broken_helper.py:5)",
    "no_function": "no function 'subject' — did you mean 'make_subject'?",
    "takes_args": "'subject' must take no arguments, it takes batch_size",
    "subject_raises": "subject() raised KeyError: 'model' (at tests/hostile/subject_raises.py:6)",
    "returns_none": "subject() returned NoneType; it must return a dict or a Subject",
    "missing_key": "required key 'loss_fn' is missing",
    "unknown_key": "unknown key 'modle' — did you mean 'model'?",
    "model_class": "'model' is the class Net, not an instance — write Net(...)",
    "loss_not_callable": "'loss_fn' must be callable, got str",
    "dict_batches": "'train_data' yields dicts without the target key 'labels' (keys: pixels, label)",
    "empty_loader": "'train_data' is empty — it yields no batch",
    "one_shot": "'train_data' is a one-shot iterator (generator); probes read the data several times",
    "mismatched_lengths": "'train_data' yields inputs and targets of different lengths (16 and 12)",
}

# through the CLI, the contract's exit-2 cases (each starts a worker that imports torch: seconds)
CLI_CASES = ["missing_file", "syntax_error", "import_raises", "no_function", "takes_args", "missing_key",
             "dict_batches", "loss_not_callable", "empty_loader"]


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(HOSTILE.parent.parent)  # messages show paths relative to the working directory


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_reason_names_the_file_and_the_fault(name):
    spec = f"{REL}/{name}.py"
    with pytest.raises(TargetError) as info:
        load(spec)
    message = str(info.value)
    assert message.startswith(f"{spec}: ") and "\n" not in message
    assert CASES[name] in message


@pytest.mark.parametrize("name", CLI_CASES)
def test_diagnose_exits_2_with_one_line(name, capsys):
    spec = f"{REL}/{name}.py"
    code = main(["diagnose", spec, "--format", "json", "--budget", "30"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dldoctor: {spec}: ") and CASES[name] in lines[0]


def test_a_function_named_after_the_colon():
    subject = load(f"{REL}/no_function.py:make_subject")
    assert {"model", "train_data", "loss_fn"} <= subject.keys()


def test_a_module_that_is_not_there():
    with pytest.raises(TargetError, match=r"^no_such_pkg\.setup:make: no file or module named 'no_such_pkg\.setup'$"):
        load("no_such_pkg.setup:make")


def test_a_target_that_kills_its_process_while_loading(tmp_path):
    from dldoctor.expert.runner import WorkerRunner

    (tmp_path / "dies.py").write_text("import os\nos._exit(9)\n")
    runner = WorkerRunner(str(tmp_path / "dies.py"), memory_limit_mb=None)
    try:
        with pytest.raises(TargetError, match=r"dies\.py: loading it ended the process \(the worker process exited with code 9\)"):
            runner.load()
        assert runner.proc is None
    finally:
        runner.close()
