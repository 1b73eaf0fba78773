"""Running probes from the app: Textual thread workers call the runner (a killable child process) and
report back with messages, so the screen never freezes; cancel kills the worker process.

``ProbeActions`` is mixed into the app (tui/app.py); it reads and sets the app's ``conv``, ``runner``,
``running``, ``auto``, ``loading``, ``cancelled``, ``chosen`` and ``current``.
"""
from __future__ import annotations

from textual import work

from dldoctor.tui.messages import ProbeFinished, ProbeProgress, TargetLoaded
from dldoctor.tui.next_step import NextStep
from dldoctor.probes.result import ProbeResult


class ProbeActions:
    def action_run_probe(self) -> None:
        if self.loading:
            self.notify("The target is still loading; the probes can run once it is loaded.", timeout=4)
            return
        if self.running:
            self.notify(f"Probe {self.running} is running (c cancels it).", timeout=3)
            return
        step = self.current if self.current is not None and self.current.kind == "probe" else None
        step = step or next((a for a in self.conv.steps() if a.kind == "probe"), None)
        if step is None:
            self.notify("No probe left that could change the ranking." if self.runner else "No target: questions only.", timeout=4)
            return
        self._start(step.id)

    def action_run_all(self) -> None:
        if self.runner is None:
            self.notify("No target: questions only.", timeout=4)
            return
        self.auto = True
        if not self.running and not self.loading:
            self.action_run_probe()
        self.refresh_view()

    def _start(self, pid: str) -> None:
        self.running, self.chosen = pid, None
        self.query_one(NextStep).reset_progress()
        self.refresh_view()
        self._probe_worker(pid)

    @work(thread=True, exit_on_error=False, group="probes")
    def _probe_worker(self, pid: str) -> None:
        def progress(fraction, text=""):
            self.post_message(ProbeProgress(pid, float(fraction), str(text)))

        try:
            result = self.runner.run(pid, self.probe_timeout_s, progress)
        except Exception as exc:  # the runner itself failed (e.g. its worker was killed mid-call): a failed probe
            result = ProbeResult.failed(pid, f"{type(exc).__name__}: {exc}")
        self.post_message(ProbeFinished(pid, result))

    def on_probe_progress(self, msg: ProbeProgress) -> None:
        if msg.probe == self.running:
            self.query_one(NextStep).progress(msg.probe, msg.fraction, msg.text)

    def on_probe_finished(self, msg: ProbeFinished) -> None:
        self.running = None
        if msg.probe in self.cancelled:
            self.cancelled.discard(msg.probe)
            self.notify(f"Cancelled {msg.probe}.", timeout=3)
        else:
            self.conv.add_result(msg.result)
            if not msg.result.ok:
                self.notify(f"{msg.probe}: {msg.result.status} — {msg.result.message}"[:200], severity="warning", timeout=6)
        if self.auto:
            nxt = next((a for a in self.conv.steps() if a.kind == "probe"), None)
            if nxt is not None:
                self._start(nxt.id)
                return
            self.auto = False
            self.notify("All probes that could change the ranking have run.", timeout=4)
        self.refresh_view(select_top=True)

    def action_cancel(self) -> None:
        if not self.running:
            return
        self.auto = False
        self.cancelled.add(self.running)
        kill = getattr(self.runner, "cancel", None) or getattr(self.runner, "_kill", None)
        if kill is not None:
            kill()  # the worker process dies; the runner starts a fresh one for the next probe

    @work(thread=True, exit_on_error=False, group="load")
    def _load_target(self) -> None:
        try:
            keys = self.runner.load()
        except Exception as exc:  # TargetError, or a worker that died: questions only, with the reason
            self.post_message(TargetLoaded(None, str(exc) or type(exc).__name__))
            return
        self.post_message(TargetLoaded(set(keys)))

    def on_target_loaded(self, msg: TargetLoaded) -> None:
        self.loading = False
        if msg.keys is None:
            self.runner = None
            self.notify(f"The target could not be loaded: {msg.error}. Questions only.", severity="error", timeout=10)
        else:
            self.conv.diag.keys = msg.keys
            self.conv.diag.facts = dict(getattr(self.runner, "facts", {}) or {})  # which questions apply
            if self.running is None and self.auto:
                self.action_run_probe()
        self.refresh_view()

    def _stop_runner(self) -> None:
        """Stop the worker process at once (it holds nothing to save: the user's objects live only there)."""
        if self.runner is None:
            return
        kill = getattr(self.runner, "cancel", None) or getattr(self.runner, "_kill", None)
        if kill is not None and (self.running or self.loading or hasattr(self.runner, "_kill")):
            kill()
        self.runner.close()
