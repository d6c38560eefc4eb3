"""The recovery screen's list: one row per left-behind item across repositories, with a mark for
the rows chosen for a bulk action."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from soda_tui.recovery.models import OrphanItem, OrphanKind
from soda_tui.tui.model import format_age

MARK_COLUMN = "mark"
COLUMNS = ("repository", "kind", "branch / issue", "ahead", "issue", "PR", "age", "author")
KIND_STYLES = {
    OrphanKind.RECOVERABLE: "bold",
    OrphanKind.STALE_CLAIM: "italic",
    OrphanKind.CLOSED_ELSEWHERE: "",
    OrphanKind.LANDED_LEFTOVER: "dim",
    OrphanKind.EMPTY: "dim",
}
MARK = "●"


def row_cells(item: OrphanItem, now: datetime, marked: bool) -> tuple[Text, ...]:
    """The cells of one item's row (plain Text: branch names and titles are never markup)."""
    age = item.age_seconds(now)
    issue = ""
    if item.issue is not None:
        issue = f"#{item.issue.number}" + (f" {item.issue.title}" if item.issue.title else "")
    pull = ""
    if item.pull is not None:
        pull = f"#{item.pull.number} {'merged' if item.pull.merged else item.pull.state.lower()}"
    what = item.branch or f"#{item.issue_number}"
    if item.location == "local":
        what += " (local only)"
    ahead = str(item.ahead) if item.branch else ""
    if item.unpushed:
        ahead += f" +{item.unpushed} local"
    cells = (
        MARK if marked else "",
        str(item.repo),
        item.kind.value + (" (ignored)" if item.ignored else ""),
        what,
        ahead,
        issue,
        pull,
        format_age(age) if age is not None else "?",
        item.author,
    )
    style = KIND_STYLES.get(item.kind, "")
    return tuple(Text(cell, style=style) for cell in cells)


class RecoveryTable(DataTable[Text]):
    """Items as rows keyed by item key; the owning screen says which are marked."""

    DEFAULT_CSS = """
    RecoveryTable {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.keys: list[str] = []

    def on_mount(self) -> None:
        # A fixed width: the mark column is empty until the first mark, and auto width would be 0.
        self.add_column("", width=1, key=MARK_COLUMN)
        self.add_columns(*COLUMNS)

    def show(self, items: Iterable[OrphanItem], marked: set[str], now: datetime) -> None:
        """Replace the rows, keeping the highlight on the same item when it is still listed."""
        current = self.highlighted_key
        self.clear()
        self.keys = []
        for item in items:
            self.add_row(*row_cells(item, now, item.key in marked), key=item.key)
            self.keys.append(item.key)
        if current in self.keys:
            self.move_cursor(row=self.keys.index(current))

    def set_mark(self, item: OrphanItem, marked: bool) -> None:
        """Show or hide the bulk mark on one row."""
        if item.key in self.keys:
            self.update_cell(item.key, MARK_COLUMN, Text(MARK if marked else ""))

    @property
    def highlighted_key(self) -> str | None:
        """The key of the highlighted row, if any."""
        if not self.keys or not 0 <= self.cursor_row < len(self.keys):
            return None
        return self.keys[self.cursor_row]
