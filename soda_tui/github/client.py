"""The one shared async GitHub GraphQL client: every request goes through `GitHubClient._send`."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import httpx
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportConnectionFailed, TransportError

from soda_tui import __version__
from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.secrets import Secret
from soda_tui.github.budget import BudgetListener, BudgetTracker, RateBudget
from soda_tui.github.classify import classify_exception, classify_reply
from soda_tui.github.errors import (
    Forbidden,
    GitHubError,
    GraphQLError,
    NotFound,
    SecondaryRateLimited,
    TransportFailure,
)
from soda_tui.github.operations import Operation, get_operation
from soda_tui.github.retry import RetryPolicy
from soda_tui.github.transport import BearerAuth, Exchange, RecordingTransport, current_exchange
from soda_tui.telemetry.http_spans import annotate_github_request, traced_github_send

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://api.github.com/graphql"
DEFAULT_USER_AGENT = f"soda-tui/{__version__}"


@dataclass(frozen=True)
class RequestInfo:
    """What one HTTP attempt did, for telemetry: never the token, never the variables."""

    operation: str
    kind: str
    """`query` or `mutation`."""
    attempt: int
    status: int | None
    """HTTP status, or None when no response came back."""
    duration: float
    """Seconds on the client's monotonic clock."""
    cost: int | None
    """Rate-limit points the attempt cost, or None when no response came back."""
    remaining: int | None
    endpoint: str
    error: str | None = None
    """The class name of the typed error the attempt produced, if any."""


RequestListener = Callable[[RequestInfo], None]


