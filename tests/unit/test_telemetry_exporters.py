"""Where spans go: the standard OTEL_* variables, the config, Phoenix, and what is ignored."""

from __future__ import annotations

from soda_tui.core.secrets import redact
from soda_tui.telemetry.exporters import PHOENIX_ENDPOINT, parse_headers, plan_exports


def plan(environ: dict[str, str] | None = None, **settings: object):
    values: dict[str, object] = {
        "otlp_endpoint": None,
        "headers": {},
        "phoenix": False,
        "project_name": "soda-tui",
        **settings,
    }
    return plan_exports(environ=environ or {}, **values)  # type: ignore[arg-type]


def test_nothing_is_exported_unless_asked() -> None:
    assert plan().targets == ()


def test_the_generic_endpoint_gets_the_signal_paths_and_headers() -> None:
    exports = plan(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=a%20b, authorization=Basic%20dXNlcjpwYXNzd29yZA",
        }
    )
    [target] = exports.targets
    assert target.traces_endpoint == "http://collector:4318/v1/traces"
    assert target.metrics_endpoint == "http://collector:4318/v1/metrics"
    assert target.headers == {"x-tenant": "a b", "authorization": "Basic dXNlcjpwYXNzd29yZA"}
    # Exporter headers carry keys: they are masked wherever they might be printed.
    assert redact("sent dXNlcjpwYXNzd29yZA") == "sent ***"
    assert "dXNlcjpwYXNzd29yZA" not in repr(exports)


def test_signal_specific_variables_win_and_metrics_can_be_turned_off() -> None:
    [target] = plan(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/custom/traces",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "a=1",
            "OTEL_EXPORTER_OTLP_HEADERS": "b=2",
            "OTEL_METRICS_EXPORTER": "none",
        }
    ).targets
    assert target.traces_endpoint == "http://traces:4318/custom/traces"
    assert target.headers == {"a": "1"}
    assert target.metrics_endpoint is None


def test_the_environment_overrides_the_config_and_says_so() -> None:
    exports = plan(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318"},
        otlp_endpoint="http://config:4318/v1/traces",
    )
    assert [t.traces_endpoint for t in exports.targets] == ["http://env:4318/v1/traces"]
    assert "overrides [telemetry] otlp_endpoint" in exports.notes[0]


def test_the_config_endpoint_and_its_metrics_sibling() -> None:
    [target] = plan(
        otlp_endpoint="https://otel.example/v1/traces", headers={"x-api-key": "k3y-from-config"}
    ).targets
    assert target.metrics_endpoint == "https://otel.example/v1/metrics"
    assert target.headers == {"x-api-key": "k3y-from-config"}
    assert redact("k3y-from-config") == "***"


def test_phoenix_adds_its_endpoint_with_the_project_header_and_no_metrics() -> None:
    exports = plan(otlp_endpoint="http://collector:4318/v1/traces", phoenix=True, project_name="p1")
    assert [t.name for t in exports.targets] == ["otlp", "phoenix"]
    phoenix = exports.targets[1]
    assert phoenix.traces_endpoint == PHOENIX_ENDPOINT == "http://127.0.0.1:6006/v1/traces"
    assert phoenix.headers == {"x-project-name": "p1"}
    assert phoenix.metrics_endpoint is None
    assert redact("p1 project") == "p1 project"  # a project name is not a secret


def test_phoenix_at_the_configured_endpoint_is_one_exporter() -> None:
    exports = plan(otlp_endpoint=PHOENIX_ENDPOINT, phoenix=True, project_name="p2")
    [target] = exports.targets
    assert target.headers["x-project-name"] == "p2"


def test_grpc_and_disabled_sdk_are_explained_not_half_honoured() -> None:
    grpc = plan(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    )
    assert grpc.targets == () and "http/protobuf" in grpc.notes[0]
    off = plan({"OTEL_SDK_DISABLED": "true"}, phoenix=True)
    assert off.targets == () and "turned off" in off.notes[0]
    none = plan({"OTEL_TRACES_EXPORTER": "none"}, otlp_endpoint="http://c:4318/v1/traces")
    assert none.targets == ()


def test_header_parsing_ignores_junk() -> None:
    assert parse_headers("a=1,,=2,b,c = 3 ") == {"a": "1", "c": "3"}
