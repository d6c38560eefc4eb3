"""Fault injection for localhub: latency, 502s, dropped connections and rate-limit answers."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
SECONDARY_LIMIT_DOCS = (
    "https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api"
    "#secondary-rate-limits"
)

# Route kinds the router assigns; an `only_paths` entry equal to one of these matches the kind.
ROUTE_KINDS = ("graphql", "git", "rest")


class FaultKind(StrEnum):
    """What an injected failure looks like to the client."""

    BAD_GATEWAY = "502"
    DROP = "drop"
    SECONDARY = "secondary"


class FaultConfigError(ValueError):
    """A fault setting was given a value it cannot take."""


@dataclass(frozen=True)
class FaultDecision:
    """What the server must do to one request: wait, then maybe fail it in one way."""

    delay_seconds: float = 0.0
    failure: FaultKind | None = None


_FIELDS: dict[str, type] = {
    "latency_ms": int,
    "jitter_ms": int,
    "error_rate_502": float,
    "drop_rate": float,
    "rate_limited": bool,
    "secondary_limited": bool,
    "retry_after_seconds": int,
    "only_paths": tuple,
    "seed": int,
}


class Faults:
    """Faults to inject into localhub's GraphQL, REST and git routes, changeable while it runs.

    `only_paths` limits faults to requests whose path starts with one of its entries; an entry
    may also be a route kind (`"graphql"`, `"git"`, `"rest"`). `None` means every route.
    """

    def __init__(
        self,
        *,
        latency_ms: int = 0,
        jitter_ms: int = 0,
        error_rate_502: float = 0.0,
        drop_rate: float = 0.0,
        rate_limited: bool = False,
        secondary_limited: bool = False,
        retry_after_seconds: int = 60,
        only_paths: tuple[str, ...] | list[str] | None = None,
        seed: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._pending: deque[FaultKind] = deque()
        self.latency_ms = 0
        self.jitter_ms = 0
        self.error_rate_502 = 0.0
        self.drop_rate = 0.0
        self.rate_limited = False
        self.secondary_limited = False
        self.retry_after_seconds = 60
        self.only_paths: tuple[str, ...] | None = None
        self.seed: int | None = None
        self._random = random.Random()
        self.update(
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            error_rate_502=error_rate_502,
            drop_rate=drop_rate,
            rate_limited=rate_limited,
            secondary_limited=secondary_limited,
            retry_after_seconds=retry_after_seconds,
            only_paths=only_paths,
            seed=seed,
        )

    def update(self, **fields: Any) -> None:
        """Set any fault fields at once; unknown names or bad values raise `FaultConfigError`."""
        checked = {name: _check(name, value) for name, value in fields.items()}
        with self._lock:
            for name, value in checked.items():
                setattr(self, name, value)
            if "seed" in checked:
                # A new seed restarts the sequence so a test can replay the same failures.
                self._random = random.Random(checked["seed"])

    def fail_next(self, count: int, kind: str | FaultKind) -> None:
        """Fail exactly the next `count` matching requests with "502", "drop" or "secondary"."""
        try:
            fault_kind = FaultKind(kind)
        except ValueError:
            choices = ", ".join(item.value for item in FaultKind)
            raise FaultConfigError(f"unknown fault kind {kind!r}: use one of {choices}") from None
        if count < 0:
            raise FaultConfigError("fail_next count must be 0 or more")
        with self._lock:
            self._pending.extend([fault_kind] * count)

    def clear(self) -> None:
        """Turn every fault off and forget queued `fail_next` failures."""
        with self._lock:
            self._pending.clear()
        self.update(
            latency_ms=0,
            jitter_ms=0,
            error_rate_502=0.0,
            drop_rate=0.0,
            rate_limited=False,
            secondary_limited=False,
            only_paths=None,
        )

    def as_dict(self) -> dict[str, Any]:
        """The current settings as JSON-ready values, including how many forced failures remain."""
        with self._lock:
            return {
                "latency_ms": self.latency_ms,
                "jitter_ms": self.jitter_ms,
                "error_rate_502": self.error_rate_502,
                "drop_rate": self.drop_rate,
                "rate_limited": self.rate_limited,
                "secondary_limited": self.secondary_limited,
                "retry_after_seconds": self.retry_after_seconds,
                "only_paths": list(self.only_paths) if self.only_paths is not None else None,
                "seed": self.seed,
                "pending_failures": [kind.value for kind in self._pending],
            }

    def applies_to(self, path: str, route_kind: str) -> bool:
        """Whether faults touch a request to `path` served by a route of `route_kind`."""
        only = self.only_paths
        if only is None:
            return True
        return any(entry == route_kind or path.startswith(entry) for entry in only)

    def rate_limited_for(self, path: str, route_kind: str) -> bool:
        """Whether a GraphQL request on this path must be answered as if the budget is spent."""
        return self.rate_limited and self.applies_to(path, route_kind)

    def decide(self, path: str, route_kind: str) -> FaultDecision:
        """Draw this request's fate: its delay and the failure to inject, if any."""
        if not self.applies_to(path, route_kind):
            return FaultDecision()
        with self._lock:
            delay_ms = float(self.latency_ms)
            if self.jitter_ms > 0:
                delay_ms += self._random.uniform(0, self.jitter_ms)
            failure: FaultKind | None = None
            if self._pending:
                failure = self._pending.popleft()
            elif self.drop_rate > 0 and self._random.random() < self.drop_rate:
                failure = FaultKind.DROP
            elif self.error_rate_502 > 0 and self._random.random() < self.error_rate_502:
                failure = FaultKind.BAD_GATEWAY
            elif self.secondary_limited:
                failure = FaultKind.SECONDARY
        return FaultDecision(delay_seconds=delay_ms / 1000.0, failure=failure)

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.as_dict().items())
        return f"Faults({settings})"


def _check(name: str, value: Any) -> Any:
    """Validate and normalise one field value, so a bad admin request cannot break the server."""
    expected = _FIELDS.get(name)
    if expected is None:
        known = ", ".join(_FIELDS)
        raise FaultConfigError(f"unknown fault field {name!r}: use one of {known}")
    if name == "only_paths":
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise FaultConfigError("only_paths must be a list of path prefixes or route kinds")
        return tuple(value)
    if name == "seed":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise FaultConfigError("seed must be an integer or null")
        return value
    if expected is bool:
        if not isinstance(value, bool):
            raise FaultConfigError(f"{name} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultConfigError(f"{name} must be a number")
    if name in ("error_rate_502", "drop_rate"):
        if not 0.0 <= float(value) <= 1.0:
            raise FaultConfigError(f"{name} must be between 0 and 1")
        return float(value)
    if value < 0:
        raise FaultConfigError(f"{name} must be 0 or more")
    return int(value)
