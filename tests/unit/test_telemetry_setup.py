"""Starting and stopping telemetry: repeatable in one process, quiet, configured from settings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from soda_tui.settings.models import TelemetrySettings
from soda_tui.telemetry.entry import cli_options, traced_cli
from soda_tui.telemetry.jsonl import read_records
from soda_tui.telemetry.setup import Telemetry, TelemetryOptions, current_telemetry
from soda_tui.telemetry.spans import command_span, start_span


def test_telemetry_starts_and_stops_many_times_in_one_process(tmp_path: Path) -> None:
    first_spans = InMemorySpanExporter()
    first = Telemetry.start(
        TelemetryOptions(
            traces_dir=tmp_path / "one", environ={}, processors=(SimpleSpanProcessor(first_spans),)
        )
    )
    assert current_telemetry() is first
    with start_span("during first", {}):
        pass
    assert first.shutdown() is True
    assert current_telemetry() is None
    with start_span("between", {}):
        pass
    second_spans = InMemorySpanExporter()
    second = Telemetry.start(
        TelemetryOptions(
            traces_dir=tmp_path / "two", environ={}, processors=(SimpleSpanProcessor(second_spans),)
        )
    )
    with start_span("during second", {}):
        pass
    second.shutdown()
    assert [s.name for s in first_spans.get_finished_spans()] == ["during first"]
    assert [s.name for s in second_spans.get_finished_spans()] == ["during second"]
    assert [r.name for r in read_records(tmp_path / "one")] == ["during first"]
    assert [r.name for r in read_records(tmp_path / "two")] == ["during second"]
    assert second.shutdown() is True  # a second shutdown is harmless


def test_exported_spans_carry_the_project_resource(tmp_path: Path) -> None:
    spans = InMemorySpanExporter()
    with Telemetry.start(
        TelemetryOptions(
            environ={}, project_name="my-project", processors=(SimpleSpanProcessor(spans),)
        )
    ) as telemetry:
        with command_span("peek"):
            pass
        assert telemetry.jsonl is None  # no traces_dir: no file
    [span] = spans.get_finished_spans()
    assert span.resource.attributes["openinference.project.name"] == "my-project"
    assert span.resource.attributes["service.name"] == "soda-tui"
    assert span.attributes["soda.command"] == "peek"


def test_sdk_warnings_go_to_the_health_not_to_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with Telemetry.start(TelemetryOptions(environ={})) as telemetry:
        logging.getLogger("opentelemetry.sdk.trace.export").warning(
            "Queue full, dropping %s.", "spans"
        )
        assert (
            telemetry.health.last == "opentelemetry.sdk.trace.export: Queue full, dropping spans."
        )
    assert capfd.readouterr().err == ""


def test_options_follow_the_config_table(tmp_path: Path) -> None:
    settings = TelemetrySettings(
        otlp_endpoint="http://collector:4318/v1/traces",
        phoenix=True,
        project_name="loop",
        headers={"x-api-key": "abcd-1234-key"},
    )
    options = TelemetryOptions.from_settings(settings, tmp_path, history=True)
    assert options.traces_dir == tmp_path and options.history
    assert options.project_name == "loop" and options.phoenix
    assert options.otlp_endpoint == "http://collector:4318/v1/traces"
    assert dict(options.otlp_headers) == {"x-api-key": "abcd-1234-key"}
    assert "abcd-1234-key" not in repr(options)


def test_the_command_line_reads_the_config_and_survives_a_broken_one(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telemetry]\nphoenix = true\nproject_name = "from-file"\n', encoding="utf-8")
    environ = {"SODA_HOME": str(tmp_path / "home")}
    options = cli_options("pop", str(config), environ)
    assert options.phoenix and options.project_name == "from-file" and not options.history
    assert options.traces_dir == tmp_path / "home" / "state" / "traces"
    assert cli_options(None, str(config), environ).history  # the dashboard reads past traces
    config.write_text("[telemetry\n", encoding="utf-8")
    fallback = cli_options("pop", str(config), environ)
    assert fallback.project_name == "soda-tui" and not fallback.phoenix


def test_a_command_is_one_trace_with_its_exit_code(tmp_path: Path) -> None:
    environ = {"SODA_HOME": str(tmp_path)}
    with traced_cli("bottle", None, environ) as note_exit:
        with start_span("inside", {}):
            pass
        assert note_exit(3) == 3
    records = {record.name: record for record in read_records(tmp_path / "state" / "traces")}
    root = records["soda-tui bottle"]
    assert records["inside"].parent_id == root.span_id
    assert root.get("soda.exit_code") == 3 and root.is_error
    with traced_cli("localhub", None, environ) as note_exit:
        assert note_exit(0) == 0
        assert current_telemetry() is None  # localhub traces nothing
