"""Progress of clone, fetch and push: raw git progress bytes in, text lines and fractions out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

ProgressCallback = Callable[[str], None]

_counted = re.compile(
    r"^(?P<phase>[A-Za-z][A-Za-z ]*?):\s+(?P<percent>\d{1,3})% \((?P<done>\d+)/(?P<total>\d+)\)"
)


@dataclass(frozen=True)
class ProgressUpdate:
    """One phase's progress, parsed from a line like `Receiving objects:  45% (9/20)`."""

    phase: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        """How far the phase is, from 0.0 to 1.0."""
        return min(1.0, self.done / self.total) if self.total else 1.0


def parse_progress(line: str) -> ProgressUpdate | None:
    """The counted progress in a git progress line, or None for a line without counts."""
    match = _counted.match(line.strip())
    if match is None:
        return None
    return ProgressUpdate(match["phase"], int(match["done"]), int(match["total"]))


class ProgressRelay:
    """Receives git progress bytes, splits them at CR or LF and hands each line to a callback."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._pending = b""

    def __call__(self, data: bytes | str) -> None:
        """Accept a chunk of progress output (dulwich hands over bytes, its pack writer text)."""
        if self._callback is None or not data:
            return
        self._pending += data.encode("utf-8") if isinstance(data, str) else data
        *complete, self._pending = re.split(rb"[\r\n]", self._pending)
        for raw in complete:
            self._emit(raw)

    def say(self, line: str) -> None:
        """Report a line of our own (a phase git does not describe)."""
        if self._callback is not None and line:
            self._callback(line)

    def close(self) -> None:
        """Hand over whatever is left without a line end."""
        if self._pending:
            self._emit(self._pending)
            self._pending = b""

    def _emit(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").strip()
        if text.startswith("remote:"):
            text = text[len("remote:") :].strip()
        if text and self._callback is not None:
            self._callback(text)
