"""The logs screen: the live output of one repository's current or last run, with follow, pause and search."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label

from soda_tui.tui.widgets.run_log import RunLogView

LOG_MAX_LINES = 10_000


class LogsScreen(Screen[None]):
    """Shows lines the app hands it; never reads files or talks to GitHub itself."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="logs.back"),
        Binding(
            "f", "toggle_follow", "Follow", id="logs.follow", tooltip="Keep the newest line in view"
        ),
        Binding(
            "space",
            "toggle_pause",
            "Pause",
            id="logs.pause",
            tooltip="Hold new lines back while you read; resume shows them",
        ),
        Binding("slash", "search", "Search", id="logs.search", key_display="/"),
        Binding("n", "match(1)", "Next match", id="logs.next"),
        Binding("N", "match(-1)", "Previous match", id="logs.previous"),
    ]

    def __init__(
        self, repo: str, lines: Iterable[str], *, source: str = "", max_lines: int = LOG_MAX_LINES
    ) -> None:
        super().__init__()
        self.repo = repo
        self.source = source
        self.max_lines = max_lines
        self.paused = False
        # Lines that arrive while paused wait here, bounded like the view itself.
        self.held: deque[str] = deque(maxlen=max_lines)
        # Lines handed over before the view exists wait here (the app may write at once).
        self._initial = list(lines)[-max_lines:]
        self._view_ready = False
        self._match_line: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="logs-status", markup=False)
        yield RunLogView(max_lines=self.max_lines, id="logs-view")
        yield Input(placeholder="search (enter: next match, escape: close)", id="logs-search")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"logs · {self.repo}"
        search = self.query_one("#logs-search", Input)
        search.display = False
        view = self.query_one(RunLogView)
        view.write_lines(self._initial)
        self._initial = []
        self._view_ready = True
        view.focus()
        self._show_status()

    @property
    def view(self) -> RunLogView:
        """The log view."""
        return self.query_one(RunLogView)

    def append(self, lines: list[str]) -> None:
        """New output of the run (held back while paused)."""
        if not self._view_ready:
            self._initial = [*self._initial, *lines][-self.max_lines :]
            return
        if self.paused:
            self.held.extend(lines)
        else:
            self.view.write_lines(lines)
        self._show_status()

    def reset(self, lines: Iterable[str], source: str = "") -> None:
        """Replace everything (a new run started, or the log was read from disk)."""
        self.source = source
        if not self._view_ready:
            self._initial = list(lines)[-self.max_lines :]
            return
        self.held.clear()
        self.view.clear()
        self.view.write_lines(list(lines)[-self.max_lines :])
        self._show_status()

    def action_back(self) -> None:
        """Return to the dashboard."""
        self.dismiss(None)

    def action_toggle_follow(self) -> None:
        """Follow the newest line, or stay where you are."""
        view = self.view
        view.auto_scroll = not view.auto_scroll
        if view.auto_scroll:
            view.scroll_end(animate=False)
        self._show_status()

    def action_toggle_pause(self) -> None:
        """Hold new lines back, or show the held ones and carry on."""
        self.paused = not self.paused
        if not self.paused and self.held:
            self.view.write_lines(list(self.held))
            self.held.clear()
        self._show_status()

    def action_search(self) -> None:
        """Open the search box."""
        search = self.query_one("#logs-search", Input)
        search.display = True
        search.focus()

    def action_match(self, step: int) -> None:
        """Jump to the next (1) or previous (-1) line matching the search."""
        view = self.view
        if not view.search_term:
            self.notify("Search first: press / and type", severity="warning")
            return
        start = (
            self._match_line + step
            if self._match_line is not None
            else (view.scroll_offset.y if step > 0 else view.line_count - 1)
        )
        found = view.find(view.search_term, start, step)
        if found is None:
            self.notify(f"No line contains {view.search_term!r}", severity="warning", markup=False)
            return
        self._match_line = found
        # Reading a match means not being dragged to the bottom by new output.
        view.auto_scroll = False
        view.show_line(found)
        self._show_status()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._match_line = None
        self.view.set_search(event.value.strip())
        self._show_status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_match(1)

    def on_key(self, event: events.Key) -> None:
        search = self.query_one("#logs-search", Input)
        if event.key == "escape" and search.has_focus:
            # Escape in the search box closes the box (keeping the highlight), not the screen.
            event.stop()
            search.display = False
            self.view.focus()

    def _show_status(self) -> None:
        view = self.view
        parts = [self.repo, "following" if view.auto_scroll else "not following"]
        if self.paused:
            parts.append(f"paused, {len(self.held)} new lines held")
        parts.append(f"{view.line_count:,} lines")
        if view.search_term:
            matches = sum(view.search_term.lower() in line.lower() for line in view.lines)
            parts.append(f"{matches} lines match {view.search_term!r}")
        if self.source:
            parts.append(self.source)
        self.query_one("#logs-status", Label).update(" · ".join(parts))
