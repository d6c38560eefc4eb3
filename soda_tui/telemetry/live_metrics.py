"""OTLP metrics derived from finished spans, so the domain code records nothing twice."""

from __future__ import annotations

from opentelemetry.context import Context
from opentelemetry.metrics import Meter
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from soda_tui.telemetry import conventions as sc


class SpanMetrics(SpanProcessor):
    """Counts landings, runs, blocked issues and GitHub requests as the spans describing them end."""

    def __init__(self, meter: Meter) -> None:
        self.landed = meter.create_counter(
            "soda.issues.landed", unit="{issue}", description="Issues whose pull request landed"
        )
        self.blocked = meter.create_counter(
            "soda.issues.blocked",
            unit="{issue}",
            description="Runs that ended with the issue blocked",
        )
        self.land_attempts = meter.create_counter(
            "soda.land.attempts", unit="{attempt}", description="Land attempts by outcome"
        )
        self.time_to_land = meter.create_histogram(
            "soda.issue.time_to_land", unit="s", description="Time from pop to land"
        )
        self.runs = meter.create_counter(
            "soda.agent.runs", unit="{run}", description="Agent runs by outcome"
        )
        self.run_duration = meter.create_histogram(
            "soda.agent.run.duration", unit="s", description="Agent run durations"
        )
        self.requests = meter.create_counter(
            "soda.github.requests", unit="{request}", description="GitHub GraphQL requests sent"
        )
        self.points = meter.create_counter(
            "soda.github.points", unit="{point}", description="GitHub rate-limit points used"
        )

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Metrics are counted when spans end."""

    def on_end(self, span: ReadableSpan) -> None:
        attributes = span.attributes or {}
        repo = attributes.get(sc.REPO)
        labels = {"repo": str(repo)} if isinstance(repo, str) else {}
        operation = attributes.get(sc.GRAPHQL_OPERATION_NAME)
        if isinstance(operation, str):
            status = attributes.get(sc.HTTP_STATUS)
            self.requests.add(1, {"operation": operation, "status": str(status or "none")})
            cost = attributes.get(sc.GITHUB_COST)
            if isinstance(cost, int) and cost > 0:
                self.points.add(cost, {"operation": operation})
        elif span.name == sc.AGENT_SPAN:
            outcome = str(attributes.get(sc.AGENT_OUTCOME, "unknown"))
            self.runs.add(1, {**labels, "outcome": outcome})
            duration = attributes.get(sc.AGENT_DURATION)
            if isinstance(duration, int | float):
                self.run_duration.record(float(duration), labels)
        elif attributes.get(sc.ACTION) == "run" and attributes.get(sc.BLOCKED):
            self.blocked.add(1, labels)
        elif attributes.get(sc.ACTION) == "land" and isinstance(
            land_outcome := attributes.get(sc.LAND_OUTCOME), str
        ):
            self.land_attempts.add(1, {**labels, "outcome": land_outcome})
            if land_outcome == "landed":
                self.landed.add(1, labels)
                seconds = attributes.get(sc.TIME_TO_LAND)
                if isinstance(seconds, int | float):
                    self.time_to_land.record(float(seconds), labels)

    def shutdown(self) -> None:
        """The meter provider owns the export."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
