"""The list of recent traces: one row per trace, newest first, errors and running ones marked."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from soda_tui.telemetry.records import TraceView
from soda_tui.telemetry.views import trace_summary

COLUMNS = ("time", "repository", "command", "issue", "duration", "status")


class TraceList(DataTable[Text]):
    """Recent traces; highlighting a row says which trace to show."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "trace-list--error",
        "trace-list--running",
        "trace-list--ok",
    }
    DEFAULT_CSS = """
    TraceList > .trace-list--error {
        color: $error;
        text-style: bold;
    }
    TraceList > .trace-list--running {
        color: $warning;
    }
    TraceList > .trace-list--ok {
        color: $success;
    }
    """

    class Chosen(Message):
        """The user highlighted the trace `trace_id`."""

        def __init__(self, trace_id: str) -> None:
            super().__init__()
            self.trace_id = trace_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.trace_ids: list[str] = []

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, views: list[TraceView], now_ns: int, keep: str | None) -> None:
        """Show `views` (keeping the highlight on `keep` when it is still listed)."""
        ids = [view.trace_id for view in views]
        self.clear()
        for view in views:
            cells = trace_summary(view, now_ns)
            status = cells[-1]
            style = self.get_component_rich_style(f"trace-list--{status}", partial=True)
            row = [Text(cell) for cell in cells[:-1]]
            row.append(Text(status, style=style))
            if status == "error":
                row[2].stylize(style)
            self.add_row(*row, key=view.trace_id)
        self.trace_ids = ids
        if keep in ids:
            self.move_cursor(row=ids.index(keep), animate=False)

    @property
    def chosen(self) -> str | None:
        """The highlighted trace, if any."""
        if not self.trace_ids or not 0 <= self.cursor_row < len(self.trace_ids):
            return None
        return self.trace_ids[self.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(event.row_key.value))
