"""A bounded log view that can highlight and jump between matches of a search term."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self

from rich.highlighter import Highlighter
from rich.text import Text
from textual.widgets import Log


class _MatchHighlighter(Highlighter):
    """Styles every occurrence of the term (case-insensitive) with the view's match style."""

    def __init__(self, view: RunLogView) -> None:
        super().__init__()
        self.view = view

    def highlight(self, text: Text) -> None:
        term = self.view.search_term
        if not term:
            return
        style = self.view.get_component_rich_style("run-log--match")
        text.highlight_words([term], style, case_sensitive=False)


class BoundedLog(Log):
    """A Log whose `max_lines` never freezes the view.

    Textual 8.2's `Log.write_lines` works out which lines to repaint before it drops the oldest,
    so once the log is full the new lines are never painted (the screen stops moving at line
    max_lines). Repainting the view whenever lines were dropped keeps it live.
    """

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> Self:
        super().write_lines(lines, scroll_end)
        if self.max_lines is not None and self.line_count >= self.max_lines:
            self.refresh()
        return self


class RunLogView(BoundedLog):
    """A Log with `max_lines` always set and a search term whose matches are highlighted."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"run-log--match"}
    DEFAULT_CSS = """
    RunLogView > .run-log--match {
        background: $warning 50%;
        color: $foreground;
        text-style: bold;
    }
    """

    def __init__(self, *, max_lines: int, id: str | None = None) -> None:
        super().__init__(highlight=True, max_lines=max_lines, id=id)
        self.search_term = ""
        self.highlighter = _MatchHighlighter(self)

    def set_search(self, term: str) -> None:
        """Highlight `term` everywhere (an empty term clears the highlight)."""
        self.search_term = term
        # Rendered lines are cached with the old highlight; draw them again.
        self._render_line_cache.clear()
        self.refresh()

    def find(self, term: str, start: int, step: int) -> int | None:
        """The index of the next line containing `term` from `start` in direction `step`, wrapping."""
        lines = self.lines
        if not term or not lines:
            return None
        needle = term.lower()
        count = len(lines)
        for offset in range(count):
            index = (start + step * offset) % count
            if needle in lines[index].lower():
                return index
        return None

    def show_line(self, index: int) -> None:
        """Scroll so line `index` sits in the middle of the view."""
        self.scroll_to(y=max(0, index - self.size.height // 2), animate=False)
