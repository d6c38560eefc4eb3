"""Telemetry for `soda-tui` itself: started once in `cli.main`, shut down (within ~2 s) at exit."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from soda_tui.core.secrets import redact
from soda_tui.settings.errors import ConfigError
from soda_tui.settings.loading import load_settings
from soda_tui.settings.models import TelemetrySettings
from soda_tui.settings.paths import Paths
from soda_tui.telemetry.metrics import MetricsReport, metrics_for_paths
from soda_tui.telemetry.setup import Telemetry, TelemetryOptions
from soda_tui.telemetry.spans import command_span, end_command

# localhub is a server of its own: it traces nothing of the loop.
UNTRACED = frozenset({"localhub"})
# Long-running front ends: each action or worker step is a trace of its own, not one giant trace.
LONG_RUNNING = frozenset({None, "demo", "worker"})
# The dashboard shows past traces too, read back from the JSONL file.
WITH_HISTORY = frozenset({None, "demo"})


def cli_options(
    command: str | None, config: str | None, environ: Mapping[str, str] | None = None
) -> TelemetryOptions:
    """The telemetry options for one command line: the config's `[telemetry]`, its state dir."""
    try:
        loaded = load_settings(Path(config) if config else None, environ)
        settings, traces_dir = loaded.config.telemetry, loaded.paths.traces_dir
    except (ConfigError, OSError):
        # The command itself reports a broken config; tracing falls back to the defaults.
        settings, traces_dir = TelemetrySettings(), Paths.default(environ=environ).traces_dir
    return TelemetryOptions.from_settings(
        settings, traces_dir, history=command in WITH_HISTORY, environ=environ
    )


@contextmanager
def traced_cli(
    command: str | None, config: str | None, environ: Mapping[str, str] | None = None
) -> Iterator[Callable[[int], int]]:
    """Start telemetry around one command line and yield `note_exit(code) -> code`."""
    if command in UNTRACED:
        yield lambda code: code
        return
    try:
        telemetry = Telemetry.start(cli_options(command, config, environ))
    except (OSError, ValueError) as error:
        # Tracing is a help, never a reason for a command to fail: say so once and go on.
        sys.stderr.write(f"soda-tui: tracing is off ({redact(str(error))[:200]})\n")
        yield lambda code: code
        return
    try:
        if command in LONG_RUNNING:
            yield lambda code: code
            return
        with command_span(str(command)) as span:

            def note_exit(code: int) -> int:
                end_command(span, code)
                return code

            yield note_exit
    finally:
        telemetry.shutdown()


def metrics_for_config(
    config: Path | None,
    *,
    repos: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> MetricsReport:
    """`status --metrics`: the metrics of the state dir the config names (no GitHub request)."""
    return metrics_for_paths(load_settings(config, environ).paths, repos=repos or None)
