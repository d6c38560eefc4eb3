"""Span helpers for the loop's commands, actions and worker steps (OpenTelemetry API only).

Nothing here configures OpenTelemetry: without `telemetry.setup` the spans are no-ops. Every
string that reaches an attribute, an event or a status goes through `redact` first.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

from soda_tui.agents.journal import JournalError
from soda_tui.core.secrets import redact
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.telemetry import conventions as sc

if TYPE_CHECKING:
    from soda_tui.loop.context import RepoContext

P = ParamSpec("P")
R = TypeVar("R")
MAX_ATTRIBUTE_CHARS = 2000
OUTCOMES = {
    Exit.DONE: "done",
    Exit.NOTHING: "nothing",
    Exit.USAGE: "usage",
    Exit.FAILURE: "failure",
}

# The span of the loop action in progress in this task, so code deep inside can annotate it.
_action_span: contextvars.ContextVar[Span | None] = contextvars.ContextVar(
    "soda_action_span", default=None
)


def tracer() -> trace.Tracer:
    """soda-tui's tracer (a proxy: it follows whatever provider the entry point installs)."""
    return trace.get_tracer(sc.TRACER_NAME)


def clean(value: object) -> Any:
    """An attribute value safe to record: secrets masked, long text cut, odd types as text."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        text = redact(value)
        return text if len(text) <= MAX_ATTRIBUTE_CHARS else text[: MAX_ATTRIBUTE_CHARS - 1] + "…"
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return [clean(item) for item in value]
    return clean(str(value))


def annotate(span: Span, attributes: Mapping[str, object | None]) -> None:
    """Set every attribute that has a value, cleaned."""
    if not span.is_recording():
        return
    for key, value in attributes.items():
        if value is not None:
            span.set_attribute(key, clean(value))


def fail(span: Span, reason: str, error_type: str | None = None) -> None:
    """Mark a span as failed with a one-line reason (and the OpenTelemetry `error.type`)."""
    span.set_status(Status(StatusCode.ERROR, redact(reason)[:MAX_ATTRIBUTE_CHARS]))
    if error_type:
        span.set_attribute(sc.ERROR_TYPE, error_type)


def record_error(span: Span, error: BaseException) -> None:
    """Record an exception as an event and an error status (no stack trace: it says nothing new)."""
    summary = getattr(error, "summary", None) or getattr(error, "message", None) or str(error)
    span.add_event(
        "exception",
        {"exception.type": type(error).__name__, "exception.message": clean(str(summary))},
    )
    fail(span, str(summary) or type(error).__name__, type(error).__name__)


def start_span(name: str, attributes: Mapping[str, object | None]) -> Any:
    """`start_as_current_span` with cleaned attributes and our own error recording."""
    return tracer().start_as_current_span(
        name,
        attributes={key: clean(value) for key, value in attributes.items() if value is not None},
        record_exception=False,
        set_status_on_exception=False,
    )


@contextmanager
def command_span(command: str) -> Iterator[Span]:
    """The root span of one `soda-tui COMMAND` run; exceptions are recorded and re-raised."""
    with start_span(
        f"soda-tui {command}", {sc.OPENINFERENCE_KIND: sc.KIND_CHAIN, sc.COMMAND: command}
    ) as span:
        try:
            yield span
        except BaseException as error:
            record_error(span, error)
            raise


def end_command(span: Span, exit_code: int) -> None:
    """Note a command's exit code; codes 2 and 3 (usage, failure) make the span an error."""
    span.set_attribute(sc.EXIT_CODE, int(exit_code))
    if exit_code >= Exit.USAGE:
        fail(span, f"exit code {exit_code}", "exit_code")


def set_action_attributes(attributes: Mapping[str, object | None]) -> None:
    """Add attributes to the loop action span in progress (no-op outside one)."""
    span = _action_span.get()
    if span is not None:
        annotate(span, attributes)


def traced_action(
    action: str,
) -> Callable[[Callable[..., Awaitable[ActionResult]]], Callable[..., Awaitable[ActionResult]]]:
    """Trace a loop action `async def f(ctx: RepoContext, issue_number=None, ...)`.

    The span carries the repository, issue, branch, outcome and message; a blocked run, a land
    whose gate failed for good, a usage error or an exception make it an error span.
    """

    def decorate(
        function: Callable[..., Awaitable[ActionResult]],
    ) -> Callable[..., Awaitable[ActionResult]]:
        @functools.wraps(function)
        async def wrapper(ctx: RepoContext, *args: Any, **kwargs: Any) -> ActionResult:
            issue = kwargs.get("issue_number", args[0] if args else None)
            attributes = {
                sc.OPENINFERENCE_KIND: sc.KIND_CHAIN,
                sc.ACTION: action,
                sc.REPO: str(ctx.repo),
                sc.ISSUE: issue if isinstance(issue, int) else None,
            }
            with start_span(action, attributes) as span:
                token = _action_span.set(span)
                try:
                    result = await function(ctx, *args, **kwargs)
                except ActionRefused as refusal:
                    _describe_refusal(span, refusal)
                    raise
                except BaseException as error:
                    record_error(span, error)
                    raise
                finally:
                    _action_span.reset(token)
                _describe_result(span, ctx, result)
                return result

        return wrapper

    return decorate


