"""The primary GraphQL rate limit: points per login per hour, like GitHub's."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from soda_tui.core.clock import Clock
from soda_tui.localhub.models import RateSnapshot

WINDOW = timedelta(hours=1)


class RateLimitExceeded(Exception):
    """The query costs more points than the login has left; nothing was charged."""

    def __init__(self, snapshot: RateSnapshot, cost: int) -> None:
        super().__init__(f"rate limit exceeded: cost {cost}, remaining {snapshot.remaining}")
        self.snapshot = snapshot
        self.cost = cost


@dataclass
class _Window:
    started: datetime
    used: int = 0


class RateLimiter:
    """Budgets per login; a window starts with the first charge and lasts one hour."""

    def __init__(self, limit: int, clock: Clock) -> None:
        self._limit = limit
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        """Points per hour."""
        return self._limit

    def set_limit(self, limit: int) -> None:
        """Change the hourly budget for every login (fault injection, benchmarks)."""
        if limit < 0:
            raise ValueError(f"rate limit must be zero or more, got {limit}")
        with self._lock:
            self._limit = limit

    def _peek(self, login: str) -> _Window | None:
        window = self._windows.get(login.lower())
        if window is not None and self._clock.now() >= window.started + WINDOW:
            del self._windows[login.lower()]
            return None
        return window

    def _open(self, login: str) -> _Window:
        window = self._peek(login)
        if window is None:
            window = self._windows[login.lower()] = _Window(started=self._clock.now())
        return window

    def _snapshot(self, window: _Window | None) -> RateSnapshot:
        started = window.started if window is not None else self._clock.now()
        used = window.used if window is not None else 0
        return RateSnapshot(
            limit=self._limit,
            remaining=max(0, self._limit - used),
            used=used,
            reset_epoch=int((started + WINDOW).timestamp()),
        )

    def snapshot(self, login: str) -> RateSnapshot:
        """The budget of `login` now, without charging anything."""
        with self._lock:
            return self._snapshot(self._peek(login))

    def charge(self, login: str, cost: int) -> RateSnapshot:
        """Take `cost` points from `login`; raises `RateLimitExceeded` (charging nothing)."""
        with self._lock:
            window = self._open(login)
            if cost > self._limit - window.used:
                raise RateLimitExceeded(self._snapshot(window), cost)
            window.used += cost
            return self._snapshot(window)

    def reset(self, logins: Iterable[str]) -> None:
        """Give each login a full budget in a fresh window (as if its reset time had come)."""
        with self._lock:
            for login in logins:
                self._windows.pop(login.lower(), None)

    def exhaust(self, logins: Iterable[str]) -> None:
        """Use up the budget of each login until its window resets."""
        with self._lock:
            for login in logins:
                window = self._open(login)
                window.used = max(window.used, self._limit)
