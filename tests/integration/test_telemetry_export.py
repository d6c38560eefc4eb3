"""Export over OTLP/HTTP to a real receiver on loopback, and to a dead one that must cost nothing."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from soda_tui.localhub import LocalHub
from soda_tui.loop.pop import peek, pop
from soda_tui.telemetry.jsonl import read_records
from soda_tui.telemetry.setup import Telemetry, TelemetryOptions
from tests.integration.loop_support import TOKEN_ENV, LoopWorld, config_text, open_world, seed_repo
from tests.integration.test_telemetry_support import OtlpReceiver, start_receiver

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    started = start_receiver()
    yield started
    started.server.shutdown()
    started.server.server_close()


@pytest.fixture
async def world(localhub: LocalHub, hub_token: str, tmp_path: Path) -> AsyncIterator[LoopWorld]:
    seed_repo(localhub, "acme/export")
    loop_world = open_world(localhub, hub_token, tmp_path, ["acme/export"], agent=FAST_DEMO)
    yield loop_world
    await loop_world.session.aclose()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _resource(receiver: OtlpReceiver) -> dict[str, str]:
    first = next(item for item in receiver.received if item.request is not None)
    attributes = first.request.resource_spans[0].resource.attributes
    return {item.key: item.value.string_value for item in attributes}


async def test_phoenix_receives_the_spans_with_the_project_header(
    world: LoopWorld, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    telemetry = Telemetry.start(
        TelemetryOptions(
            traces_dir=tmp_path / "traces",
            environ={},
            phoenix=True,
            phoenix_endpoint=receiver.endpoint,
            project_name="soda-checks",
            schedule_delay_ms=50,
        )
    )
    try:
        world.hub.state.create_issue("acme", "export", "Ship it", labels=["route:ready"])
        assert (await peek(world.ctx())).ok
        assert receiver.wait_for("query QueuePeek"), receiver.span_names()
        assert receiver.wait_for("peek"), receiver.span_names()
    finally:
        assert telemetry.shutdown()
    trace_posts = [item for item in receiver.received if item.request is not None]
    assert all(item.path == "/v1/traces" for item in trace_posts)
    assert all(item.headers["x-project-name"] == "soda-checks" for item in trace_posts)
    assert all(item.headers["content-type"] == "application/x-protobuf" for item in trace_posts)
    resource = _resource(receiver)
    assert resource["openinference.project.name"] == "soda-checks"
    assert resource["service.name"] == "soda-tui"
    # Phoenix takes traces only: no metrics were sent to it.
    assert receiver.metric_names() == set()


async def test_the_standard_environment_variables_send_traces_and_metrics(
    world: LoopWorld, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    base = receiver.endpoint.removesuffix("/v1/traces")
    telemetry = Telemetry.start(
        TelemetryOptions(
            traces_dir=tmp_path / "traces",
            environ={
                "OTEL_EXPORTER_OTLP_ENDPOINT": base,
                "OTEL_EXPORTER_OTLP_HEADERS": "x-team=loop%20ops,authorization=Bearer%20abc123xyz",
            },
            schedule_delay_ms=50,
        )
    )
    try:
        world.hub.state.create_issue("acme", "export", "Ship it", labels=["route:ready"])
        assert (await pop(world.ctx())).ok
        assert receiver.wait_for("pop"), receiver.span_names()
    finally:
        assert telemetry.shutdown()
    trace_posts = [item for item in receiver.received if item.request is not None]
    assert trace_posts and all(item.headers["x-team"] == "loop ops" for item in trace_posts)
    assert "mutation ClaimIssue" in receiver.span_names()
    assert {"soda.github.requests", "soda.github.points"} <= receiver.metric_names()
    assert any(item.path == "/v1/metrics" for item in receiver.received)


async def test_a_dead_collector_costs_the_loop_nothing(
    world: LoopWorld, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    telemetry = Telemetry.start(
        TelemetryOptions(
            traces_dir=tmp_path / "traces",
            environ={},
            otlp_endpoint=f"http://127.0.0.1:{port}/v1/traces",
            schedule_delay_ms=20,
        )
    )
    number = world.hub.state.create_issue("acme", "export", "Ship it", labels=["route:ready"])
    result = await pop(world.ctx())
    assert result.ok and result.data["issue"]["number"] == number
    assert world.issue(number)["labels"] == {"agent001"}
    telemetry.shutdown()  # returns: the assertion is that we get here at all
    names = {record.name for record in read_records(tmp_path / "traces")}
    assert {"pop", "mutation ClaimIssue"} <= names  # the local file does not depend on it
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_a_command_with_an_unreachable_collector_prints_only_its_result(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/cli")
    config = tmp_path / "config.toml"
    config.write_text(config_text(localhub.graphql_url, ["acme/cli"]), encoding="utf-8")
    localhub.state.create_issue("acme", "cli", "Add a flag", labels=["route:ready"])
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SODA_HOME": str(tmp_path / "soda"),
        "SODA_CONFIG": str(config),
        TOKEN_ENV: hub_token,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{closed_port()}",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "soda_tui", "peek"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("next: #1 Add a flag")
    assert completed.stderr == ""
    names = {record.name for record in read_records(tmp_path / "soda" / "state" / "traces")}
    assert {"soda-tui peek", "peek", "query QueuePeek"} <= names


async def test_shutdown_gives_up_on_a_collector_that_never_answers(
    world: LoopWorld, tmp_path: Path
) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are queued by the kernel and never answered
    try:
        telemetry = Telemetry.start(
            TelemetryOptions(
                traces_dir=tmp_path / "traces",
                environ={},
                otlp_endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}/v1/traces",
                schedule_delay_ms=20,
                export_timeout_s=30.0,
            )
        )
        world.hub.state.create_issue("acme", "export", "Ship it", labels=["route:ready"])
        assert (await peek(world.ctx())).ok
        finished = telemetry.shutdown(timeout_s=0.3)
    finally:
        silent.close()
    assert finished is False
    assert "gave up waiting for the exporters after 0.3 s" in telemetry.health.problems
