"""The in-process recorder: live and finished spans, filters, bounds, listeners, redaction."""

from __future__ import annotations

import logging
import threading

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode, Tracer

from soda_tui.core.secrets import Secret
from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.recorder import TraceChange, TraceRecorder


def tracer_for(recorder: TraceRecorder) -> Tracer:
    """A private SDK provider feeding only `recorder` (the global one is left alone)."""
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(recorder)
    return provider.get_tracer("test")


def test_a_running_span_is_visible_before_it_ends_and_updated_when_it_does() -> None:
    recorder = TraceRecorder()
    tracer = tracer_for(recorder)
    with tracer.start_as_current_span("run", attributes={sc.REPO: "acme/api", sc.ACTION: "run"}):
        live = recorder.traces()
        assert len(live) == 1 and live[0].running and live[0].repo == "acme/api"
        with tracer.start_as_current_span("agent run"):
            pass
    [done] = recorder.traces()
    assert not done.running
    assert [span.name for span in done.spans] == ["run", "agent run"]
    assert done.children(done.root.span_id)[0].name == "agent run"
    assert done.command == "run" and done.has_agent_run


def test_filters_newest_first_and_the_latest_run_of_a_repository() -> None:
    recorder = TraceRecorder()
    tracer = tracer_for(recorder)
    with (
        tracer.start_as_current_span("run", attributes={sc.REPO: "acme/api", sc.ACTION: "run"}),
        tracer.start_as_current_span("agent run"),
    ):
        pass
    with tracer.start_as_current_span(
        "land", attributes={sc.REPO: "acme/api", sc.ACTION: "land"}
    ) as span:
        span.set_status(Status(StatusCode.ERROR, "gate failed"))
    with tracer.start_as_current_span("pop", attributes={sc.REPO: "acme/web", sc.ACTION: "pop"}):
        pass
    assert [view.command for view in recorder.traces()] == ["pop", "land", "run"]
    assert [view.command for view in recorder.traces(repo="acme/api")] == ["land", "run"]
    assert [view.command for view in recorder.traces(command="pop")] == ["pop"]
    assert [view.command for view in recorder.traces(errors_only=True)] == ["land"]
    latest = recorder.latest_run("acme/api")
    assert latest is not None and latest.command == "run"
    fallback = recorder.latest_run("acme/web")
    assert fallback is not None and fallback.command == "pop"
    assert recorder.latest_run("acme/none") is None
    assert recorder.repos() == ["acme/api", "acme/web"]
    assert recorder.commands() == ["land", "pop", "run"]


def test_each_repository_keeps_only_its_newest_traces_and_live_ones_stay() -> None:
    recorder = TraceRecorder(max_traces=6, max_traces_per_repo=3)
    tracer = tracer_for(recorder)
    live = tracer.start_span("run", attributes={sc.REPO: "acme/api"})
    for index in range(5):
        with tracer.start_as_current_span(f"api {index}", attributes={sc.REPO: "acme/api"}):
            pass
    for index in range(4):
        with tracer.start_as_current_span(f"board {index}"):
            pass
    api = [view.root.name for view in recorder.traces(repo="acme/api")]
    assert api == ["api 4", "api 3", "run"]  # the live run outlives newer finished traces
    assert len(recorder.traces()) <= 6
    live.end()
    assert "run" in [view.root.name for view in recorder.traces(repo="acme/api")]


def test_a_flooding_trace_is_capped() -> None:
    recorder = TraceRecorder(max_spans_per_trace=10)
    tracer = tracer_for(recorder)
    with tracer.start_as_current_span("run"):
        for index in range(50):
            with tracer.start_as_current_span(f"tool {index}"):
                pass
    [view] = recorder.traces()
    assert len(view.spans) == 10


def test_listeners_hear_starts_and_ends_from_any_thread_and_a_broken_one_is_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = TraceRecorder()
    tracer = tracer_for(recorder)
    heard: list[TraceChange] = []
    # Once telemetry routes its logs to the health record, they stop propagating to the root
    # logger (never to stderr): listen on the telemetry logger itself, whatever ran before.
    telemetry_logger = logging.getLogger("soda_tui.telemetry")
    telemetry_logger.addHandler(caplog.handler)

    def broken(change: TraceChange) -> None:
        raise RuntimeError("viewer gone")

    recorder.subscribe(broken)
    unsubscribe = recorder.subscribe(heard.append)
    assert recorder.listeners == 2

    def work() -> None:
        with tracer.start_as_current_span("pop", attributes={sc.REPO: "acme/api"}):
            pass

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert [change.ended for change in heard] == [False, True]
    assert heard[-1].repo == "acme/api"
    assert "trace listener" in caplog.text
    unsubscribe()
    work()
    assert len(heard) == 2
    telemetry_logger.removeHandler(caplog.handler)


def test_recorded_spans_never_hold_a_secret() -> None:
    token = Secret("ghp_recorderSecret0123456789")
    recorder = TraceRecorder()
    tracer = tracer_for(recorder)
    with tracer.start_as_current_span(f"call {token.reveal()}") as span:
        span.set_attribute("raw", f"Bearer {token.reveal()}")
        span.set_attribute("list", ["ok", token.reveal()])
        span.add_event("oops", {"message": token.reveal()})
        span.set_status(Status(StatusCode.ERROR, token.reveal()))
    [view] = recorder.traces()
    record = view.root
    text = repr(record)
    assert token.reveal() not in text
    assert record.name == "call ***"
    assert record.get("raw") == "Bearer ***"
    assert record.get("list") == ("ok", "***")
    assert record.status_message == "***"
