"""The span helpers the domain uses: cleaning values, URLs without credentials, error recording."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from soda_tui.core.secrets import Secret
from soda_tui.telemetry.http_spans import git_step_span, safe_url, server_attributes
from soda_tui.telemetry.setup import Telemetry, TelemetryOptions
from soda_tui.telemetry.spans import MAX_ATTRIBUTE_CHARS, clean, traced


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry.start(
        TelemetryOptions(environ={}, processors=(SimpleSpanProcessor(exporter),))
    )
    yield exporter
    telemetry.shutdown()


def test_values_are_cleaned_before_they_are_recorded() -> None:
    token = Secret("ghp_cleanSecret0123456789abcdef")
    assert clean(f"token {token.reveal()}") == "token ***"
    assert clean(["a", token.reveal()]) == ["a", "***"]
    assert clean(7) == 7 and clean(True) is True and clean(2.5) == 2.5
    assert clean(None) == "None"
    long = clean("x" * (MAX_ATTRIBUTE_CHARS + 50))
    assert len(long) == MAX_ATTRIBUTE_CHARS and long.endswith("…")


def test_urls_lose_their_credentials_and_query() -> None:
    assert safe_url("https://user:pa55word@github.example:8443/api/graphql?x=1#f") == (
        "https://github.example:8443/api/graphql"
    )
    assert server_attributes("https://api.github.com/graphql") == {
        "url.full": "https://api.github.com/graphql",
        "server.address": "api.github.com",
        "server.port": 443,
    }
    assert server_attributes("http://127.0.0.1:9/graphql")["server.port"] == 9


async def test_a_failing_traced_coroutine_records_the_error_without_a_stack(
    spans: InMemorySpanExporter,
) -> None:
    @traced("sync", **{"soda.repo": "acme/api"})
    async def sync() -> None:
        await asyncio.sleep(0)
        raise ValueError("the journal disagrees with GitHub")

    with pytest.raises(ValueError):
        await sync()
    [span] = spans.get_finished_spans()
    assert span.name == "sync" and span.attributes["soda.repo"] == "acme/api"
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "the journal disagrees with GitHub"
    assert span.attributes["error.type"] == "ValueError"
    [event] = span.events
    assert event.name == "exception"
    assert dict(event.attributes) == {
        "exception.type": "ValueError",
        "exception.message": "the journal disagrees with GitHub",
    }


def test_a_step_that_traces_itself_is_not_wrapped_twice(spans: InMemorySpanExporter) -> None:
    from soda_tui.git.workspace import Workspace

    assert getattr(Workspace.push, "__soda_traced__", False)
    with git_step_span(Workspace.push, ("agent001/1-x",)):
        pass
    with git_step_span(Workspace.commits_ahead, ("agent001/1-x", "main")):
        pass
    [span] = spans.get_finished_spans()
    assert span.name == "git commits_ahead"
    assert span.attributes["soda.git.ref"] == "agent001/1-x"