class GitHubClient:
    """One pooled, retrying GraphQL session to GitHub (or localhub), shared by the whole process.

    `max_attempts` bounds the sends of one `execute`; `timeout` bounds one send in seconds;
    `on_request` sees every attempt (the telemetry seam); `rng` makes backoff jitter
    reproducible; `extra_operations` is a folder of `.graphql` documents searched before the
    shipped ones.
    """

    def __init__(
        self,
        endpoint: str,
        token: Secret,
        *,
        clock: Clock | None = None,
        max_attempts: int = 5,
        timeout: float = 30.0,
        user_agent: str = DEFAULT_USER_AGENT,
        on_request: RequestListener | None = None,
        rng: random.Random | None = None,
        extra_operations: Path | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._extra_operations = extra_operations
        self.timeout = timeout
        self._clock: Clock = clock or SystemClock()
        self._policy = RetryPolicy(max_attempts=max_attempts, rng=rng or random.Random())
        self._tracker = BudgetTracker()
        self._request_listeners: list[RequestListener] = [on_request] if on_request else []
        transport = RecordingTransport(
            url=endpoint,
            auth=BearerAuth(token),
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            # Keep-alive connections are reused by every worker; redirects are not followed so a
            # wrong api_url shows up as an error instead of a silent hop.
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=False,
        )
        self._gql = Client(
            transport=transport, fetch_schema_from_transport=False, execute_timeout=timeout
        )
        self._session: AsyncClientSession | None = None
        self._open_lock = asyncio.Lock()
        self._closed = False
        # Monotonic time before which no request may go out (set by a secondary rate limit).
        self._pause_until = 0.0

    def __repr__(self) -> str:
        return f"GitHubClient(endpoint={self.endpoint!r})"

    @property
    def budget(self) -> RateBudget:
        """The latest rate-limit budget (an immutable snapshot)."""
        return self._tracker.budget

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self._tracker.budget.requests

    @property
    def max_attempts(self) -> int:
        """How many times one `execute` may send its request."""
        return self._policy.max_attempts

    def on_budget(self, listener: BudgetListener) -> Callable[[], None]:
        """Call `listener` with each new budget; returns a function that unsubscribes it."""
        return self._tracker.subscribe(listener)

    def on_request(self, listener: RequestListener) -> Callable[[], None]:
        """Call `listener` after every HTTP attempt; returns a function that unsubscribes it."""
        self._request_listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._request_listeners:
                self._request_listeners.remove(listener)

        return unsubscribe

    async def __aenter__(self) -> GitHubClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections; the client cannot be used afterwards."""
        self._closed = True
        async with self._open_lock:
            if self._session is not None:
                self._session = None
                await self._gql.close_async()

    async def execute(
        self,
        operation_name: str,
        variables: dict[str, Any] | None = None,
        *,
        retry_safe: bool | None = None,
        allow_partial: bool = False,
    ) -> dict[str, Any]:
        """Send operation `operation_name` and return its `data`; raises a typed GitHubError.

        Queries are retried on transient failures; mutations only when `retry_safe=True`
        (a mutation whose reply was lost may have happened: callers re-check state first).
        With `allow_partial`, a reply carrying both data and GraphQL errors (say one of many
        batched repositories is missing) returns the data instead of raising.
        """
        operation = get_operation(operation_name, self._extra_operations)
        return await self.execute_operation(
            operation, variables, retry_safe=retry_safe, allow_partial=allow_partial
        )

    async def execute_operation(
        self,
        operation: Operation,
        variables: dict[str, Any] | None = None,
        *,
        retry_safe: bool | None = None,
        allow_partial: bool = False,
    ) -> dict[str, Any]:
        """Like `execute`, for an `Operation` built at run time with `build_operation`."""
        may_retry = retry_safe if retry_safe is not None else not operation.is_mutation
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send(operation, variables, attempt, allow_partial)
            except GitHubError as error:
                delay = self._policy.delay_after(error, attempt) if may_retry else None
                if delay is None:
                    if isinstance(error, TransportFailure) and attempt > 1:
                        raise TransportFailure(
                            self.endpoint, error.reason, attempts=attempt
                        ) from error
                    raise
                log.info(
                    "%s attempt %d failed (%s); retrying in %.1f s",
                    operation.name,
                    attempt,
                    error.summary,
                    delay,
                )
                await self._clock.sleep(delay)

    @traced_github_send
    async def _send(
        self,
        operation: Operation,
        variables: dict[str, Any] | None,
        attempt: int,
        allow_partial: bool = False,
    ) -> dict[str, Any]:
        """Send one HTTP request: the choke point that counts, budgets, reports and classifies."""
        await self._wait_out_pause()
        session = await self._open()
        request = GraphQLRequest(
            operation.document, variable_values=variables or None, operation_name=operation.name
        )
        exchange = Exchange()
        context_token = current_exchange.set(exchange)
        failure: BaseException | None = None
        started = self._clock.monotonic()
        self._tracker.count_request()
        try:
            await session.execute(request, get_execution_result=True)
        except TransportConnectionFailed as error:
            failure = error.__cause__ or error
        except TimeoutError as error:
            failure = error
        except (TransportError, AssertionError) as error:
            # gql raised about a reply the transport recorded (GraphQL errors, HTTP >= 400,
            # no data): classify that reply rather than gql's wording.
            failure = None if exchange.reply is not None else error
        finally:
            current_exchange.reset(context_token)
        duration = self._clock.monotonic() - started
        now = self._clock.now()
        reply = exchange.reply
        if reply is not None:
            cost: int | None = self._tracker.record_response(
                reply.headers, now, reported_cost=reply.reported_cost
            )
            outcome = classify_reply(
                reply, endpoint=self.endpoint, now=now, operation=operation.name
            )
        else:
            cost = None
            outcome = classify_exception(
                failure or RuntimeError("no reply recorded"), self.endpoint, self.timeout
            )
        self._report(
            RequestInfo(
                operation=operation.name,
                kind=operation.kind.value,
                attempt=attempt,
                status=reply.status if reply is not None else None,
                duration=duration,
                cost=cost,
                remaining=self.budget.remaining,
                endpoint=self.endpoint,
                error=type(outcome).__name__ if isinstance(outcome, GitHubError) else None,
            )
        )
        if (
            allow_partial
            and isinstance(outcome, GraphQLError | NotFound | Forbidden)
            and reply is not None
            and reply.data is not None
        ):
            log.info("%s returned partial data: %s", operation.name, outcome.summary)
            return reply.data
        if isinstance(outcome, GitHubError):
            if isinstance(outcome, SecondaryRateLimited):
                # Every caller of this client waits, not just this one: GitHub counts them all.
                resume = self._clock.monotonic() + outcome.retry_after
                self._pause_until = max(self._pause_until, resume)
            raise outcome from failure
        return outcome

    async def _wait_out_pause(self) -> None:
        wait = self._pause_until - self._clock.monotonic()
        if wait > 0:
            await self._clock.sleep(wait)

    async def _open(self) -> AsyncClientSession:
        """The persistent session, opened on first use."""
        if self._closed:
            raise RuntimeError("GitHubClient is closed; create a new one")
        if self._session is None:
            async with self._open_lock:
                if self._session is None:
                    session = await self._gql.connect_async()
                    self._session = cast(AsyncClientSession, session)
        return self._session

    @annotate_github_request
    def _report(self, info: RequestInfo) -> None:
        for listener in list(self._request_listeners):
            try:
                listener(info)
            except Exception:
                # Telemetry must never break a GitHub request; the failure is logged, not hidden.
                log.exception("request listener %r failed", listener)
