"""The queue screen: every repository's queue in one table, filtered as you type; pop a chosen issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from soda_tui.core.models import Issue, RepoName
from soda_tui.core.naming import READY_LABEL
from soda_tui.tui.model import format_age


@dataclass(frozen=True)
class QueueRow:
    """One queued issue as the table shows it."""

    repo: str
    number: int
    title: str
    priority: str
    age: str
    labels: str

    def matches(self, query: str) -> bool:
        """True when every word of `query` appears somewhere in the row (case-insensitive)."""
        haystack = f"{self.repo} #{self.number} {self.title} {self.priority} {self.labels}".lower()
        return all(word in haystack for word in query.lower().split())


def queue_rows(queues: dict[RepoName, list[Issue]], now: datetime) -> list[QueueRow]:
    """Rows for every queued issue, repositories in the given order, issues in pop order."""
    rows = []
    for repo, issues in queues.items():
        for issue in issues:
            age = format_age((now - issue.created_at).total_seconds()) if issue.created_at else "?"
            # route:ready is what queues an issue: every row has it, so it says nothing here.
            labels = ", ".join(sorted(issue.labels - {READY_LABEL}))
            rows.append(
                QueueRow(
                    str(repo),
                    issue.number,
                    issue.title,
                    issue.priority,
                    age,
                    labels,
                )
            )
    return rows


class QueueScreen(Screen[None]):
    """Shows the queues the app read; asks the app to pop the chosen issue."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="queue.back"),
        Binding(
            "enter",
            "pop_selected",
            "Pop issue",
            id="queue.pop",
            key_display="⏎",
            # Priority: the filter box would take Enter first and hide the key from the footer.
            priority=True,
            tooltip="Claim the highlighted issue for its repository's agent",
        ),
        Binding("down", "move(1)", "Next", show=False, id="queue.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="queue.up"),
        Binding("ctrl+r", "reload", "Reload", id="queue.reload", key_display="^r"),
    ]

    class PopIssue(Message):
        """The user chose an issue to pop."""

        def __init__(self, repo: str, number: int) -> None:
            super().__init__()
            self.repo = repo
            self.number = number

    class Reload(Message):
        """The user asked to read the queues again."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[QueueRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="filter: repository, number, title, priority or label", id="queue-filter"
        )
        yield Label("Reading the queues…", id="queue-summary", markup=False)
        table: DataTable[str] = DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("repository", "#", "title", "priority", "age", "labels")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "queue"
        self.query_one(Input).focus()

    def show_queues(self, queues: dict[RepoName, list[Issue]], now: datetime) -> None:
        """Show freshly read queues (keeps the filter)."""
        self.rows = queue_rows(queues, now)
        self._fill()

    def show_problem(self, reason: str) -> None:
        """Say why the queues could not be read."""
        summary = self.query_one("#queue-summary", Label)
        summary.update(f"The queues could not be read: {reason}")
        summary.add_class("-problem")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill()

    def action_pop_selected(self) -> None:
        """Pop the highlighted issue."""
        row = self.selected_row
        if row is None:
            self.notify("No issue is highlighted: clear the filter or reload", severity="warning")
            return
        self.post_message(self.PopIssue(row.repo, row.number))

    def action_move(self, step: int) -> None:
        """Move the highlight (also while typing in the filter)."""
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_reload(self) -> None:
        """Read the queues again."""
        self.query_one("#queue-summary", Label).update("Reading the queues…")
        self.post_message(self.Reload())

    def action_back(self) -> None:
        """Return to the dashboard."""
        self.dismiss(None)

    @property
    def visible_rows(self) -> list[QueueRow]:
        """The rows the filter lets through, in table order."""
        query = self.query_one(Input).value
        return [row for row in self.rows if row.matches(query)]

    @property
    def selected_row(self) -> QueueRow | None:
        """The highlighted row, if any."""
        table = self.query_one(DataTable)
        visible = self.visible_rows
        if not visible or table.cursor_row < 0 or table.cursor_row >= len(visible):
            return None
        return visible[table.cursor_row]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        visible = self.visible_rows
        for row in visible:
            # Text cells: titles and labels are user data, never markup.
            cells = (row.repo, f"#{row.number}", row.title, row.priority, row.age, row.labels)
            table.add_row(*(Text(cell) for cell in cells), key=f"{row.repo}#{row.number}")
        repos = len({row.repo for row in self.rows})
        summary = self.query_one("#queue-summary", Label)
        summary.remove_class("-problem")
        text = f"{len(self.rows)} queued issues in {repos} repositories"
        if len(visible) != len(self.rows):
            text += f", {len(visible)} match the filter"
        summary.update(text)
