"""When to try a GitHub request again, and how long to wait first."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from soda_tui.github.errors import GitHubError, SecondaryRateLimited, TransportFailure

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
SECONDARY_MIN_WAIT_SECONDS = 60.0


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter for transient failures; secondary limits as told."""

    max_attempts: int = 5
    base: float = BACKOFF_BASE_SECONDS
    cap: float = BACKOFF_CAP_SECONDS
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")

    def backoff_ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt `attempt` (1-based): base·2^(n-1), capped."""
        # min() before the power would overflow for absurd attempt numbers, so clamp the exponent.
        return min(self.cap, self.base * 2.0 ** min(max(attempt - 1, 0), 62))

    def backoff(self, attempt: int) -> float:
        """A full-jitter wait after failed attempt `attempt`: uniform in [0, ceiling]."""
        return self.rng.uniform(0.0, self.backoff_ceiling(attempt))

    def delay_after(self, error: GitHubError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None when `error` must be raised now.

        Only transient transport failures (502/503/504, timeouts, refused or dropped
        connections) and secondary rate limits are retried; 401/403/404, the primary rate
        limit and GraphQL errors never are, and nothing is retried past `max_attempts`.
        """
        if attempt >= self.max_attempts:
            return None
        if isinstance(error, SecondaryRateLimited):
            return error.retry_after
        if isinstance(error, TransportFailure) and error.retryable:
            return self.backoff(attempt)
        return None
