"""Messages that workers and core callbacks post to the app; the app's handlers own the state."""

from __future__ import annotations

from textual.message import Message

from soda_tui.agents.events import AgentEvent
from soda_tui.github.budget import RateBudget
from soda_tui.loop.autopilot import WorkerUpdate


class AgentOutput(Message):
    """New agent output waits in a repository's buffer; one message drains many lines at once."""

    def __init__(self, repo: str) -> None:
        super().__init__()
        self.repo = repo

    def can_replace(self, message: Message) -> bool:
        # A queued drain for the same repository already takes every waiting line.
        return isinstance(message, AgentOutput) and message.repo == self.repo


class AgentSignal(Message):
    """An agent event other than a log line (run started or ended, tokens, usage limit)."""

    def __init__(self, repo: str, event: AgentEvent) -> None:
        super().__init__()
        self.repo = repo
        self.event = event


class Progressed(Message):
    """Long git work in a repository reported progress (clone, fetch, push)."""

    def __init__(self, repo: str, text: str) -> None:
        super().__init__()
        self.repo = repo
        self.text = text

    def can_replace(self, message: Message) -> bool:
        # Only the newest progress line of a repository is worth drawing.
        return isinstance(message, Progressed) and message.repo == self.repo


class WorkerReported(Message):
    """A repository's autopilot worker said what it did or decided."""

    def __init__(self, update: WorkerUpdate) -> None:
        super().__init__()
        self.update = update


class BudgetChanged(Message):
    """The GitHub rate-limit budget moved (sent after every response)."""

    def __init__(self, budget: RateBudget) -> None:
        super().__init__()
        self.budget = budget

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BudgetChanged)
