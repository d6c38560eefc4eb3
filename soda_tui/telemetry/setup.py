"""Tracing for the entry points: the SDK, the recorder, the JSONL file and the OTLP exporters.

One SDK TracerProvider is installed globally, once per process, with a switchboard processor;
each `Telemetry` attaches its own pipeline to it and detaches at shutdown, so a process (or a
test run) can start and stop telemetry many times. Export happens on background threads with a
bounded queue (full means drop), a short export timeout, and a shutdown that waits at most
`shutdown_timeout_s` seconds: a dead collector costs the loop nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from soda_tui import __version__
from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.exporters import PHOENIX_ENDPOINT, ExportPlan, ExportTarget, plan_exports
from soda_tui.telemetry.health import ExportHealth, route_export_logs
from soda_tui.telemetry.jsonl import JsonlSpanExporter, read_records
from soda_tui.telemetry.recorder import TraceRecorder
from soda_tui.telemetry.redaction import RedactingProcessor

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider

    from soda_tui.settings.models import TelemetrySettings

SERVICE_NAME = "soda-tui"
EXPORT_TIMEOUT_S = 2.0
SHUTDOWN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class TelemetryOptions:
    """What one `Telemetry` records and where it exports."""

    traces_dir: Path | None = None
    """Where the JSONL trace file goes (None: no file)."""
    project_name: str = "soda-tui"
    otlp_endpoint: str | None = None
    otlp_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    phoenix: bool = False
    phoenix_endpoint: str = PHOENIX_ENDPOINT
    environ: Mapping[str, str] | None = None
    """The environment holding `OTEL_*` settings (None: the process's)."""
    export_timeout_s: float = EXPORT_TIMEOUT_S
    shutdown_timeout_s: float = SHUTDOWN_TIMEOUT_S
    schedule_delay_ms: int = 500
    max_queue_size: int = 2048
    metrics_interval_s: float = 60.0
    recorder: TraceRecorder | None = None
    history: bool = False
    """Load the recorder with the traces already in the JSONL file (for the dashboard)."""
    processors: tuple[SpanProcessor, ...] = ()
    """More processors behind the redaction step (tests add an in-memory exporter here)."""

    @classmethod
    def from_settings(
        cls, settings: TelemetrySettings, traces_dir: Path | None, **overrides: object
    ) -> TelemetryOptions:
        """Options from the config's `[telemetry]` table."""
        values: dict[str, object] = {
            "traces_dir": traces_dir,
            "project_name": settings.project_name,
            "otlp_endpoint": settings.otlp_endpoint,
            "otlp_headers": dict(settings.headers),
            "phoenix": settings.phoenix,
            **overrides,
        }
        return cls(**values)  # type: ignore[arg-type]


class _Switchboard(SpanProcessor):
    """The one processor in the global provider: forwards to the pipelines attached now."""

    def __init__(self) -> None:
        self._targets: tuple[SpanProcessor, ...] = ()
        self._lock = threading.Lock()

    def attach(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._targets = (*self._targets, processor)

    def detach(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._targets = tuple(p for p in self._targets if p is not processor)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        for target in self._targets:
            target.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for target in self._targets:
            target.on_end(span)

    def shutdown(self) -> None:
        """Each Telemetry shuts its own pipeline down."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


_board_lock = threading.Lock()
_board: _Switchboard | None = None
_active: list[Telemetry] = []


def _switchboard() -> _Switchboard:
    global _board
    with _board_lock:
        if _board is None:
            board = _Switchboard()
            current = trace.get_tracer_provider()
            if isinstance(current, TracerProvider):
                current.add_span_processor(board)  # someone installed an SDK provider first
            else:
                provider = TracerProvider(
                    resource=Resource.create({"service.name": SERVICE_NAME}),
                    shutdown_on_exit=False,  # our own bounded shutdown runs instead
                )
                provider.add_span_processor(board)
                trace.set_tracer_provider(provider)
            _board = board
        return _board


def current_telemetry() -> Telemetry | None:
    """The telemetry the entry point started, if any (the dashboard takes its recorder)."""
    return _active[-1] if _active else None


class Telemetry:
    """Recording and export for one run of an entry point; `shutdown` (or `with`) ends it."""

    def __init__(self, options: TelemetryOptions) -> None:
        environ = os.environ if options.environ is None else options.environ
        self.options = options
        self.recorder = options.recorder or TraceRecorder()
        self.health = ExportHealth()
        self.plan: ExportPlan = plan_exports(
            otlp_endpoint=options.otlp_endpoint,
            headers=options.otlp_headers,
            phoenix=options.phoenix,
            project_name=options.project_name,
            environ=environ,
            phoenix_endpoint=options.phoenix_endpoint,
        )
        self.resource = Resource.create(
            {
                "service.name": SERVICE_NAME,
                "service.version": __version__,
                sc.PROJECT_NAME_RESOURCE: options.project_name,
            }
        )
        self.jsonl = JsonlSpanExporter(options.traces_dir) if options.traces_dir else None
        self._batches: list[BatchSpanProcessor] = []
        self._meters: MeterProvider | None = None
        behind_redaction: list[SpanProcessor] = list(options.processors)
        if self.jsonl is not None:
            behind_redaction.append(self._batch(self.jsonl))
        for target in self.plan.targets:
            behind_redaction.append(self._batch(self._span_exporter(target)))
        metrics_targets = [t for t in self.plan.targets if t.metrics_endpoint]
        if metrics_targets:
            behind_redaction.append(self._metrics(metrics_targets[0]))
        self._redaction = RedactingProcessor(behind_redaction, self.resource)
        self._closed = False

    @classmethod
    def start(cls, options: TelemetryOptions | None = None) -> Telemetry:
        """Start recording (and exporting) every span the process makes from now on."""
        route_export_logs(lambda: [item.health for item in list(_active)])
        telemetry = cls(options or TelemetryOptions())
        for note in telemetry.plan.notes:
            telemetry.health.note(note)
        board = _switchboard()
        board.attach(telemetry.recorder)
        board.attach(telemetry._redaction)
        _active.append(telemetry)
        if telemetry.options.history and telemetry.jsonl is not None:
            threading.Thread(
                target=telemetry._load_history, name="soda-trace-history", daemon=True
            ).start()
        return telemetry

    @property
    def targets(self) -> tuple[ExportTarget, ...]:
        """The OTLP collectors spans go to."""
        return self.plan.targets

    def write_traces_to(self, directory: Path) -> None:
        """Send the JSONL file to another state directory from now on (the demo has its own)."""
        if self.jsonl is not None:
            self.jsonl.write_to(directory)

    def _batch(self, exporter: object) -> BatchSpanProcessor:
        processor = BatchSpanProcessor(
            exporter,  # type: ignore[arg-type]
            max_queue_size=self.options.max_queue_size,
            schedule_delay_millis=self.options.schedule_delay_ms,
            max_export_batch_size=min(512, self.options.max_queue_size),
            export_timeout_millis=self.options.export_timeout_s * 1000,
        )
        self._batches.append(processor)
        return processor

    def _span_exporter(self, target: ExportTarget) -> object:
        # Imported only when a collector is configured: most runs never need it.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(
            endpoint=target.traces_endpoint,
            headers=dict(target.headers),
            timeout=self.options.export_timeout_s,
        )

    def _metrics(self, target: ExportTarget) -> SpanProcessor:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

        from soda_tui.telemetry.live_metrics import SpanMetrics

        exporter = OTLPMetricExporter(
            endpoint=target.metrics_endpoint,
            headers=dict(target.headers),
            timeout=self.options.export_timeout_s,
        )
        reader = PeriodicExportingMetricReader(
            exporter,
            export_interval_millis=self.options.metrics_interval_s * 1000,
            export_timeout_millis=self.options.export_timeout_s * 1000,
        )
        self._meters = MeterProvider(
            metric_readers=[reader], resource=self.resource, shutdown_on_exit=False
        )
        return SpanMetrics(self._meters.get_meter(sc.TRACER_NAME, __version__))

    def _load_history(self) -> None:
        assert self.jsonl is not None
        try:
            self.recorder.load(read_records(self.jsonl.directory))
        except OSError as error:
            self.health.note(f"could not read past traces: {error}")

    def shutdown(self, timeout_s: float | None = None) -> bool:
        """Stop recording, flush the file and exporters; wait at most `timeout_s` (default 2 s).

        Returns True when everything was flushed in time; an unreachable collector's spans are
        dropped, never waited for.
        """
        if self._closed:
            return True
        self._closed = True
        board = _switchboard()
        board.detach(self._redaction)
        board.detach(self.recorder)
        if self in _active:
            _active.remove(self)
        budget = self.options.shutdown_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + max(0.0, budget)
        jobs: list[Callable[[], object]] = [processor.shutdown for processor in self._batches]
        if self._meters is not None:
            meters = self._meters
            jobs.append(lambda: meters.shutdown(timeout_millis=max(0.0, budget) * 1000))
        # Each in its own daemon thread: a hung collector delays only its own thread, and the
        # process may exit while it still waits.
        threads = [
            threading.Thread(target=job, name="soda-telemetry-shutdown", daemon=True)
            for job in jobs
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        finished = not any(thread.is_alive() for thread in threads)
        if not finished:
            self.health.note(f"gave up waiting for the exporters after {budget:g} s")
        return finished

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
