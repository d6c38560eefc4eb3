"""What the exporters complained about, kept for the screen and `status` instead of stderr.

The OpenTelemetry SDK logs failed exports (an unreachable collector, a full queue) as warnings;
left alone, Python would print them over the dashboard or a headless command's one-line output.
A router attached once per process sends them to the health of every active `Telemetry`.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from soda_tui.core.secrets import redact

ROUTED_LOGGERS = ("opentelemetry", "soda_tui.telemetry")
KEEP = 20


class ExportHealth:
    """The last problems reported while exporting (redacted, one line each, newest last)."""

    def __init__(self, keep: int = KEEP) -> None:
        self._problems: deque[str] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.count = 0

    def note(self, message: str) -> None:
        """Remember one problem."""
        line = redact(message.strip().splitlines()[0] if message.strip() else message)
        with self._lock:
            self._problems.append(line)
            self.count += 1

    @property
    def problems(self) -> list[str]:
        """The kept problems, oldest first."""
        with self._lock:
            return list(self._problems)

    @property
    def last(self) -> str | None:
        """The newest problem, if any."""
        with self._lock:
            return self._problems[-1] if self._problems else None


class _Router(logging.Handler):
    def __init__(self, sinks: Callable[[], list[ExportHealth]]) -> None:
        super().__init__(logging.WARNING)
        self._sinks = sinks

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = f"{record.name}: {record.getMessage()}"
        except (TypeError, ValueError):
            message = f"{record.name}: {record.msg}"
        for health in self._sinks():
            health.note(message)


_installed = False
_install_lock = threading.Lock()


def route_export_logs(sinks: Callable[[], list[ExportHealth]]) -> None:
    """Send the SDK's and our telemetry loggers' warnings to `sinks()` (once per process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        router = _Router(sinks)
        for name in ROUTED_LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(router)
            # Never to stderr: the health is shown where the user looks (screen, status).
            logger.propagate = False
        _installed = True
