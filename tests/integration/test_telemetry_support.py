"""Helpers for the telemetry tests: telemetry with an in-memory exporter, span lookups, a receiver."""

from __future__ import annotations

import gzip
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from soda_tui.telemetry.setup import Telemetry, TelemetryOptions


@dataclass
class Recording:
    """A started Telemetry whose exported spans are also kept in memory."""

    telemetry: Telemetry
    exporter: InMemorySpanExporter
    traces_dir: Path

    @property
    def spans(self) -> list[ReadableSpan]:
        """Every finished span, as exporters received it (redacted)."""
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        """The finished spans called `name`, oldest first."""
        return [span for span in self.spans if span.name == name]

    def one(self, name: str) -> ReadableSpan:
        """The only finished span called `name`."""
        found = self.named(name)
        assert len(found) == 1, f"{len(found)} spans named {name!r}: {self.names()}"
        return found[0]

    def names(self) -> list[str]:
        """Every finished span's name."""
        return [span.name for span in self.spans]

    def children(self, parent: ReadableSpan) -> list[ReadableSpan]:
        """The finished spans directly under `parent`, in start order."""
        found = [
            span
            for span in self.spans
            if span.parent is not None and span.parent.span_id == parent.context.span_id
        ]
        return sorted(found, key=lambda span: span.start_time or 0)

    def descendants(self, parent: ReadableSpan) -> list[ReadableSpan]:
        """Every finished span below `parent`."""
        below: list[ReadableSpan] = []
        for child in self.children(parent):
            below += [child, *self.descendants(child)]
        return below

    def clear(self) -> None:
        """Forget the spans seen so far."""
        self.exporter.clear()


def start_recording(tmp_path: Path) -> Recording:
    """Telemetry for one test (no OTLP: an empty environment); shut it down afterwards."""
    exporter = InMemorySpanExporter()
    traces_dir = tmp_path / "traces"
    telemetry = Telemetry.start(
        TelemetryOptions(
            traces_dir=traces_dir, environ={}, processors=(SimpleSpanProcessor(exporter),)
        )
    )
    return Recording(telemetry, exporter, traces_dir)


@dataclass
class Received:
    """One export request an OTLP receiver got (traces, or metrics on /v1/metrics)."""

    path: str
    headers: dict[str, str]
    body: bytes
    request: ExportTraceServiceRequest | None = None
    metrics: ExportMetricsServiceRequest | None = None


@dataclass
class OtlpReceiver:
    """A tiny OTLP/HTTP collector on loopback that decodes what it is sent."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def endpoint(self) -> str:
        """Its traces URL."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1/traces"

    def span_names(self) -> list[str]:
        """Every span name received so far."""
        with self.arrived:
            return self._names_unlocked()

    def wait_for(self, name: str, timeout: float = 30.0) -> bool:
        """Wait until a span called `name` has arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: name in self._names_unlocked(), timeout)

    def metric_names(self) -> set[str]:
        """Every metric name received so far."""
        with self.arrived:
            return {
                metric.name
                for item in self.received
                if item.metrics is not None
                for resource_metrics in item.metrics.resource_metrics
                for scope_metrics in resource_metrics.scope_metrics
                for metric in scope_metrics.metrics
            }

    def _names_unlocked(self) -> list[str]:
        return [
            span.name
            for item in self.received
            if item.request is not None
            for resource_spans in item.request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]


def start_receiver() -> OtlpReceiver:
    """Start an OTLP/HTTP receiver thread on 127.0.0.1 (stop it with `.server.shutdown()`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            encoding = (self.headers.get("Content-Encoding") or "").lower()
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            if self.path.endswith("/v1/metrics"):
                item.metrics = ExportMetricsServiceRequest()
                item.metrics.ParseFromString(body)
            else:
                item.request = ExportTraceServiceRequest()
                item.request.ParseFromString(body)
            with receiver.arrived:
                receiver.received.append(item)
                receiver.arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads what arrived, not the access log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = OtlpReceiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
