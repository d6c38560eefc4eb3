"""The in-process recorder: a SpanProcessor keeping the recent traces for the dashboard.

Bounded twice: at most `max_traces_per_repo` traces per repository (traces about no repository,
like board reads, count as one more group) and `max_traces` in all; the oldest finished traces
go first. Listeners hear about every span that starts or ends, from whichever thread it was.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.records import SpanRecord, TraceView

log = logging.getLogger(__name__)

DEFAULT_MAX_TRACES = 300
DEFAULT_MAX_TRACES_PER_REPO = 50
DEFAULT_MAX_SPANS_PER_TRACE = 2000


# The trace id of a change that touched many traces at once (history read back from a file).
MANY_TRACES = "*"


@dataclass(frozen=True)
class TraceChange:
    """A span of trace `trace_id` started or ended (`MANY_TRACES`: a whole batch arrived)."""

    trace_id: str
    repo: str | None
    ended: bool


TraceListener = Callable[[TraceChange], None]


@dataclass
class _Trace:
    order: int
    spans: dict[str, SpanRecord] = field(default_factory=dict)
    repo: str | None = None
    dropped: int = 0

    @property
    def live(self) -> bool:
        return any(span.running for span in self.spans.values())


class TraceRecorder(SpanProcessor):
    """Keeps the last traces in memory (redacted) and tells subscribers when they change."""

    def __init__(
        self,
        *,
        max_traces: int = DEFAULT_MAX_TRACES,
        max_traces_per_repo: int = DEFAULT_MAX_TRACES_PER_REPO,
        max_spans_per_trace: int = DEFAULT_MAX_SPANS_PER_TRACE,
    ) -> None:
        self.max_traces = max_traces
        self.max_traces_per_repo = max_traces_per_repo
        self.max_spans_per_trace = max_spans_per_trace
        self._lock = threading.Lock()
        self._traces: dict[str, _Trace] = {}
        self._order = itertools.count()
        self._listeners: list[TraceListener] = []

    # -- SpanProcessor --------------------------------------------------------------------------

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.add(SpanRecord.from_span(span))

    def on_end(self, span: ReadableSpan) -> None:
        self.add(SpanRecord.from_span(span))

    def shutdown(self) -> None:
        """Nothing to release: the records stay readable."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    # -- feeding --------------------------------------------------------------------------------

    def add(self, record: SpanRecord) -> None:
        """Record a span that started, ended or was read back from a file."""
        with self._lock:
            change = self._add(record)
            # Only a finished trace can be evicted, so a root's end is the moment to look.
            if change is not None and not record.running and record.parent_id is None:
                self._evict()
        if change is not None:
            self._tell(change)

    def load(self, records: Iterable[SpanRecord]) -> int:
        """Add many finished spans at once (history from the JSONL file); returns how many."""
        count = 0
        with self._lock:
            for record in records:
                if self._add(record) is not None:
                    count += 1
            self._evict()
        if count:
            self._tell(TraceChange(MANY_TRACES, None, True))
        return count

    def _add(self, record: SpanRecord) -> TraceChange | None:
        held = self._traces.get(record.trace_id)
        if held is None:
            held = self._traces[record.trace_id] = _Trace(next(self._order))
        elif record.span_id not in held.spans and len(held.spans) >= self.max_spans_per_trace:
            held.dropped += 1  # a flooding agent must not eat the memory
            return None
        held.spans[record.span_id] = record
        repo = record.get(sc.REPO)
        if held.repo is None and isinstance(repo, str) and repo:
            held.repo = repo
        return TraceChange(record.trace_id, held.repo, not record.running)

    def _evict(self) -> None:
        by_age = sorted(self._traces.items(), key=lambda item: item[1].order)
        groups: dict[str | None, list[str]] = {}
        for trace_id, held in by_age:
            groups.setdefault(held.repo, []).append(trace_id)
        doomed: set[str] = set()
        for members in groups.values():
            extra = len(members) - self.max_traces_per_repo
            doomed.update(self._oldest_finished(members, extra))
        remaining = [trace_id for trace_id, _ in by_age if trace_id not in doomed]
        doomed.update(self._oldest_finished(remaining, len(remaining) - self.max_traces))
        for trace_id in doomed:
            del self._traces[trace_id]

    def _oldest_finished(self, trace_ids: list[str], count: int) -> list[str]:
        if count <= 0:
            return []
        finished = [t for t in trace_ids if not self._traces[t].live]
        return finished[:count]

    # -- reading --------------------------------------------------------------------------------

    def subscribe(self, listener: TraceListener) -> Callable[[], None]:
        """Call `listener` on every change (from any thread); returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    @property
    def listeners(self) -> int:
        """How many listeners are subscribed."""
        with self._lock:
            return len(self._listeners)

    def _tell(self, change: TraceChange) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:
                # A broken viewer must not break the traced work; the failure is logged.
                log.exception("trace listener %r failed", listener)

    def trace(self, trace_id: str) -> TraceView | None:
        """One trace, or None when it is unknown (or was evicted)."""
        with self._lock:
            held = self._traces.get(trace_id)
            spans = list(held.spans.values()) if held is not None else None
        return TraceView.of(trace_id, spans) if spans else None

    def traces(
        self, *, repo: str | None = None, command: str | None = None, errors_only: bool = False
    ) -> list[TraceView]:
        """The recorded traces, newest first, optionally only one repository's or command's."""
        with self._lock:
            snapshot = [
                (trace_id, list(held.spans.values()))
                for trace_id, held in self._traces.items()
                if repo is None or held.repo == repo
            ]
        views = [TraceView.of(trace_id, spans) for trace_id, spans in snapshot if spans]
        views = [
            view
            for view in views
            if (command is None or view.command == command)
            and (not errors_only or view.error_count)
        ]
        views.sort(key=lambda view: view.start_ns, reverse=True)
        return views

    def latest_run(self, repo: str) -> TraceView | None:
        """The trace of `repo`'s current or last agent run, else its newest trace."""
        views = self.traces(repo=repo)
        with_agent = [view for view in views if view.has_agent_run]
        chosen = with_agent or views
        return chosen[0] if chosen else None

    def repos(self) -> list[str]:
        """The repositories that have traces, sorted."""
        with self._lock:
            return sorted({held.repo for held in self._traces.values() if held.repo})

    def commands(self) -> list[str]:
        """The commands that have traces, sorted."""
        return sorted({view.command for view in self.traces()})
