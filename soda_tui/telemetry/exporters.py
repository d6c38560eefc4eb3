"""Where spans and metrics are exported: the standard `OTEL_*` variables, the config, Phoenix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from soda_tui.core.secrets import register_secret

PHOENIX_ENDPOINT = "http://127.0.0.1:6006/v1/traces"
PROJECT_HEADER = "x-project-name"
TRACES_PATH = "/v1/traces"
METRICS_PATH = "/v1/metrics"


@dataclass(frozen=True)
class ExportTarget:
    """One OTLP/HTTP collector: its traces URL, headers, and metrics URL if it takes metrics."""

    name: str
    traces_endpoint: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    metrics_endpoint: str | None = None


@dataclass(frozen=True)
class ExportPlan:
    """The collectors to export to, and notes on settings that were ignored (one line each)."""

    targets: tuple[ExportTarget, ...]
    notes: tuple[str, ...] = ()


def parse_headers(text: str) -> dict[str, str]:
    """`key=value,key2=value2` (percent-encoded, as in OTEL_EXPORTER_OTLP_HEADERS)."""
    headers: dict[str, str] = {}
    for item in text.split(","):
        key, separator, value = item.partition("=")
        if separator and key.strip():
            headers[unquote(key.strip()).lower()] = unquote(value.strip())
    return headers


def register_header_secret(value: str) -> None:
    """Mask an exporter header's value everywhere: they usually carry an API key.

    `Bearer KEY` registers KEY on its own as well, so the key is masked wherever it appears.
    """
    register_secret(value)
    scheme, _, credential = value.strip().partition(" ")
    if scheme and credential.strip():
        register_secret(credential.strip())


def _signal_url(base: str, path: str) -> str:
    return base.rstrip("/") + path


def _metrics_url_for(traces_url: str) -> str | None:
    return (
        traces_url[: -len(TRACES_PATH)] + METRICS_PATH if traces_url.endswith(TRACES_PATH) else None
    )


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _names(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def _environment_target(environ: Mapping[str, str], notes: list[str]) -> ExportTarget | None:
    base = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    traces = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if not base and not traces:
        return None
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol != "http/protobuf":
        notes.append(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported: soda-tui exports "
            "OTLP over http/protobuf only (set it to http/protobuf and point at port 4318)"
        )
        return None
    traces_url = traces or _signal_url(base, TRACES_PATH)
    metrics_url: str | None = environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "").strip()
    if not metrics_url:
        metrics_url = _signal_url(base, METRICS_PATH) if base else _metrics_url_for(traces_url)
    if "none" in _names(environ.get("OTEL_METRICS_EXPORTER")):
        metrics_url = None
    headers = parse_headers(
        environ.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
        or environ.get("OTEL_EXPORTER_OTLP_HEADERS", "")
    )
    return ExportTarget("otlp", traces_url, headers, metrics_url)


def plan_exports(
    *,
    otlp_endpoint: str | None,
    headers: Mapping[str, str],
    phoenix: bool,
    project_name: str,
    environ: Mapping[str, str],
    phoenix_endpoint: str = PHOENIX_ENDPOINT,
) -> ExportPlan:
    """Decide the collectors: the environment's OTLP endpoint wins over the config's; Phoenix adds one."""
    notes: list[str] = []
    if _flag(environ.get("OTEL_SDK_DISABLED")) or "none" in _names(
        environ.get("OTEL_TRACES_EXPORTER")
    ):
        return ExportPlan((), ("OpenTelemetry export is turned off by the environment",))
    targets: list[ExportTarget] = []
    from_environment = _environment_target(environ, notes)
    if from_environment is not None:
        if otlp_endpoint:
            notes.append(
                f"OTEL_EXPORTER_OTLP_ENDPOINT overrides [telemetry] otlp_endpoint = {otlp_endpoint}"
            )
        targets.append(from_environment)
    elif otlp_endpoint:
        targets.append(
            ExportTarget("otlp", otlp_endpoint, dict(headers), _metrics_url_for(otlp_endpoint))
        )
    for target in targets:
        for value in target.headers.values():
            register_header_secret(value)
    if phoenix:
        phoenix_headers = {PROJECT_HEADER: project_name}
        same = [t for t in targets if t.traces_endpoint.rstrip("/") == phoenix_endpoint.rstrip("/")]
        if same:
            same[0].headers.update(phoenix_headers)
        else:
            # Phoenix takes traces only: no metrics URL.
            targets.append(ExportTarget("phoenix", phoenix_endpoint, phoenix_headers))
    return ExportPlan(tuple(targets), tuple(notes))
