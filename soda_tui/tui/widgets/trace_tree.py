"""One trace as a tree of spans: name, duration and the attributes that matter, errors in red."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from soda_tui.telemetry.records import SpanRecord, TraceView
from soda_tui.telemetry.views import format_ns, key_attributes

MAX_DEPTH = 12


class TraceTree(Tree[SpanRecord]):
    """Shows one trace; highlighting a span says which span to detail."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "trace-tree--error",
        "trace-tree--running",
        "trace-tree--duration",
        "trace-tree--attributes",
    }
    DEFAULT_CSS = """
    TraceTree > .trace-tree--error {
        color: $error;
        text-style: bold;
    }
    TraceTree > .trace-tree--running {
        color: $warning;
        text-style: italic;
    }
    TraceTree > .trace-tree--duration {
        color: $accent;
    }
    TraceTree > .trace-tree--attributes {
        color: $text-muted;
    }
    """

    class SpanChosen(Message):
        """The user highlighted `span` (None: nothing to show)."""

        def __init__(self, span: SpanRecord | None) -> None:
            super().__init__()
            self.span = span

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("no trace", id=id)
        self.show_root = False
        self.guide_depth = 3
        self.trace: TraceView | None = None
        self.now_ns = 0

    def show(self, trace: TraceView | None, now_ns: int) -> None:
        """Show `trace`, keeping the highlight on the same span when it is still there."""
        kept = self.cursor_node.data.span_id if self.cursor_node and self.cursor_node.data else None
        self.trace = trace
        self.now_ns = now_ns
        self.clear()
        if trace is None:
            self.root.set_label("no trace")
            self.post_message(self.SpanChosen(None))
            return
        self.root.set_label(trace.trace_id)
        found: dict[str, TreeNode[SpanRecord]] = {}
        for span in trace.top:
            self._add(self.root, trace, span, found, depth=0)
        self.root.expand_all()
        target = found.get(kept or "") or found.get(trace.root.span_id)
        if target is not None:
            self.move_cursor(target, animate=False)
        self.post_message(self.SpanChosen(target.data if target is not None else None))

    def _add(
        self,
        parent: TreeNode[SpanRecord],
        trace: TraceView,
        span: SpanRecord,
        found: dict[str, TreeNode[SpanRecord]],
        depth: int,
    ) -> None:
        children = trace.children(span.span_id) if depth < MAX_DEPTH else ()
        node = parent.add(self.label_for(span), data=span, allow_expand=bool(children))
        found[span.span_id] = node
        for child in children:
            self._add(node, trace, child, found, depth + 1)

    def label_for(self, span: SpanRecord) -> Text:
        """`name  duration  key attributes`, errors and running spans styled."""
        error = self.get_component_rich_style("trace-tree--error", partial=True)
        label = Text(span.name, style=error if span.is_error else "")
        if span.running:
            running = self.get_component_rich_style("trace-tree--running", partial=True)
            label.append(f"  running {format_ns(span.duration_ns(self.now_ns))}", style=running)
        else:
            duration = self.get_component_rich_style("trace-tree--duration", partial=True)
            label.append(f"  {format_ns(span.duration_ns())}", style=duration)
        details = key_attributes(span)
        if details:
            muted = self.get_component_rich_style("trace-tree--attributes", partial=True)
            label.append(f"  {details}", style=error if span.is_error else muted)
        return label

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[SpanRecord]) -> None:
        event.stop()
        self.post_message(self.SpanChosen(event.node.data))
