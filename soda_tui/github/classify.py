"""Turn one HTTP exchange with GitHub into data or a typed error (pure: no I/O, no clock reads)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx

from soda_tui.github.budget import RateHeaders
from soda_tui.github.errors import (
    BadCredentials,
    Forbidden,
    GitHubError,
    GraphQLError,
    NotFound,
    RateLimited,
    SecondaryRateLimited,
    TransportFailure,
    UnexpectedResponse,
)
from soda_tui.github.retry import SECONDARY_MIN_WAIT_SECONDS

_SECONDARY = re.compile(r"secondary rate limit|abuse detection", re.IGNORECASE)
_PRIMARY_TYPES = frozenset({"RATE_LIMITED", "RATE_LIMIT"})
_TRANSIENT_STATUSES = frozenset({502, 503, 504})
# Without a reset time, park briefly and look again rather than guess an hour.
_UNKNOWN_RESET_WAIT = timedelta(seconds=60)


@dataclass(frozen=True)
class Reply:
    """What came back for one request: status, headers and the JSON body when there was one."""

    status: int
    headers: Mapping[str, str]
    body: Any = None
    text: str = ""

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The GraphQL `errors` list of the body (empty when there is none)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("errors"), list):
            return [e if isinstance(e, dict) else {"message": str(e)} for e in self.body["errors"]]
        return []

    @property
    def data(self) -> dict[str, Any] | None:
        """The GraphQL `data` object of the body, if any."""
        data = self.body.get("data") if isinstance(self.body, dict) else None
        return cast(dict[str, Any], data) if isinstance(data, dict) else None

    @property
    def reported_cost(self) -> int | None:
        """The points GitHub says this query cost (`rateLimit { cost }`), when it was asked for."""
        data = self.data
        rate = data.get("rateLimit") if data is not None else None
        cost = rate.get("cost") if isinstance(rate, dict) else None
        return cost if isinstance(cost, int) and cost >= 0 else None

    @property
    def message(self) -> str:
        """The most telling text in the reply: REST `message`, first GraphQL error, or body."""
        message = self.body.get("message") if isinstance(self.body, dict) else None
        if isinstance(message, str):
            return message
        if self.errors:
            return str(self.errors[0].get("message", ""))
        return self.text.strip()[:200]


def classify_reply(
    reply: Reply, *, endpoint: str, now: datetime, operation: str | None = None
) -> dict[str, Any] | GitHubError:
    """Return the `data` of a good reply, or the typed error it stands for."""
    rate = RateHeaders.parse(reply.headers)
    if reply.status == 401:
        return BadCredentials(endpoint)
    if reply.status in (403, 429):
        return _classify_refusal(reply, rate, now)
    if reply.status == 404:
        return NotFound(f"{endpoint} answered 404; check api_url")
    if reply.status in _TRANSIENT_STATUSES:
        return TransportFailure(endpoint, f"HTTP {reply.status}", retryable=True)
    if reply.status >= 500:
        return TransportFailure(endpoint, f"HTTP {reply.status}: {reply.message}")
    if reply.errors:
        return _classify_graphql_errors(reply, rate, now, operation)
    if 200 <= reply.status < 300 and reply.data is not None:
        return reply.data
    detail = "no GraphQL data in the body" if reply.body is not None else "the body is not JSON"
    return UnexpectedResponse(endpoint, reply.status, detail)


def _classify_refusal(reply: Reply, rate: RateHeaders, now: datetime) -> GitHubError:
    """403 and 429: secondary limit, primary limit, or a plain refusal."""
    retry_after = _seconds(reply.headers.get("retry-after"))
    if retry_after is not None or _SECONDARY.search(reply.message):
        return _secondary(retry_after, rate, now)
    if rate.remaining == 0:
        return RateLimited(_reset_time(rate, now))
    if reply.status == 429:
        # "Too many requests" with budget left can only be a secondary limit.
        return _secondary(None, rate, now)
    return Forbidden(reply.message or "HTTP 403")


def _classify_graphql_errors(
    reply: Reply, rate: RateHeaders, now: datetime, operation: str | None
) -> GitHubError:
    """A reply whose body carries GraphQL errors (GitHub sends these with status 200)."""
    errors = reply.errors
    types = {str(error.get("type", "")).upper() for error in errors}
    if types & _PRIMARY_TYPES:
        return RateLimited(_reset_time(rate, now))
    if any(_SECONDARY.search(str(error.get("message", ""))) for error in errors):
        return _secondary(_seconds(reply.headers.get("retry-after")), rate, now)
    if "FORBIDDEN" in types:
        return Forbidden(_first_message(errors, "FORBIDDEN"), errors=errors)
    if "NOT_FOUND" in types:
        return NotFound(_first_message(errors, "NOT_FOUND"), errors=errors)
    return GraphQLError(errors, reply.data, operation=operation)


def _secondary(retry_after: float | None, rate: RateHeaders, now: datetime) -> SecondaryRateLimited:
    """How long GitHub's docs say to wait: retry-after, else until reset when spent, else 60 s."""
    if retry_after is None:
        if rate.remaining == 0 and rate.reset_at is not None:
            retry_after = max((rate.reset_at - now).total_seconds(), SECONDARY_MIN_WAIT_SECONDS)
        else:
            retry_after = SECONDARY_MIN_WAIT_SECONDS
    return SecondaryRateLimited(retry_after, reset_at=now + timedelta(seconds=retry_after))


def _reset_time(rate: RateHeaders, now: datetime) -> datetime:
    return rate.reset_at if rate.reset_at is not None else now + _UNKNOWN_RESET_WAIT


def _first_message(errors: list[dict[str, Any]], error_type: str) -> str:
    for error in errors:
        if str(error.get("type", "")).upper() == error_type:
            return str(error.get("message", error_type))
    return error_type


def _seconds(value: str | None) -> float | None:
    """A `retry-after` value in seconds (GitHub sends an integer; anything else is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def classify_exception(error: BaseException, endpoint: str, timeout: float) -> GitHubError:
    """The typed error for a request that got no reply at all."""
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return TransportFailure(endpoint, f"no answer within {timeout:g} s", retryable=True)
    if isinstance(error, httpx.ConnectError):
        return TransportFailure(endpoint, f"connection failed: {error}", retryable=True)
    if isinstance(error, httpx.NetworkError | httpx.RemoteProtocolError):
        return TransportFailure(endpoint, f"connection dropped: {error}", retryable=True)
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return TransportFailure(endpoint, f"not a usable URL: {error}")
    return TransportFailure(endpoint, f"{type(error).__name__}: {error}")
