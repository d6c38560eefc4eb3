"""The help screen: every key (as currently mapped), what it does, and what the pane badges mean."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

BADGE_MEANINGS: tuple[tuple[str, str], ...] = (
    ("idle", "nothing queued, nothing running"),
    ("claimed", "an issue carries agent001; run the agent on it"),
    ("working", "the agent is running on the claimed issue"),
    ("popping / bottling / landing", "that action is running"),
    ("review", "a pull request is open; land it once CI is green"),
    ("blocked", "the agent could not finish; a human is needed"),
    ("parked", "the agent hit its usage limit; waits until the reset"),
    ("error", "the last step failed; the note under the badge says why"),
)

KeyRow = tuple[str, str, str]


def key_rows(
    bindings: Iterable[BindingType], key_for: dict[str, str], display: Callable[[Binding], str]
) -> list[KeyRow]:
    """(keys, name, description) for each shown binding, with remapped keys applied."""
    rows: list[KeyRow] = []
    for item in bindings:
        if not isinstance(item, Binding) or not item.description or not item.show:
            continue
        binding = item.with_key(key_for[item.id]) if item.id and item.id in key_for else item
        keys = ", ".join(display(binding.with_key(key)) for key in binding.key.split(","))
        rows.append((keys, binding.description, binding.tooltip))
    return rows


class HelpScreen(ModalScreen[None]):
    """Shows key tables the app built from the live bindings; escape or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close", id="help.close")
    ]

    def __init__(self, sections: Sequence[tuple[str, Sequence[KeyRow]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label("soda-tui keys", id="help-title")
            with VerticalScroll(id="help-body"):
                for title, rows in self.sections:
                    yield Static(self._table(title, rows), classes="help-section")
                yield Static(self._badges(), classes="help-section")
            yield Label("escape closes · keys can be remapped by binding id", id="help-hint")

    @staticmethod
    def _table(title: str, rows: Sequence[KeyRow]) -> Table:
        table = Table(
            title=title,
            title_justify="left",
            expand=True,
            box=None,
            show_header=False,
            padding=(0, 1),
        )
        table.add_column("keys", style="bold", no_wrap=True, min_width=8)
        table.add_column("action", no_wrap=True, min_width=10)
        table.add_column("what it does", ratio=1)
        for keys, name, description in rows:
            table.add_row(Text(keys), Text(name), Text(description))
        return table

    @staticmethod
    def _badges() -> Table:
        table = Table(
            title="Pane badges",
            title_justify="left",
            expand=True,
            box=None,
            show_header=False,
            padding=(0, 1),
        )
        table.add_column("badge", style="bold", no_wrap=True, min_width=8)
        table.add_column("meaning", ratio=1)
        for name, meaning in BADGE_MEANINGS:
            table.add_row(Text(name.upper()), Text(meaning))
        return table
