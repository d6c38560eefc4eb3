"""Spans as plain frozen records (for the recorder, the JSONL file, the metrics and the screen)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from soda_tui.core.secrets import redact
from soda_tui.telemetry import conventions as sc

AttributeValue = str | bool | int | float | tuple[str, ...] | tuple[int, ...] | tuple[float, ...]


def clean_attributes(attributes: Mapping[str, Any] | None) -> dict[str, AttributeValue]:
    """A copy with every string (and string in a list) passed through `redact`."""
    cleaned: dict[str, AttributeValue] = {}
    for key, value in (attributes or {}).items():
        if isinstance(value, str):
            cleaned[key] = redact(value)
        elif isinstance(value, bool | int | float):
            cleaned[key] = value
        elif isinstance(value, list | tuple):
            cleaned[key] = tuple(redact(v) if isinstance(v, str) else v for v in value)
        elif value is not None:
            cleaned[key] = redact(str(value))
    return cleaned


@dataclass(frozen=True)
class EventRecord:
    """One span event (an exception, a usage limit)."""

    name: str
    at_ns: int
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


@dataclass(frozen=True)
class SpanRecord:
    """One span, finished (`end_ns` set) or still running; strings already redacted."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int | None
    status: str
    """`UNSET`, `OK` or `ERROR`."""
    status_message: str = ""
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    events: tuple[EventRecord, ...] = ()

    @property
    def running(self) -> bool:
        """Whether the span has not ended yet."""
        return self.end_ns is None

    @property
    def is_error(self) -> bool:
        """Whether the span ended in error."""
        return self.status == "ERROR"

    def duration_ns(self, now_ns: int | None = None) -> int | None:
        """How long it took (or has run so far, given `now_ns`)."""
        end = self.end_ns if self.end_ns is not None else now_ns
        return None if end is None else max(0, end - self.start_ns)

    def get(self, key: str) -> AttributeValue | None:
        """One attribute, or None."""
        return self.attributes.get(key)

    @classmethod
    def from_span(cls, span: Any) -> SpanRecord:
        """A record of an SDK span (ReadableSpan or a live Span), redacted."""
        context = span.context
        parent = span.parent
        status = span.status
        return cls(
            trace_id=f"{context.trace_id:032x}",
            span_id=f"{context.span_id:016x}",
            parent_id=f"{parent.span_id:016x}" if parent is not None else None,
            name=redact(span.name),
            kind=span.kind.name,
            start_ns=int(span.start_time or 0),
            end_ns=int(span.end_time) if span.end_time else None,
            status=status.status_code.name,
            status_message=redact(status.description or ""),
            attributes=clean_attributes(span.attributes),
            events=tuple(
                EventRecord(redact(e.name), int(e.timestamp), clean_attributes(e.attributes))
                for e in span.events
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSONL form (one line per span)."""
        data: dict[str, Any] = {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "name": self.name,
            "kind": self.kind,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "status": self.status,
            "attributes": {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.attributes.items()
            },
        }
        if self.status_message:
            data["status_message"] = self.status_message
        if self.events:
            data["events"] = [
                {"name": e.name, "at_ns": e.at_ns, "attributes": e.attributes} for e in self.events
            ]
        return data

    @classmethod
    def from_json(cls, data: object) -> SpanRecord:
        """Parse the JSONL form; ValueError says what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a span line is not an object")
        try:
            events = tuple(
                EventRecord(str(e["name"]), int(e["at_ns"]), clean_attributes(e.get("attributes")))
                for e in data.get("events") or []
            )
            end = data.get("end_ns")
            return cls(
                trace_id=str(data["trace_id"]),
                span_id=str(data["span_id"]),
                parent_id=str(data["parent_id"]) if data.get("parent_id") else None,
                name=str(data["name"]),
                kind=str(data.get("kind", "INTERNAL")),
                start_ns=int(data["start_ns"]),
                end_ns=int(end) if end is not None else None,
                status=str(data.get("status", "UNSET")),
                status_message=str(data.get("status_message", "")),
                attributes=clean_attributes(data.get("attributes")),
                events=events,
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"a span line lacks {error}") from None


@dataclass(frozen=True)
class TraceView:
    """All the spans of one trace that are known, with the facts the screen and metrics use."""

    trace_id: str
    spans: tuple[SpanRecord, ...]

    @classmethod
    def of(cls, trace_id: str, spans: Iterable[SpanRecord]) -> TraceView:
        """A view of `spans`, ordered by start time."""
        return cls(trace_id, tuple(sorted(spans, key=lambda s: (s.start_ns, s.span_id))))

    @cached_property
    def _ids(self) -> frozenset[str]:
        return frozenset(span.span_id for span in self.spans)

    @property
    def top(self) -> tuple[SpanRecord, ...]:
        """Spans whose parent is not in the trace (the root, and orphans of a cut trace)."""
        return tuple(s for s in self.spans if s.parent_id is None or s.parent_id not in self._ids)

    @property
    def root(self) -> SpanRecord:
        """The first top-level span."""
        top = self.top
        return top[0] if top else self.spans[0]

    def children(self, span_id: str) -> tuple[SpanRecord, ...]:
        """The spans directly under `span_id`, in start order."""
        return tuple(s for s in self.spans if s.parent_id == span_id)

    def named(self, name: str) -> tuple[SpanRecord, ...]:
        """Every span called `name`."""
        return tuple(s for s in self.spans if s.name == name)

    def _first(self, key: str) -> AttributeValue | None:
        for span in (self.root, *self.spans):
            value = span.get(key)
            if value not in (None, ""):
                return value
        return None

    @property
    def repo(self) -> str | None:
        """The repository the trace is about, if any span says."""
        value = self._first(sc.REPO)
        return str(value) if value is not None else None

    @property
    def issue(self) -> int | None:
        """The issue the trace is about, if any span says."""
        value = self._first(sc.ISSUE)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def command(self) -> str:
        """What ran: the command, autopilot step or action of the root, else its name."""
        root = self.root
        for key in (sc.COMMAND, sc.STEP_KIND, sc.ACTION):
            value = root.get(key)
            if isinstance(value, str) and value:
                return value
        return root.name

    @property
    def start_ns(self) -> int:
        """When the root started."""
        return self.root.start_ns

    @property
    def running(self) -> bool:
        """Whether the root has not ended yet."""
        return self.root.running

    @property
    def error_count(self) -> int:
        """How many spans ended in error."""
        return sum(1 for span in self.spans if span.is_error)

    @property
    def has_agent_run(self) -> bool:
        """Whether an agent ran in this trace."""
        return any(span.name == sc.AGENT_SPAN for span in self.spans)
