"""The rate-limit budget, kept current from the `x-ratelimit-*` headers of every GitHub response."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateBudget:
    """What is known of the primary rate limit, and what this process has spent of it."""

    limit: int | None = None
    remaining: int | None = None
    used: int | None = None
    reset_at: datetime | None = None
    resource: str | None = None
    requests: int = 0
    """HTTP requests this client sent, successful or not."""
    points_used: int = 0
    """Points this client spent: `x-ratelimit-used` deltas within a window, 1 when unknown."""
    last_updated: datetime | None = None

    @property
    def known(self) -> bool:
        """Whether any response has told us the limit yet."""
        return self.limit is not None and self.remaining is not None

    @property
    def fraction_left(self) -> float | None:
        """Remaining points as a fraction of the limit, or None before the first response."""
        if not self.known or not self.limit:
            return None
        return max(0.0, min(1.0, (self.remaining or 0) / self.limit))


@dataclass(frozen=True)
class RateHeaders:
    """The `x-ratelimit-*` headers of one response (absent ones are None)."""

    limit: int | None
    remaining: int | None
    used: int | None
    reset_at: datetime | None
    resource: str | None

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders:
        """Read the headers GitHub sends with every API response; garbage values count as absent."""
        reset_epoch = _int(headers.get("x-ratelimit-reset"))
        return cls(
            limit=_int(headers.get("x-ratelimit-limit")),
            remaining=_int(headers.get("x-ratelimit-remaining")),
            used=_int(headers.get("x-ratelimit-used")),
            reset_at=datetime.fromtimestamp(reset_epoch, UTC) if reset_epoch is not None else None,
            resource=headers.get("x-ratelimit-resource"),
        )

    @property
    def present(self) -> bool:
        """Whether the response carried rate-limit headers at all."""
        return self.remaining is not None or self.limit is not None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


BudgetListener = Callable[[RateBudget], None]


class BudgetTracker:
    """Folds response headers into a `RateBudget` and tells subscribers after each change."""

    def __init__(self) -> None:
        self._budget = RateBudget()
        self._listeners: list[BudgetListener] = []

    @property
    def budget(self) -> RateBudget:
        """The latest snapshot (immutable, safe to hand to the UI)."""
        return self._budget

    def subscribe(self, listener: BudgetListener) -> Callable[[], None]:
        """Call `listener` with every new budget; returns a function that unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def count_request(self) -> None:
        """Record that one more request went out (even if no response comes back)."""
        self._publish(replace(self._budget, requests=self._budget.requests + 1))

    def record_response(
        self, headers: Mapping[str, str], now: datetime, reported_cost: int | None = None
    ) -> int:
        """Fold one response's headers into the budget and return the points it cost.

        `reported_cost` is the query's own `rateLimit { cost }` when it asked: exact, where the
        header delta is only an estimate (the first reading of a window, concurrent requests).
        """
        rate = RateHeaders.parse(headers)
        old = self._budget
        if not rate.present:
            # A proxy error page or the like: GitHub's accounting is unknown, assume one point.
            cost = reported_cost if reported_cost is not None else 1
            self._publish(replace(old, points_used=old.points_used + cost, last_updated=now))
            return cost
        same_window = old.reset_at is not None and old.reset_at == rate.reset_at
        if same_window and old.used is not None and rate.used is not None:
            # Concurrent responses can arrive out of order: a smaller `used` is an older
            # reading, already counted, so it costs nothing and must not move the budget back.
            cost = max(rate.used - old.used, 0) if reported_cost is None else reported_cost
            if rate.used < old.used:
                self._publish(replace(old, points_used=old.points_used + cost, last_updated=now))
                return cost
        else:
            cost = reported_cost if reported_cost is not None else 1
        self._publish(
            replace(
                old,
                limit=rate.limit if rate.limit is not None else old.limit,
                remaining=rate.remaining if rate.remaining is not None else old.remaining,
                used=rate.used if rate.used is not None else old.used,
                reset_at=rate.reset_at or old.reset_at,
                resource=rate.resource or old.resource,
                points_used=old.points_used + cost,
                last_updated=now,
            )
        )
        return cost

    def _publish(self, budget: RateBudget) -> None:
        self._budget = budget
        for listener in list(self._listeners):
            try:
                listener(budget)
            except Exception:
                # A broken display must not break GitHub requests; log the failure, never hide it.
                log.exception("rate budget listener %r failed", listener)
