"""The metrics screen: issues landed, time to land, success and blocked rates, runs, API use."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class MetricsScreen(ModalScreen[None]):
    """Shows the figures the app computed from the trace files and journals; escape closes it."""

    DEFAULT_CSS = """
    MetricsScreen { align: center middle; }
    MetricsScreen > Vertical {
        width: auto; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 1 2;
    }
    MetricsScreen #metrics-title { text-style: bold; margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m,q", "dismiss", "Close", id="metrics.close")
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Metrics (from this machine's traces and journals)", id="metrics-title")
            yield Static("reading the trace files…", id="metrics-body", markup=False)

    def show_lines(self, lines: list[str]) -> None:
        """Put the computed figures on screen."""
        self.query_one("#metrics-body", Static).update("\n".join(lines))
