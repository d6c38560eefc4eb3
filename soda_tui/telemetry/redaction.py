"""The redaction step in front of every exporter: no registered secret leaves the process."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Status

from soda_tui.core.secrets import redact
from soda_tui.telemetry.records import clean_attributes

log = logging.getLogger(__name__)


def redacted_copy(span: ReadableSpan, resource: Resource | None = None) -> ReadableSpan:
    """The same span with every string of its name, attributes, events and status redacted."""
    status = span.status
    return ReadableSpan(
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=resource if resource is not None else span.resource,
        attributes=clean_attributes(span.attributes),
        events=[
            Event(redact(event.name), clean_attributes(event.attributes), event.timestamp)
            for event in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=Status(
            status.status_code, redact(status.description) if status.description else None
        ),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingProcessor(SpanProcessor):
    """Hands a redacted copy of each finished span (under our resource) to the processors behind it."""

    def __init__(
        self, processors: Sequence[SpanProcessor], resource: Resource | None = None
    ) -> None:
        self.processors = tuple(processors)
        self.resource = resource

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Exporters only see finished spans."""

    def on_end(self, span: ReadableSpan) -> None:
        copy = redacted_copy(span, self.resource)
        for processor in self.processors:
            try:
                processor.on_end(copy)
            except Exception:
                # One broken exporter must not starve the others (or break the traced work).
                log.exception("span processor %r failed", processor)

    def shutdown(self) -> None:
        for processor in self.processors:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(processor.force_flush(timeout_millis) for processor in self.processors)
