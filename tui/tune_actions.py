"""The "Tune hyper-parameters" stage's action: ``t`` runs `dldoctor tune` on the target in a thread
worker (its own worker processes, as the CLI does), shows its progress, then the result screen.

``TuneActions`` is mixed into the app (tui/app.py); it reads the app's ``conv.target``.
"""
from __future__ import annotations

from textual import work
from textual.message import Message

TRIALS, STEPS = 20, 300  # the CLI's defaults


class TuneProgress(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TuneFinished(Message):
    """The summary, or the one-line reason there is none."""

    def __init__(self, summary: dict | None, error: str = "") -> None:
        super().__init__()
        self.summary, self.error = summary, error


class TuneActions:
    tuning = False
    tune_runners: list | None = None

    def action_tune(self) -> None:
        if not self.conv.target:
            self.notify("No target: nothing to tune.", timeout=4)
            return
        if self.tuning:
            self.notify("Tuning is running; the result opens when it is done.", timeout=3)
            return
        self.tuning, self.tune_runners = True, []
        self.notify(f"Tuning {TRIALS} trials of {STEPS} steps: lr first, coarse to fine then Bayesian…", timeout=4)
        self._tune_worker(self.conv.target)

    @work(thread=True, exit_on_error=False, group="tune")
    def _tune_worker(self, target: str) -> None:
        from dldoctor.expert import tune as tuning

        def progress(_worker, _fraction, text):
            if text.startswith("trial "):
                self.post_message(TuneProgress(text))

        try:
            summary = tuning.tune(target, trials=TRIALS, steps=STEPS, on_progress=progress, runners=self.tune_runners)
        except Exception as exc:  # TargetError, TuneError, a worker lost: said in one line
            self.post_message(TuneFinished(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(TuneFinished(summary))

    def on_tune_progress(self, msg: TuneProgress) -> None:
        self.sub_title = f"{self.conv.target} · tuning: {msg.text}"[:160]

    def on_tune_finished(self, msg: TuneFinished) -> None:
        from dldoctor.tui.tune_screen import TuneScreen

        self.tuning = False
        if msg.summary is None:
            self.notify(f"Tuning failed: {msg.error}"[:200], severity="warning", timeout=8)
        else:
            self.push_screen(TuneScreen(msg.summary))
        self.refresh_view()

    def _stop_tuning(self) -> None:
        for r in self.tune_runners or []:
            r.cancel()
