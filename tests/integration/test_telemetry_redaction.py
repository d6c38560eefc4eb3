"""No secret reaches a span, an event, an export, a log line or a file, even when code tries."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from soda_tui.localhub import LocalHub
from soda_tui.loop.pop import pop
from soda_tui.loop.run import run
from soda_tui.telemetry.setup import Telemetry, TelemetryOptions
from soda_tui.telemetry.spans import tracer
from tests.integration.loop_support import open_world, seed_repo
from tests.integration.test_telemetry_support import Recording, start_receiver

HEADER_SECRET = "hdr-Secret-4711-exporter-key"
AGENT = """#!/usr/bin/env bash
echo "token is $GH_TOKEN and header is $HEADER_COPY"
echo "stderr token $GH_TOKEN" >&2
exit 3
"""


def _span_text(recording: Recording) -> str:
    parts = []
    for span in recording.spans:
        parts.append(span.name)
        parts.append(json.dumps(dict(span.attributes or {}), default=str))
        parts.append(span.status.description or "")
        for event in span.events:
            parts.append(event.name + json.dumps(dict(event.attributes or {}), default=str))
    return "\n".join(parts)


async def test_a_run_that_prints_the_token_leaks_it_nowhere(
    localhub: LocalHub,
    hub_token: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver = start_receiver()
    script = tmp_path / "agent.sh"
    script.write_text(AGENT, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    seed_repo(localhub, "acme/secret")
    agent = (
        f'{{ command = ["{script}"], pass_github_token = true, '
        f'env = {{ HEADER_COPY = "{HEADER_SECRET}" }} }}'
    )
    world = open_world(localhub, hub_token, tmp_path, ["acme/secret"], agent=agent)
    exporter = InMemorySpanExporter()
    telemetry = Telemetry.start(
        TelemetryOptions(
            traces_dir=world.paths.traces_dir,
            environ={},
            otlp_endpoint=receiver.endpoint,
            otlp_headers={"authorization": f"Bearer {HEADER_SECRET}"},
            schedule_delay_ms=50,
            processors=(SimpleSpanProcessor(exporter),),
        )
    )
    recording = Recording(telemetry, exporter, world.paths.traces_dir)
    try:
        localhub.state.create_issue("acme", "secret", "Print the token", labels=["route:ready"])
        ctx = world.ctx()
        assert (await pop(ctx)).ok
        result = await run(ctx)
        assert result.data.get("blocked"), result.message
        # Code that forgets to redact: the processor in front of every exporter still does.
        with tracer().start_as_current_span(
            f"probe {hub_token}", attributes={"raw": hub_token}
        ) as span:
            span.add_event("leak", {"message": f"oops {HEADER_SECRET}"})
            span.set_status(Status(StatusCode.ERROR, f"failed with {hub_token}"))
        assert receiver.wait_for("probe ***"), receiver.span_names()
    finally:
        telemetry.shutdown()
        await world.session.aclose()
        receiver.server.shutdown()
        receiver.server.server_close()

    secrets = (hub_token, HEADER_SECRET)
    exported = _span_text(recording)
    assert "probe ***" in exported and "agent run" in exported
    bodies = [item.body for item in receiver.received]
    assert bodies
    files = [path for path in world.paths.state_dir.rglob("*") if path.is_file()]
    assert any(path.name == "spans.jsonl" for path in files)
    assert any(path.name == "agent.log" for path in files)
    agent_log = next(path for path in files if path.name == "agent.log").read_text()
    assert "token is ***" in agent_log  # the agent really printed it, and it was masked
    logged = [record.getMessage() for record in caplog.records]
    for secret in secrets:
        assert secret not in exported
        assert all(secret.encode() not in body for body in bodies)
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{secret[:6]}… found in {path}"
        assert all(secret not in line for line in logged)
        assert all(secret not in line for line in telemetry.health.problems)
        assert secret not in repr(telemetry.plan)
