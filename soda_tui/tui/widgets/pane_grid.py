"""The grid of repository panes: its columns follow the pane count and the terminal's shape."""

from __future__ import annotations

from textual import events
from textual.containers import Container

from soda_tui.tui.layout import grid_shape

# A pane that must scroll keeps room for its facts and a few log lines.
SCROLL_PANE_HEIGHT = 12


class PaneGrid(Container):
    """Lays its RepoPane children out in the grid shape `grid_shape` picks for the current size."""

    def on_resize(self, event: events.Resize) -> None:
        self.reshape(event.size.width, event.size.height)

    def on_mount(self) -> None:
        self.reshape(self.size.width, self.size.height)

    def reshape(self, width: int, height: int) -> None:
        """Set the grid's columns and rows for `width` x `height` cells."""
        if not width or not height:
            return
        shape = grid_shape(len(self.children), width, height)
        self.styles.grid_size_columns = shape.columns
        self.styles.grid_size_rows = shape.rows
        # Panes share the height when they fit; otherwise they keep a readable height and scroll.
        self.styles.grid_rows = str(SCROLL_PANE_HEIGHT) if shape.scroll else "1fr"
        self.set_class(shape.scroll, "-scrolling")

    @property
    def columns(self) -> int:
        """Columns in use now (arrow keys move focus by this much vertically)."""
        return int(self.styles.grid_size_columns or 1)
