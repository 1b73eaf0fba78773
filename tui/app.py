"""``dldoctor tui``: the diagnosis as a conversation at a terminal.

The app is a view over a ``Conversation`` (tui/conversation.py).  Probes run through a runner
(``WorkerRunner``: a killable child process) called from Textual thread workers, which report back
with messages, so the screen never freezes and this process never imports torch.
``make_app`` is the one factory used by the CLI, the tests and the startup benchmark.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, OptionList, TabbedContent, TabPane

from dldoctor.expert.engine import Action
from dldoctor.tui import persist
from dldoctor.tui.cause_detail import CauseDetail
from dldoctor.tui.causes import CauseList
from dldoctor.tui.conversation import Conversation
from dldoctor.tui.help import HelpScreen
from dldoctor.tui.measurements import Measurements
from dldoctor.tui.messages import StepChosen
from dldoctor.tui.next_step import NextStep
from dldoctor.tui.plots import Plots
from dldoctor.tui.probe_actions import ProbeActions
from dldoctor.tui.quit_screen import QuitScreen
from dldoctor.tui.tune_actions import TuneActions
from dldoctor.tui.workflow import LEGEND, WorkflowBar
from dldoctor.expert.engine import REPORT_THRESHOLD

READY_FILE_ENV = "DLDOCTOR_TUI_READY_FILE"  # the benchmark's hook: write the time when usable, then exit


class DoctorApp(ProbeActions, TuneActions, App):
    CSS_PATH = "app.tcss"
    TITLE = "dldoctor"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # app.tcss lays out an 80-column terminal apart
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),  # first: a narrow footer still shows Help and Quit
        Binding("q", "quit", "Quit"),
        Binding("y", "answer('yes')", "Yes", show=False),
        Binding("n", "answer('no')", "No", show=False),
        Binding("d", "answer('unknown')", "Don't know", show=False),
        Binding("s", "answer('skip')", "Skip question", show=False),
        Binding("r", "run_probe", "Run probe"),
        Binding("a", "run_all", "Run all probes"),
        Binding("c", "cancel", "Cancel probe", show=False),
        Binding("t", "tune", "Tune hyper-parameters", show=False),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+s", "save", "Save session"),
        Binding("e", "export", "Export markdown"),
        Binding("1", "tab('tab-cause')", show=False),
        Binding("2", "tab('tab-plots')", show=False),
        Binding("3", "tab('tab-measurements')", show=False),
    ]

    def __init__(self, conv: Conversation, runner=None, *, session_file: str | None = None,
                 export_file: str = "dldoctor-report.md", probe_timeout_s: float = 60.0, notices=()) -> None:
        super().__init__()
        self.conv, self.runner = conv, runner
        self.session_file, self.export_file, self.probe_timeout_s = session_file, export_file, probe_timeout_s
        self.notices = list(notices)
        self.loading = runner is not None and not conv.diag.keys
        self.running: str | None = None
        self.auto = False
        self.cancelled: set[str] = set()
        self.chosen: Action | None = None  # the person's pick; None: the engine's first
        self.current: Action | None = None  # the step on screen
        self.saved_at = len(conv.history)  # the conversation's length when last saved (or resumed)

    def compose(self):
        yield Header(show_clock=False, icon="✚")
        yield WorkflowBar(id="workflow")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield NextStep(id="next-step")
                yield CauseList(id="causes")
            with TabbedContent(id="tabs", initial="tab-cause"):
                with TabPane("Cause [1]", id="tab-cause"):
                    yield CauseDetail(id="detail")
                with TabPane("Plots [2]", id="tab-plots"):
                    yield Plots(id="plots")
                with TabPane("Measurements [3]", id="tab-measurements"):
                    yield Measurements(id="measurements")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#next-step").border_title = "Next step"
        self.query_one("#causes").border_title = f"Causes — belief 0‥1, ┃ report threshold {self.conv.threshold:g}"
        self.query_one("#workflow").border_title = "Workflow"
        self.query_one("#workflow").border_subtitle = LEGEND
        self.refresh_view(select_top=True)
        self.query_one("#causes").focus()
        for text in self.notices:
            self.notify(text, severity="warning", timeout=8)
        if self.loading:
            self._load_target()
        if os.environ.get(READY_FILE_ENV):
            self.call_after_refresh(self._report_ready)

    async def _report_ready(self) -> None:
        import json
        import sys

        Path(os.environ[READY_FILE_ENV]).write_text(json.dumps({"time": time.time(), "cpu": time.process_time(),
                                                           "torch_imported": "torch" in sys.modules}))
        await self.action_quit()

    # ------------------------------------------------------------ the view
    def refresh_view(self, select_top: bool = False) -> None:
        conv = self.conv
        steps = conv.steps(self.running, loading=self.loading)
        pick = self.chosen if self.chosen in steps else None
        if pick is None and steps:
            pick = next((a for a in steps if not self.running or a.kind == "question"), None)
        self.current = pick
        self.query_one(NextStep).show(conv.kb, steps, pick, loading=self.loading, running=self.running, auto=self.auto)
        beliefs = conv.beliefs()
        causes = self.query_one(CauseList)
        select = None if select_top else causes.selected_cause
        causes.bar_width = 20 if self.size.width >= 110 else 8
        causes.show(beliefs, conv.kb, conv.threshold, select)
        self._show_cause(causes.selected_cause)
        top = beliefs[0] if beliefs and beliefs[0].score >= conv.threshold else None
        self.query_one(WorkflowBar).show(conv.stages(), conv.stage_status(steps), conv.stage_of(pick),
                                         conv.kb.causes[top.cause].stage if top else None, compact=self.size.width < 110)
        self.query_one(Plots).show(conv.diag.records)
        self.query_one(Measurements).show(conv.diag.records)
        verdict = "problems" if top else "no cause above the threshold yet"
        self.sub_title = f"{conv.target or 'questions only (no target)'} · {verdict}"

    def _show_cause(self, cid: str | None) -> None:
        b = next((b for b in self.conv.beliefs() if b.cause == cid), None)
        self.query_one(CauseDetail).show(b, self.conv.kb, self.conv.threshold, self.conv.diag.records)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if isinstance(event.option_list, CauseList):
            self._show_cause(event.option.id)

    def on_step_chosen(self, event: StepChosen) -> None:
        self.chosen = event.action
        self.refresh_view()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"yes": "answer('yes')", "no": "answer('no')", "unknown": "answer('unknown')", "skip": "answer('skip')",
                   "run": "run_probe", "run-all": "run_all", "cancel": "cancel"}
        if event.button.id in actions:
            await self.run_action(actions[event.button.id])

    # ------------------------------------------------------------ answers and undo
    def action_answer(self, reply: str) -> None:
        step = self.current
        if step is None or step.kind != "question":
            self.notify("The next step is not a question: press r to run it, or pick a question from the list.", timeout=4)
            return
        self.conv.answer(step.id, reply)
        self.chosen = None
        self.refresh_view(select_top=reply != "skip")

    def action_undo(self) -> None:
        what = self.conv.undo()
        self.chosen = None
        self.notify(f"Undone: {what}" if what else "Nothing to undo.", timeout=3)
        self.refresh_view(select_top=True)

    # ------------------------------------------------------------ files, help, quit
    def action_save(self) -> None:
        path = Path(self.session_file or "dldoctor-session.json")
        try:
            persist.save(self.conv, path)
        except OSError as exc:
            self.notify(f"Could not save to {path}: {exc.strerror}", severity="error")
            return
        self.session_file = str(path)
        self.saved_at = len(self.conv.history)
        self.notify(f"Session saved to {path} (resume: dldoctor tui --resume {path})", timeout=5)

    def action_export(self) -> None:
        from dldoctor.tui.export import write_markdown

        try:
            path = write_markdown(self.conv, self.export_file)
        except (OSError, ValueError) as exc:  # output_file.OutputError is a ValueError
            self.notify(f"Could not write {self.export_file}: {exc.strerror}", severity="error")
            return
        self.notify(f"Diagnosis exported to {path}", timeout=5)

    def action_help(self) -> None:
        self.push_screen(HelpScreen([b for b in self.BINDINGS if isinstance(b, Binding)]))

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def unsaved(self) -> bool:
        """Answers given (or taken back) since the session was last saved."""
        return bool(self.conv.diag.answers or self.conv.skipped) and len(self.conv.history) != self.saved_at

    async def action_quit(self) -> None:
        if self.unsaved():
            self.push_screen(QuitScreen(), self._quit_choice)
            return
        self._leave()

    def _quit_choice(self, choice: str | None) -> None:
        if choice == "save":
            self.action_save()
            if len(self.conv.history) != self.saved_at:
                return  # the save failed (the notification says why): stay
        if choice in ("save", "discard"):
            self._leave()

    def _leave(self) -> None:
        self._stop_runner()
        self._stop_tuning()
        self.exit()

    def on_resize(self, event) -> None:
        self.refresh_view()


def make_app(target: str | None = None, kb_dirs=(), session_file: str | None = None, *, kb=None, runner=None,
             resume: str | None = None, threshold: float = REPORT_THRESHOLD, export_file: str = "dldoctor-report.md",
             probe_timeout_s: float = 60.0, seed: int = 0) -> DoctorApp:
    """The app for a target (or none: questions only).  ``kb``/``runner`` are for tests; ``resume`` reads a
    saved session.  Only ``target`` (the command line) is ever loaded: a session file is data, and the
    target it names is shown, not imported.  Raises KBError, persist.SessionFileError."""
    if kb is None:
        from dldoctor.expert.knowledge import load_kb

        kb = load_kb(kb_dirs)
    saved = persist.read(resume) if resume else None
    named = (saved or {}).get("target")
    conv = Conversation(kb, target=target or named, threshold=threshold)
    notices = persist.replay(conv, saved) if saved else []
    if named and not target:
        notices.insert(0, f"The session names the target {named}; it was not loaded (a session file is data). "
                          f"To measure it: dldoctor tui {named} --resume {resume}")
    elif named and target and named != target:
        notices.insert(0, f"The session was saved for {named}; this session measures {target}.")
    if runner is None and target:
        from dldoctor.expert.runner import WorkerRunner

        runner = WorkerRunner(target, seed=seed, patterns=[(p.kind, p.regex) for p in kb.patterns])
    return DoctorApp(conv, runner, session_file=session_file or resume, export_file=export_file,
                     probe_timeout_s=probe_timeout_s, notices=notices)
