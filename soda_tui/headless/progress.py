"""A one-line progress display on stderr for long git work, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO


class StderrProgress:
    """Rewrites one status line in place (`\\r`), and clears it when done."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._width = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        line = message.strip().splitlines()[-1][:100] if message.strip() else ""
        padding = max(0, self._width - len(line))
        self.stream.write("\r" + line + " " * padding)
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        """Erase the progress line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
