"""What an agent run emits while it runs and when it ends: small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

# "soda" marks lines soda-tui itself writes into a run's log (signals sent, parser warnings).
LogStream = Literal["stdout", "stderr", "soda"]
Outcome = Literal[
    "succeeded", "failed", "timed_out", "stalled", "cancelled", "usage_limited", "not_found"
]
OUTCOMES: tuple[Outcome, ...] = (
    "succeeded",
    "failed",
    "timed_out",
    "stalled",
    "cancelled",
    "usage_limited",
    "not_found",
)


@dataclass(frozen=True)
class LogLine:
    """One line of the agent's output (readable form), already redacted."""

    stream: LogStream
    text: str
    at: datetime


@dataclass(frozen=True)
class ToolCall:
    """The agent used a tool: its name and a one-line summary of the input."""

    name: str
    summary: str


@dataclass(frozen=True)
class TokenUsage:
    """Tokens and cost an agent reported (totals for the run so far)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost_usd: float | None = None

    @property
    def total_tokens(self) -> int:
        """All tokens counted, cached ones included."""
        return self.input_tokens + self.output_tokens + self.cache_read + self.cache_write


@dataclass(frozen=True)
class UsageLimit:
    """The agent hit its provider's usage limit; `reset_at` is when it lifts, when known."""

    reset_at: datetime | None
    message: str


@dataclass(frozen=True)
class AgentText:
    """Prose the agent addressed to the user (not tool output)."""

    text: str


@dataclass(frozen=True)
class RunStarted:
    """The agent process started."""

    pid: int
    argv_display: str


@dataclass(frozen=True)
class RunResult:
    """How a run ended: the outcome, a one-line reason and what was seen on the way."""

    exit_code: int | None
    outcome: Outcome
    reason: str
    duration_s: float
    log_path: Path
    tail: list[str] = field(default_factory=list)
    usage: TokenUsage | None = None
    tool_calls: int = 0
    usage_limit_reset: datetime | None = None

    @property
    def succeeded(self) -> bool:
        """True when the agent itself reported success (the caller still checks commits)."""
        return self.outcome == "succeeded"


@dataclass(frozen=True)
class RunEnded:
    """The run is over; nothing more follows."""

    result: RunResult


AgentEvent = LogLine | ToolCall | TokenUsage | UsageLimit | AgentText | RunStarted | RunEnded
