"""The traces screen: recent traces per repository, one trace as a span tree, one span in detail.

It reads only the in-process `TraceRecorder` it is given (no files, no network) and follows it
live: the recorder's listener posts a message from whichever thread ended a span, and the screen
redraws at most twice a second, only when something changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from soda_tui.telemetry.recorder import TraceChange, TraceRecorder
from soda_tui.telemetry.records import TraceView
from soda_tui.tui.widgets.trace_detail import TraceDetail
from soda_tui.tui.widgets.trace_list import TraceList
from soda_tui.tui.widgets.trace_tree import TraceTree

REDRAW_SECONDS = 0.5


def _next(choices: list[str | None], current: str | None) -> str | None:
    """The choice after `current`, wrapping (an unknown current starts over)."""
    if current not in choices:
        return choices[0]
    return choices[(choices.index(current) + 1) % len(choices)]


class TracesScreen(Screen[None]):
    """Recent traces as a list and a span tree, filtered by repository, command and errors."""

    CSS_PATH = "traces.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="traces.back"),
        Binding(
            "r",
            "cycle_repo",
            "Repository",
            id="traces.repo",
            tooltip="Show one repository's traces, then the next, then all",
        ),
        Binding(
            "c",
            "cycle_command",
            "Command",
            id="traces.command",
            tooltip="Show one command's traces (pop, run, bottle, land, …), then all",
        ),
        Binding("e", "toggle_errors", "Errors only", id="traces.errors"),
    ]

    class Changed(Message):
        """The recorder saw a span start or end (many of these collapse into one)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TracesScreen.Changed)

    def __init__(
        self,
        recorder: TraceRecorder,
        *,
        repo: str | None = None,
        trace_id: str | None = None,
        now_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        super().__init__()
        self.recorder = recorder
        self.repo_filter = repo
        self.command_filter: str | None = None
        self.errors_only = False
        self.trace_id = trace_id
        self.now_ns = now_ns
        self._dirty = False
        self._unsubscribe: Callable[[], None] | None = None

    @classmethod
    def for_run(cls, recorder: TraceRecorder, repo: str, **options: object) -> TracesScreen:
        """The screen opened on `repo`'s current or last run (its newest trace if none ran)."""
        latest = recorder.latest_run(repo)
        return cls(
            recorder,
            repo=repo,
            trace_id=latest.trace_id if latest is not None else None,
            **options,  # type: ignore[arg-type]
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="traces-filters", markup=False)
        with Horizontal(id="traces-body"):
            yield TraceList(id="trace-list")
            with Vertical(id="trace-side"):
                yield TraceTree(id="trace-tree")
                with VerticalScroll(id="trace-detail-scroll"):
                    yield TraceDetail(id="trace-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "traces"
        self._unsubscribe = self.recorder.subscribe(self._heard)
        self.set_interval(REDRAW_SECONDS, self._redraw_if_needed)
        self.redraw()
        self.query_one(TraceList).focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _heard(self, change: TraceChange) -> None:
        # Called from whichever thread ended the span: post_message is thread-safe.
        self.post_message(self.Changed())

    def on_traces_screen_changed(self, message: Changed) -> None:
        message.stop()
        self._dirty = True

    def _redraw_if_needed(self) -> None:
        running = self.shown_trace is not None and self.shown_trace.running
        if self._dirty or running:
            self.redraw()

    @property
    def visible_traces(self) -> list[TraceView]:
        """The traces the filters let through, newest first."""
        return self.recorder.traces(
            repo=self.repo_filter, command=self.command_filter, errors_only=self.errors_only
        )

    @property
    def shown_trace(self) -> TraceView | None:
        """The trace in the tree."""
        return self.query_one(TraceTree).trace

    def redraw(self) -> None:
        """Show the recorder's current traces (keeps the highlighted trace and span)."""
        self._dirty = False
        now = self.now_ns()
        views = self.visible_traces
        ids = [view.trace_id for view in views]
        if self.trace_id not in ids:
            self.trace_id = ids[0] if ids else None
        self.query_one(TraceList).show(views, now, keep=self.trace_id)
        self._show_tree(now)
        self._show_filters(len(views))

    def _show_tree(self, now: int) -> None:
        trace = self.recorder.trace(self.trace_id) if self.trace_id else None
        self.query_one(TraceTree).show(trace, now)

    def _show_filters(self, count: int) -> None:
        parts = [
            f"repository: {self.repo_filter or 'all'} (r)",
            f"command: {self.command_filter or 'all'} (c)",
            f"errors only: {'yes' if self.errors_only else 'no'} (e)",
            f"{count} trace{'s' if count != 1 else ''}",
        ]
        if not count:
            parts.append("traces appear here as soon as the loop does something")
        self.query_one("#traces-filters", Label).update(" · ".join(parts))

    def on_trace_list_chosen(self, message: TraceList.Chosen) -> None:
        message.stop()
        if message.trace_id != self.trace_id or self.shown_trace is None:
            self.trace_id = message.trace_id
            self._show_tree(self.now_ns())

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        # Enter on the list: the list takes the key first, so its selection opens the tree.
        message.stop()
        self.action_open_trace()

    def on_trace_tree_span_chosen(self, message: TraceTree.SpanChosen) -> None:
        message.stop()
        self.query_one(TraceDetail).show(message.span, self.now_ns())

    def action_cycle_repo(self) -> None:
        """Show the next repository's traces (then all)."""
        self.repo_filter = _next([None, *self.recorder.repos()], self.repo_filter)
        self.redraw()

    def action_cycle_command(self) -> None:
        """Show the next command's traces (then all)."""
        self.command_filter = _next([None, *self.recorder.commands()], self.command_filter)
        self.redraw()

    def action_toggle_errors(self) -> None:
        """Show only the traces with an error span, or all again."""
        self.errors_only = not self.errors_only
        self.redraw()

    def action_open_trace(self) -> None:
        """Move the focus to the span tree (Enter on the list)."""
        self.query_one(TraceTree).focus()

    def action_back(self) -> None:
        """Return to the previous screen."""
        self.dismiss(None)
