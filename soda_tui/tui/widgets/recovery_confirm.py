"""The recovery screen's confirmation: lists exactly what an action will do before it does it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

MAX_SHOWN = 50


class RecoveryConfirm(ModalScreen[bool]):
    """Asks before a recovery action; dismisses with True only on an explicit yes."""

    DEFAULT_CSS = """
    RecoveryConfirm {
        align: center middle;
        background: $background 60%;
    }
    RecoveryConfirm #recovery-confirm {
        width: 90;
        max-width: 95%;
        height: auto;
        max-height: 80%;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    RecoveryConfirm #recovery-confirm-title {
        text-style: bold;
        color: $text-warning;
        margin-bottom: 1;
    }
    RecoveryConfirm #recovery-confirm-steps {
        height: auto;
        max-height: 20;
        margin-bottom: 1;
    }
    RecoveryConfirm #recovery-confirm-buttons {
        height: auto;
        align-horizontal: right;
    }
    RecoveryConfirm Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="recovery.confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="recovery.confirm.no"),
    ]

    def __init__(self, title: str, steps: list[str], note: str = "", *, destructive: bool) -> None:
        super().__init__()
        self.question_title = title
        self.steps = steps
        self.note = note
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        shown = [f"• {step}" for step in self.steps[:MAX_SHOWN]]
        if len(self.steps) > MAX_SHOWN:
            shown.append(f"… and {len(self.steps) - MAX_SHOWN} more")
        with Vertical(id="recovery-confirm"):
            yield Label(self.question_title, id="recovery-confirm-title", markup=False)
            with VerticalScroll(id="recovery-confirm-steps"):
                yield Static(Text("\n".join(shown)), id="recovery-confirm-list")
            if self.note:
                yield Label(self.note, id="recovery-confirm-note", markup=False)
            with Horizontal(id="recovery-confirm-buttons"):
                if self.destructive:
                    yield Button("Yes (y)", variant="error", id="yes")
                else:
                    yield Button("Yes (y)", variant="primary", id="yes")
                yield Button("No (n)", variant="default", id="no")

    def on_mount(self) -> None:
        # The safe answer has the focus: Enter says no.
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        """Answer with a key."""
        self.dismiss(yes)
