"""The recovery screen's details pane: what the highlighted item is, and (once inspected) its
commits, diffstat and unpushed work."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from soda_tui.recovery.details import ItemDetail
from soda_tui.recovery.models import OrphanItem


class RecoveryDetails(VerticalScroll):
    """Shows one item; the screen feeds it, it never reads anything itself."""

    DEFAULT_CSS = """
    RecoveryDetails {
        width: 1fr;
        min-width: 40;
        border-left: solid $panel-lighten-2;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown_key: str | None = None
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="recovery-details-body", markup=False)

    def _set(self, key: str | None, lines: list[str]) -> None:
        self.shown_key = key
        self.text = "\n".join(lines)
        self.query_one("#recovery-details-body", Static).update(Text(self.text))

    def show_item(self, item: OrphanItem | None, now: datetime) -> None:
        """What the scan knows of `item` (press enter to read commits and diffstat)."""
        if item is None:
            self._set(None, ["Nothing is highlighted."])
            return
        lines = ItemDetail(item).lines()
        age = item.age_seconds(now)
        if age is not None:
            lines.append(f"  last activity: {int(age // 3600)} h ago")
        lines.append(f"  can: {', '.join(action.value for action in item.actions)}")
        if item.branch:
            lines.append("")
            lines.append("Press enter for its commits and diffstat.")
        self._set(item.key, lines)

    def show_loading(self, item: OrphanItem) -> None:
        """Say that the item's branch is being read."""
        self._set(item.key, [f"{item.key}", "", "Reading commits and diffstat from the workspace…"])

    def show_detail(self, detail: ItemDetail) -> None:
        """The item with its commits, diffstat and unpushed work."""
        lines = detail.lines()
        lines.append(f"  can: {', '.join(action.value for action in detail.item.actions)}")
        self._set(detail.item.key, lines)