def traced_step(
    function: Callable[..., Awaitable[ActionResult | None]],
) -> Callable[..., Awaitable[ActionResult | None]]:
    """Trace an autopilot worker's `execute(self, step)`: why it took the step, and how it went."""

    @functools.wraps(function)
    async def wrapper(worker: Any, step: Any, *args: Any, **kwargs: Any) -> ActionResult | None:
        kind = str(getattr(step.kind, "value", step.kind))
        if kind == "resume" and getattr(step, "action", None):
            kind = str(step.action)
        attributes = {
            sc.OPENINFERENCE_KIND: sc.KIND_CHAIN,
            sc.WORKER: True,
            sc.REPO: str(worker.ctx.repo),
            sc.STEP_KIND: kind,
            sc.STEP_REASON: step.reason,
            sc.ISSUE: step.issue,
            sc.INPUT_VALUE: step.reason,
        }
        with start_span(f"autopilot {kind}", attributes) as span:
            try:
                result = await function(worker, step, *args, **kwargs)
            except ActionRefused as refusal:
                _describe_refusal(span, refusal)
                raise
            except BaseException as error:
                record_error(span, error)
                raise
            if result is not None:
                annotate(span, {sc.OUTCOME: OUTCOMES.get(result.exit_code, "failure")})
                annotate(span, {sc.OUTPUT_VALUE: result.message})
            return result

    return wrapper


def traced(
    name: str, **static: object
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Trace any coroutine function as a CHAIN span called `name` with fixed attributes."""

    def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(function)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with start_span(name, {sc.OPENINFERENCE_KIND: sc.KIND_CHAIN, **static}) as span:
                try:
                    return await function(*args, **kwargs)
                except BaseException as error:
                    record_error(span, error)
                    raise

        return wrapper

    return decorate


def _describe_refusal(span: Span, refusal: ActionRefused) -> None:
    annotate(
        span,
        {
            sc.EXIT_CODE: int(refusal.exit_code),
            sc.OUTCOME: "refused",
            sc.REASON: refusal.message,
            sc.OUTPUT_VALUE: refusal.message,
        },
    )
    if refusal.exit_code >= Exit.USAGE:
        fail(span, refusal.message, "ActionRefused")


def _describe_result(span: Span, ctx: RepoContext, result: ActionResult) -> None:
    data = result.data
    issue = data.get("issue") if isinstance(data.get("issue"), dict) else {}
    pull = data.get("pull_request") if isinstance(data.get("pull_request"), dict) else {}
    annotate(
        span,
        {
            sc.EXIT_CODE: int(result.exit_code),
            sc.OUTCOME: OUTCOMES.get(result.exit_code, "failure"),
            sc.MESSAGE: result.message,
            sc.OUTPUT_VALUE: result.message,
            sc.ISSUE: (issue or {}).get("number"),
            sc.BRANCH: data.get("branch") if isinstance(data.get("branch"), str) else None,
            sc.PULL_REQUEST: (pull or {}).get("number"),
        },
    )
    if result.action == "run":
        annotate(
            span, {sc.RUN_OUTCOME: data.get("outcome"), sc.COMMITS_AHEAD: data.get("commits_ahead")}
        )
        if data.get("blocked"):
            span.set_attribute(sc.BLOCKED, True)
            fail(span, f"blocked: {data.get('reason') or result.message}", "blocked")
    elif result.action == "land":
        _describe_land(span, ctx, result)
    if result.exit_code >= Exit.USAGE:
        fail(span, result.message, "exit_code")


def _describe_land(span: Span, ctx: RepoContext, result: ActionResult) -> None:
    data = result.data
    if result.ok:
        annotate(
            span,
            {
                sc.LAND_OUTCOME: "landed",
                sc.MERGE_COMMIT: data.get("merge_commit"),
                sc.TIME_TO_LAND: _time_to_land(ctx, (data.get("issue") or {}).get("number")),
            },
        )
    elif data.get("waiting"):
        annotate(span, {sc.LAND_OUTCOME: "waiting", sc.REASON: data.get("reason")})
    else:
        reason = str(data.get("reason") or result.message)
        annotate(span, {sc.LAND_OUTCOME: "refused", sc.REASON: reason})
        fail(span, f"gate failed: {reason}", "gate")


def _time_to_land(ctx: RepoContext, number: object) -> float | None:
    """Seconds from the issue's pop (as the journal recorded it) to now, when known."""
    if not isinstance(number, int):
        return None
    try:
        history = ctx.journal().history()
    except (JournalError, OSError):
        # A damaged journal costs one attribute, never the landing it describes.
        return None
    pops = [item for item in history if item.action == "pop" and item.issue_number == number]
    if not pops:
        return None
    try:
        popped = datetime.fromisoformat(pops[-1].started_at)
        return round(max(0.0, (ctx.clock.now() - popped).total_seconds()), 3)
    except (TypeError, ValueError):
        return None
