"""How many columns and rows the pane grid uses for n panes on a terminal of a given size."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Terminal cells are about twice as tall as wide; a pane reads best a little wider than square
# because log lines are long, so aim for panes about 3.2 cells wide per cell of height.
TARGET_ASPECT = 3.2
MIN_PANE_WIDTH = 34
MIN_PANE_HEIGHT = 9


@dataclass(frozen=True)
class GridShape:
    """Columns and rows of the grid, and whether rows keep a fixed height and scroll."""

    columns: int
    rows: int
    scroll: bool


def grid_shape(panes: int, width: int, height: int) -> GridShape:
    """Pick the column count whose panes come closest to the target shape, never too narrow.

    Starts from ceil(sqrt(n)) and lets the terminal's aspect pull it wider or taller; when even
    the best choice leaves panes shorter than MIN_PANE_HEIGHT, rows keep that height and scroll.
    """
    panes = max(1, panes)
    width, height = max(1, width), max(1, height)
    widest = max(1, min(panes, width // MIN_PANE_WIDTH))
    best: tuple[float, int] | None = None
    for columns in range(1, widest + 1):
        rows = math.ceil(panes / columns)
        aspect = (width / columns) / (height / rows)
        # Distance from the target on a log scale treats "twice too wide" like "twice too tall";
        # empty cells in the last row cost a little so 4 panes prefer 2x2 over 3+1.
        empty = columns * rows - panes
        score = abs(math.log(aspect / TARGET_ASPECT)) + 0.3 * empty / columns
        if height / rows < MIN_PANE_HEIGHT:
            score += 10.0  # a grid that must scroll is the last resort
        if best is None or score < best[0]:
            best = (score, columns)
    assert best is not None
    columns = best[1]
    rows = math.ceil(panes / columns)
    return GridShape(columns, rows, scroll=height / rows < MIN_PANE_HEIGHT)
