"""Fuzzing what users type and the files they hand over: numeric flags, watch records, TUI session files
and answers files.  Each case ends in a report (exit 0 or 1, strict JSON) or in one line on stderr and
exit 2 — never a traceback, never a hang (each case runs under a time limit, a safety net that fails
the case).  In-process and small (30 examples each): the suite stays a few seconds.
"""
from __future__ import annotations

import contextlib
import io
import json
import signal
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dldoctor.expert.cli import main

LIMIT_S = 20  # per case: far above what one takes; reaching it means a hang
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


class _Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int = LIMIT_S):
    def fire(signum, frame):
        raise _Hang(f"a fuzz case ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with time_limit(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def assert_report_or_one_line(code, out: str, err: str) -> None:
    assert "Traceback" not in err, err
    if code == 2:
        assert len([ln for ln in err.splitlines() if ln.strip()]) == 1, err
    else:
        assert code in (0, 1), (code, err)
        report = _strict(out)
        assert report["verdict"] in ("healthy", "problems")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "empty.yaml").write_text("")
    return folder


# ---------------------------------------------------------------- numeric flags

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-2**70, max_value=2**70).map(str),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "1e999", "0", "-0", "", " ", "0x10", "1_000", "½", "1e-320"]),
    st.text(max_size=8),
)


@FUZZ
@given(flag=st.sampled_from(["--budget", "--probe-timeout", "--seed", "--memory-budget", "--fail-on"]), value=NUMBERS)
def test_a_numeric_flag_is_a_report_or_one_line(workdir, flag, value):
    code, out, err = run_cli(["diagnose", "--answers", str(workdir / "empty.yaml"), "--format", "json", f"{flag}={value}"])
    assert_report_or_one_line(code, out, err)


# ---------------------------------------------------------------- watch records

JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5))
JSON_VALUE = st.recursive(JSON_LEAF, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                            st.dictionaries(st.text(max_size=4), kids, max_size=4)),
                          max_leaves=12)
STEP_KEYS = ["step", "losses", "loss", "recorded", "grad_norm", "update_ratio", "dead_frac", "memory_mb", "host_mb",
             "lr", "timed_steps", "step_time", "data_time", "nonfinite_grad", "first_last_grad_ratio", "metrics"]
ROW = st.fixed_dictionaries({"kind": st.sampled_from(["step", "eval", "end", "header", 3])},
                            optional={k: JSON_VALUE for k in STEP_KEYS})
WELL_FORMED_STEP = st.builds(lambda i, loss: {"kind": "step", "step": i, "losses": [loss], "recorded": True,
                                               "grad_norm": loss},
                             st.integers(min_value=0, max_value=200), st.floats(allow_nan=True, allow_infinity=True))


@FUZZ
@given(rows=st.lists(st.one_of(ROW, WELL_FORMED_STEP), max_size=12),
       header=st.sampled_from([{"kind": "header", "version": 1}, {"kind": "header", "version": True}, {"kind": "step"}]),
       tail=st.sampled_from(["", "{\"kind\": \"st", "[" * 5000, "9" * 5000, "\xff"]))
def test_a_watch_record_is_a_report_or_one_line(workdir, rows, header, tail):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", dir=workdir, delete=False, encoding="utf-8") as f:
        f.write("\n".join(json.dumps(r) for r in [header, *rows]) + "\n" + tail)
    code, out, err = run_cli(["diagnose", "--record", f.name, "--format", "json"])
    assert_report_or_one_line(code, out, err)
    Path(f.name).unlink()


# ---------------------------------------------------------------- session files

@pytest.fixture(scope="module")
def kb():
    from dldoctor.expert.knowledge import load_kb

    return load_kb()


EVENT = st.one_of(JSON_VALUE, st.fixed_dictionaries({}, optional={"answer": JSON_VALUE, "reply": JSON_VALUE,
                                                                  "skip": JSON_VALUE, "probe": JSON_VALUE}),
                  st.builds(lambda f, s: {"probe": {"id": "runs", "status": s, "findings": f}},
                            st.dictionaries(st.sampled_from(["crashed", "failure_kind", "loss_finite"]), JSON_VALUE),
                            st.sampled_from(["ok", "failed", "skipped", 1])))


@FUZZ
@given(session=st.fixed_dictionaries({"dldoctor_session": st.sampled_from([1, 1, True, "1"])},
                                     optional={"events": st.lists(EVENT, max_size=6), "target": JSON_VALUE,
                                               "threshold": JSON_VALUE}))
def test_a_session_file_is_replayed_or_one_line(workdir, kb, session):
    from dldoctor.tui import persist
    from dldoctor.tui.conversation import Conversation

    path = workdir / "session.json"
    path.write_text(json.dumps(session))
    with time_limit():
        try:
            data = persist.read(path)
        except persist.SessionFileError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return
        conv = Conversation(kb, target=data.get("target"))
        warnings = persist.replay(conv, data)
        assert all(isinstance(w, str) and "\n" not in w for w in warnings)
        conv.steps()
        conv.beliefs()


# ---------------------------------------------------------------- answers files

YAML_BITS = st.sampled_from(["loader-not-shuffled: ", "weights-constant: ", "yes", "no", "unknown", "maybe", "\n", "  ",
                             "- ", "&a ", "*a ", "[", "]", "{", "}", ", ", "!!python/object:os.system ", "confidence: ",
                             "answer: ", "0.5", "-3", "1e999", ".nan", ": ", "\t", "'", '"', "#", "<<: "])


@FUZZ
@given(text=st.one_of(st.lists(YAML_BITS, max_size=25).map("".join), st.text(max_size=40),
                      st.integers(min_value=1, max_value=20_000).map(lambda n: "a: " + "[" * n + "]" * n)))
def test_an_answers_file_is_a_report_or_one_line(workdir, text):
    path = workdir / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli(["diagnose", "--answers", str(path), "--format", "json"])
    assert_report_or_one_line(code, out, err)
