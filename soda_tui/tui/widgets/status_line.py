"""The line under the grid: GitHub's rate-limit budget, the last refresh and any connection problem."""

from __future__ import annotations

from datetime import datetime, tzinfo

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from soda_tui.github.budget import RateBudget


def budget_text(budget: RateBudget, tz: tzinfo | None) -> str:
    """`GitHub 4,870/5,000 left · resets 14:00 · 37 requests`, or a waiting note before any reply."""
    if not budget.known:
        return f"GitHub budget: not known yet · {budget.requests} requests"
    text = f"GitHub {budget.remaining:,}/{budget.limit:,} left"
    if budget.reset_at is not None:
        text += f" · resets {budget.reset_at.astimezone(tz):%H:%M}"
    return text + f" · {budget.requests} requests"


class StatusLine(Horizontal):
    """Budget on the left, the last refresh (or what went wrong) on the right."""

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz

    def compose(self) -> ComposeResult:
        yield Label(budget_text(RateBudget(), self._tz), id="budget", markup=False)
        yield Label("", id="problem", markup=False)
        yield Label("not refreshed yet", id="refreshed", markup=False)

    def show_budget(self, budget: RateBudget) -> None:
        """Draw the newest budget."""
        label = self.query_one("#budget", Label)
        label.update(budget_text(budget, self._tz))
        fraction = budget.fraction_left
        label.set_class(fraction is not None and fraction < 0.1, "-low")

    def show_refresh(self, at: datetime | None, problem: str | None) -> None:
        """Draw when the board was last read and the problem of the last attempt, if any."""
        when = f"refreshed {at.astimezone(self._tz):%H:%M:%S}" if at else "not refreshed yet"
        self.query_one("#refreshed", Label).update(when)
        self.query_one("#problem", Label).update(problem or "")
        self.set_class(problem is not None, "-problem")
