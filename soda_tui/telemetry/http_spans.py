"""Spans for GitHub GraphQL requests and git operations (OpenTelemetry API only).

GitHub requests follow the OpenTelemetry HTTP client conventions (one CLIENT span per attempt,
`http.request.resend_count` on retries) plus `graphql.operation.*` and the rate-limit cost.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import trace
from opentelemetry.trace import SpanKind

from soda_tui.core.secrets import redact
from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.spans import annotate, clean, record_error, tracer

F = TypeVar("F", bound=Callable[..., Any])
TRACED_MARK = "__soda_traced__"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def safe_url(url: str) -> str:
    """`url` without user, password, query or fragment (OpenTelemetry's `url.full`, credential-free)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return redact(url)
    return redact(urlunsplit((parts.scheme, netloc, parts.path, "", "")))


def server_attributes(url: str) -> dict[str, object | None]:
    """`url.full`, `server.address` and `server.port` of a URL."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        host = parts.hostname
    except ValueError:
        port, host = None, None
    return {sc.URL_FULL: safe_url(url), sc.SERVER_ADDRESS: host, sc.SERVER_PORT: port}


def traced_github_send(send: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap `GitHubClient._send(self, operation, variables, attempt, ...)` in a CLIENT span."""

    @functools.wraps(send)
    async def wrapper(client: Any, operation: Any, variables: Any, attempt: int, *args: Any) -> Any:
        kind = str(getattr(operation.kind, "value", operation.kind))
        attributes: dict[str, object | None] = {
            sc.HTTP_METHOD: "POST",
            **server_attributes(client.endpoint),
            sc.GRAPHQL_OPERATION_NAME: operation.name,
            sc.GRAPHQL_OPERATION_TYPE: kind,
            sc.GITHUB_ATTEMPT: attempt,
            # The conventions count re-sends only: the first attempt carries no resend count.
            sc.HTTP_RESEND_COUNT: attempt - 1 if attempt > 1 else None,
        }
        with tracer().start_as_current_span(
            f"{kind} {operation.name}",
            kind=SpanKind.CLIENT,
            attributes={
                key: clean(value) for key, value in attributes.items() if value is not None
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                return await send(client, operation, variables, attempt, *args)
            except BaseException as error:
                record_error(span, error)
                raise

    return wrapper


def annotate_github_request(report: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Wrap `GitHubClient._report(self, info)`: copy status, cost and budget onto the request span."""

    @functools.wraps(report)
    def wrapper(client: Any, info: Any) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            annotate(
                span,
                {
                    sc.HTTP_STATUS: info.status,
                    sc.GITHUB_COST: info.cost,
                    sc.GITHUB_REMAINING: info.remaining,
                    sc.ERROR_TYPE: info.error,
                },
            )
        report(client, info)

    return wrapper


def traced_git(operation: str) -> Callable[[F], F]:
    """Trace a `Workspace` method that talks to the remote as a CLIENT span `git <operation>`."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(workspace: Any, *args: Any, **kwargs: Any) -> Any:
            ref = args[0] if args and isinstance(args[0], str) else None
            attributes: dict[str, object | None] = {
                sc.GIT_OPERATION: operation,
                sc.GIT_REF: ref,
                **server_attributes(str(workspace.remote_url)),
            }
            with tracer().start_as_current_span(
                f"git {operation}",
                kind=SpanKind.CLIENT,
                attributes={k: clean(v) for k, v in attributes.items() if v is not None},
                record_exception=False,
                set_status_on_exception=False,
            ) as span:
                try:
                    result = method(workspace, *args, **kwargs)
                except BaseException as error:
                    record_error(span, error)
                    raise
                if isinstance(result, bool | str):
                    span.set_attribute(sc.GIT_RESULT, clean(result))
                return result

        setattr(wrapper, TRACED_MARK, True)
        return wrapper  # type: ignore[return-value]

    return decorate


@contextmanager
def git_step_span(function: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[None]:
    """A span for one blocking git step run off the event loop (unless it traces itself)."""
    if getattr(function, TRACED_MARK, False):
        yield
        return
    name = getattr(function, "__name__", "call")
    ref = args[0] if args and isinstance(args[0], str) else None
    with tracer().start_as_current_span(
        f"git {name}",
        attributes={k: clean(v) for k, v in {sc.GIT_OPERATION: name, sc.GIT_REF: ref}.items() if v},
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield
        except BaseException as error:
            record_error(span, error)
            raise
