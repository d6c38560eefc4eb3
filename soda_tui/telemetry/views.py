"""Plain-text views of spans, traces and metrics, shared by the traces screen and `status --metrics`."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.metrics import Metrics, MetricsReport
from soda_tui.telemetry.records import SpanRecord, TraceView


def format_seconds(seconds: float | None) -> str:
    """A duration people read at a glance: `850 ms`, `3.2 s`, `2m 05s`, `1h 02m`."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_ns(nanoseconds: int | None) -> str:
    """`format_seconds` for a nanosecond count."""
    return format_seconds(None if nanoseconds is None else nanoseconds / 1e9)


def clock_time(nanoseconds: int, zone: tzinfo | None = None) -> str:
    """When a span started, as `HH:MM:SS` (UTC unless a tzinfo is given)."""
    moment = datetime.fromtimestamp(nanoseconds / 1e9, tz=UTC)
    return moment.astimezone(zone).strftime("%H:%M:%S") if zone else moment.strftime("%H:%M:%S")


def percent(rate: float | None) -> str:
    """`75%`, or a dash when there is nothing to divide."""
    return "–" if rate is None else f"{rate * 100:.0f}%"


def key_attributes(span: SpanRecord) -> str:
    """The few attributes that say what a span did, on one line."""
    get = span.get
    parts: list[str] = []
    if get(sc.GRAPHQL_OPERATION_NAME) is not None:
        if get(sc.HTTP_STATUS) is not None:
            parts.append(f"HTTP {get(sc.HTTP_STATUS)}")
        if get(sc.GITHUB_COST) is not None:
            parts.append(f"cost {get(sc.GITHUB_COST)}")
        if get(sc.GITHUB_REMAINING) is not None:
            parts.append(f"{get(sc.GITHUB_REMAINING)} left")
        attempt = get(sc.GITHUB_ATTEMPT)
        if isinstance(attempt, int) and attempt > 1:
            parts.append(f"attempt {attempt}")
    if get(sc.GIT_REF):
        parts.append(str(get(sc.GIT_REF)))
    if get(sc.ISSUE) is not None and span.parent_id is None:
        parts.append(f"#{get(sc.ISSUE)}")
    if get(sc.STEP_REASON):
        parts.append(str(get(sc.STEP_REASON)))
    parts += [
        str(get(key)) for key in (sc.LAND_OUTCOME, sc.RUN_OUTCOME, sc.AGENT_OUTCOME) if get(key)
    ]
    if get(sc.PROCESS_EXIT_CODE) is not None:
        parts.append(f"exit {get(sc.PROCESS_EXIT_CODE)}")
    if get(sc.TOOL_SUMMARY):
        parts.append(str(get(sc.TOOL_SUMMARY)))
    if get(sc.LLM_TOTAL_TOKENS) is not None:
        parts.append(f"{get(sc.LLM_PROMPT_TOKENS)} in / {get(sc.LLM_COMPLETION_TOKENS)} out tokens")
    if isinstance(get(sc.AGENT_COST), float):
        parts.append(f"${get(sc.AGENT_COST):.2f}")
    if span.is_error and span.status_message:
        parts.append(span.status_message)
    return " · ".join(parts)


def trace_summary(view: TraceView, now_ns: int) -> tuple[str, str, str, str, str, str]:
    """One row of the trace list: time, repository, command, issue, duration, status."""
    root = view.root
    status = "running" if view.running else ("error" if view.error_count else "ok")
    return (
        clock_time(view.start_ns),
        view.repo or "–",
        view.command,
        f"#{view.issue}" if view.issue is not None else "",
        format_ns(root.duration_ns(now_ns)),
        status,
    )


def metrics_line(metrics: Metrics) -> str:
    """One line of figures for a repository."""
    return (
        f"landed {metrics.issues_landed}, "
        f"pop→land {format_seconds(metrics.time_to_land_median_s)} median, "
        f"integration {percent(metrics.integration_success_rate)}, "
        f"blocked {percent(metrics.blocked_rate)} of {metrics.agent_runs} runs, "
        f"run {format_seconds(metrics.run_duration_median_s)} median"
    )


def metrics_lines(report: MetricsReport) -> list[str]:
    """`soda-tui status --metrics` as plain lines."""
    overall = report.overall
    lines = [
        f"issues landed          {overall.issues_landed}",
        f"time from pop to land  median {format_seconds(overall.time_to_land_median_s)} "
        f"({len(overall.time_to_land_s)} measured)",
        f"integration success    {percent(overall.integration_success_rate)} "
        f"({overall.issues_landed} of {overall.integration_attempts} pull requests with a "
        "final verdict landed)",
        f"blocked rate           {percent(overall.blocked_rate)} "
        f"({overall.blocked_runs} of {overall.agent_runs} agent runs)",
        f"agent run duration     median {format_seconds(overall.run_duration_median_s)}, "
        f"longest {format_seconds(overall.run_duration_max_s)} "
        f"({len(overall.run_durations_s)} runs traced)",
        f"GitHub                 {overall.github_requests} requests, "
        f"{overall.github_points} points",
    ]
    lines += [f"{metrics.repo}: {metrics_line(metrics)}" for metrics in report.repos]
    return lines
