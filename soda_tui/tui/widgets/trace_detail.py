"""Everything one span recorded: status, timing, attributes and events (already redacted)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from soda_tui.telemetry.records import SpanRecord
from soda_tui.telemetry.views import clock_time, format_ns

VALUE_CHARS = 300


class TraceDetail(Static):
    """The attributes and events of the highlighted span."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "trace-detail--key",
        "trace-detail--error",
        "trace-detail--title",
    }
    DEFAULT_CSS = """
    TraceDetail > .trace-detail--key {
        color: $text-muted;
    }
    TraceDetail > .trace-detail--error {
        color: $error;
        text-style: bold;
    }
    TraceDetail > .trace-detail--title {
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.span: SpanRecord | None = None

    def show(self, span: SpanRecord | None, now_ns: int) -> None:
        """Detail `span` (None: say there is nothing selected)."""
        self.span = span
        if span is None:
            self.update("Highlight a span to see what it recorded.")
            return
        key_style = self.get_component_rich_style("trace-detail--key", partial=True)
        error_style = self.get_component_rich_style("trace-detail--error", partial=True)
        title_style = self.get_component_rich_style("trace-detail--title", partial=True)
        text = Text(span.name, style=title_style)
        took = span.duration_ns(now_ns)
        state = "running" if span.running else ("error" if span.is_error else "ok")
        text.append(
            f"\n{span.kind.lower()} · started {clock_time(span.start_ns)} · {format_ns(took)} · ",
            style=key_style,
        )
        text.append(state, style=error_style if span.is_error else key_style)
        if span.status_message:
            text.append(f"\n{span.status_message}", style=error_style if span.is_error else "")
        width = max((len(key) for key in span.attributes), default=0)
        for key in sorted(span.attributes):
            value = span.attributes[key]
            shown = ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
            text.append(f"\n{key.ljust(width)}  ", style=key_style)
            text.append(shown if len(shown) <= VALUE_CHARS else shown[: VALUE_CHARS - 1] + "…")
        for event in span.events:
            style = error_style if event.name == "exception" else title_style
            text.append(f"\nevent {event.name} at {clock_time(event.at_ns)}", style=style)
            for key, value in sorted(event.attributes.items()):
                text.append(f"\n  {key}: {value}")
        self.update(text)
