"""The grid's shape for 1 to 16 panes, run log discovery and tails, queue rows and key tables."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.binding import Binding

from soda_tui.core.models import Issue, RepoName
from soda_tui.tui.jobs import newest_run_log, tail_lines
from soda_tui.tui.layout import MIN_PANE_HEIGHT, MIN_PANE_WIDTH, grid_shape
from soda_tui.tui.screens.help import key_rows
from soda_tui.tui.screens.queue import queue_rows


@pytest.mark.parametrize(
    ("panes", "size", "columns", "rows"),
    [
        (1, (100, 30), 1, 1),
        (2, (120, 34), 2, 1),
        (4, (116, 31), 2, 2),
        (6, (156, 43), 3, 2),
        (12, (156, 43), 4, 3),
        (16, (156, 43), 4, 4),
        (4, (90, 60), 1, 4),  # a tall terminal stacks wide panes
        (3, (60, 60), 1, 3),
    ],
)
def test_the_grid_follows_the_pane_count_and_the_terminal(
    panes: int, size: tuple[int, int], columns: int, rows: int
) -> None:
    shape = grid_shape(panes, *size)
    assert (shape.columns, shape.rows) == (columns, rows)
    assert shape.columns * shape.rows >= panes


@pytest.mark.parametrize("panes", range(1, 17))
@pytest.mark.parametrize("size", [(80, 20), (120, 34), (200, 55), (60, 80)])
def test_every_pane_fits_and_is_never_too_narrow(panes: int, size: tuple[int, int]) -> None:
    width, height = size
    shape = grid_shape(panes, width, height)
    assert shape.columns * shape.rows >= panes
    assert shape.rows == -(-panes // shape.columns)  # no empty row
    assert shape.columns == 1 or width // shape.columns >= MIN_PANE_WIDTH
    # Panes either share the height readably or keep a fixed height and scroll.
    assert shape.scroll == (height / shape.rows < MIN_PANE_HEIGHT)


def test_the_newest_run_log_is_found_by_time(tmp_path: Path) -> None:
    runs = tmp_path / "runs" / "acme__api"
    assert newest_run_log(runs) is None  # never ran: no directory at all
    older = runs / "7-20260314T090000" / "agent.log"
    newer = runs / "3-20260314T093000" / "agent.log"
    for path in (older, newer):
        path.parent.mkdir(parents=True)
        path.write_text(f"{path.parent.name}\n", encoding="utf-8")
    os.utime(older, (1_000_000, 1_000_000))
    os.utime(newer, (2_000_000, 2_000_000))
    (runs / "8-20260314T100000").mkdir()  # a run that has not written its log yet
    assert newest_run_log(runs) == newer


def test_a_tail_reads_only_the_last_lines_of_a_big_log(tmp_path: Path) -> None:
    log = tmp_path / "agent.log"
    log.write_text("".join(f"line {n}\n" for n in range(50_000)), encoding="utf-8")
    assert tail_lines(log, 3) == ["line 49997", "line 49998", "line 49999"]
    assert len(tail_lines(log, 20_000)) == 20_000
    short = tmp_path / "short.log"
    short.write_text("only\nlines", encoding="utf-8")
    assert tail_lines(short, 10) == ["only", "lines"]


def test_queue_rows_keep_pop_order_and_filter_on_every_word() -> None:
    now = datetime(2026, 3, 14, tzinfo=UTC)
    queues = {
        RepoName.parse("acme/api"): [
            Issue(
                "I1",
                40,
                "Pin the TLS library",
                created_at=now - timedelta(days=3),
                labels=frozenset({"route:unblocker"}),
            ),
            Issue(
                "I2",
                43,
                "Return 404 for unknown routes",
                created_at=now - timedelta(hours=5),
                labels=frozenset({"route:ready", "route:priority-low"}),
            ),
        ],
        RepoName.parse("acme/web"): [
            Issue(
                "I3", 19, "Show stock levels", created_at=None, labels=frozenset({"route:ready"})
            ),
        ],
    }
    rows = queue_rows(queues, now)
    assert [(row.repo, row.number) for row in rows] == [
        ("acme/api", 40),
        ("acme/api", 43),
        ("acme/web", 19),
    ]
    assert [row.age for row in rows] == ["3d", "5h", "?"]
    assert rows[1].labels == "route:priority-low"  # route:ready is implied by being queued
    assert [row.number for row in rows if row.matches("api low")] == [43]
    assert [row.number for row in rows if row.matches("#19")] == [19]
    assert [row.number for row in rows if row.matches("UNBLOCKER")] == [40]
    assert len([row for row in rows if row.matches("")]) == 3


def test_the_key_table_shows_remapped_keys_and_skips_hidden_bindings() -> None:
    bindings = [
        Binding("p", "pop", "Pop", id="pop", tooltip="Claim the next issue"),
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("left", "move", "Left", show=False, id="left"),
    ]
    rows = key_rows(bindings, {"pop": "o"}, lambda binding: binding.key.upper())
    assert rows == [("O", "Pop", "Claim the next issue"), ("QUESTION_MARK, F1", "Help", "")]
