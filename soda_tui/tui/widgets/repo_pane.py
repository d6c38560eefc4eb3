"""One repository's pane: badge, issue, clock, counts, CI, the last note, a progress bar and the log tail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, ProgressBar

from soda_tui.git.progress import parse_progress
from soda_tui.tui.model import PaneState, badge, checks_text, elapsed_text
from soda_tui.tui.widgets.run_log import BoundedLog

TAIL_LINES = 200
BADGES = (
    "error",
    "parked",
    "landing",
    "popping",
    "bottling",
    "resuming",
    "working",
    "loading",
    "claimed",
    "review",
    "blocked",
    "idle",
)


class PaneLog(BoundedLog, can_focus=False):
    """The last lines of the repository's agent output (the pane itself takes focus)."""

    def append(self, lines: Iterable[str]) -> None:
        """Add lines and keep the newest in view (nobody scrolls a pane's tail by hand)."""
        self.write_lines(lines, scroll_end=True)

    def on_resize(self) -> None:
        # Lines may arrive before the pane has its size: keep the newest in view once it does.
        self.scroll_end(animate=False, immediate=True)


def issue_text(state: PaneState) -> str:
    """The issue line: what the agent holds, or what is in review, or what is next."""
    board = state.board
    if board is None:
        return "reading GitHub…"
    if not board.found:
        return "repository not found"
    if board.working is not None:
        number, title = board.working
        return f"#{number} {title}"
    if state.activity is not None and state.activity_issue is not None:
        # Only while the step runs: afterwards the board says what is in review or next.
        return f"#{state.activity_issue}"
    if board.review_issues:
        number, title = board.review_issues[0]
        return f"#{number} {title} (in review)"
    if board.next_issue is not None:
        number, title = board.next_issue
        return f"next: #{number} {title}"
    return "nothing queued"


def counts_text(state: PaneState) -> str:
    """Queue, review and blocked counts."""
    board = state.board
    if board is None or not board.found:
        return ""
    counts = f"queue {board.queued} · review {board.review} · blocked {board.blocked}"
    return f"{counts} · orphans {state.orphans}" if state.orphans else counts


class RepoPane(Widget, can_focus=True):
    """Shows one PaneState; the app hands it new states and log lines, it never fetches anything."""

    def __init__(self, repo: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.repo = repo
        self.border_title = repo
        self._state = PaneState(repo)
        self._clock_text: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-head"):
            yield Label("", classes="badge", markup=False)
            yield Label("", classes="issue", markup=False)
        yield Label("", classes="clock", markup=False)
        yield Label("", classes="counts", markup=False)
        yield Label("", classes="checks", markup=False)
        yield Label("", classes="note", markup=False)
        yield ProgressBar(total=100, show_eta=False, classes="progress")
        yield PaneLog(max_lines=TAIL_LINES, classes="tail")

    @property
    def state(self) -> PaneState:
        """The state on show."""
        return self._state

    def show(self, state: PaneState, now: datetime) -> None:
        """Draw a new state (only labels change; nothing is rebuilt)."""
        self._state = state
        word = badge(state)
        badge_label = self.query_one(".badge", Label)
        badge_label.update(f" {word.upper()} ")
        for name in BADGES:
            badge_label.set_class(name == word, f"-{name}")
        self.set_class(word == "error", "-error")
        self.set_class(state.busy, "-busy")
        self.query_one(".issue", Label).update(issue_text(state))
        self.query_one(".counts", Label).update(counts_text(state))
        checks = checks_text(state.open_pull)
        checks_label = self.query_one(".checks", Label)
        checks_label.update(checks)
        checks_label.display = bool(checks)  # no pull request: give the line to the log
        note = self.query_one(".note", Label)
        note.update(state.error or state.note)
        note.set_class(state.error is not None, "-error")
        self.border_subtitle = "autopilot on" if state.autopilot else "autopilot off"
        self.set_class(state.autopilot, "-autopilot")
        self._show_progress(state)
        self.tick(now)

    def tick(self, now: datetime) -> None:
        """Update the clock line only (called every second); an unchanged text draws nothing."""
        text = elapsed_text(self._state, now)
        if text != self._clock_text:
            self._clock_text = text
            self.query_one(".clock", Label).update(text)

    def write_lines(self, lines: Iterable[str]) -> None:
        """Append agent output to the tail."""
        self.query_one(PaneLog).append(lines)

    def clear_lines(self) -> None:
        """Forget the tail (a new run starts)."""
        self.query_one(PaneLog).clear()

    def _show_progress(self, state: PaneState) -> None:
        bar = self.query_one(ProgressBar)
        bar.display = state.progress is not None
        if state.progress is None:
            return
        parsed = parse_progress(state.progress)
        if parsed is not None:
            bar.update(total=100, progress=round(parsed.fraction * 100))
        else:
            bar.update(total=None)
        bar.tooltip = state.progress
        self.query_one(".note", Label).update(state.progress)
