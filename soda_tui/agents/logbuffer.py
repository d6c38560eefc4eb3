"""A bounded ring of a run's recent output lines that viewers can tail and subscribe to."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

DEFAULT_MAX_LINES = 2000
DEFAULT_MAX_LINE_BYTES = 64 * 1024


def truncate_line(line: str, max_bytes: int) -> str:
    """`line` cut to at most `max_bytes` of UTF-8 plus a marker saying how much was dropped."""
    if len(line) * 4 <= max_bytes:
        return line  # no character takes more than 4 bytes, so it fits without encoding
    # Encode only a prefix: a huge line must not be copied whole just to be cut.
    head = line[: max_bytes + 1].encode("utf-8", errors="replace")
    if len(head) <= max_bytes and len(line) <= max_bytes:
        return line
    kept = head[:max_bytes].decode("utf-8", errors="ignore")
    return f"{kept} … [{len(line) - len(kept)} more characters cut]"


class LogBuffer:
    """Keeps the last `max_lines` lines, each at most `max_line_bytes` (plus a cut marker).

    Memory stays bounded whatever the agent prints. `appended` counts every line ever added,
    so a reader can ask for what it has not seen yet with `since(cursor)`.
    """

    def __init__(
        self, max_lines: int = DEFAULT_MAX_LINES, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    ) -> None:
        if max_lines < 1 or max_line_bytes < 1:
            raise ValueError("a log buffer needs room for at least one line of one byte")
        self.max_lines = max_lines
        self.max_line_bytes = max_line_bytes
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._appended = 0
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[str], None]] = []

    def append(self, line: str) -> str:
        """Add one line (truncated when too long), tell subscribers, and return what was kept."""
        kept = truncate_line(line, self.max_line_bytes)
        with self._lock:
            self._lines.append(kept)
            self._appended += 1
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber(kept)
        return kept

    def tail(self, count: int) -> list[str]:
        """The last `count` lines, oldest first."""
        if count <= 0:
            return []
        with self._lock:
            lines = list(self._lines)
        return lines[-count:]

    def lines(self) -> list[str]:
        """Every line still held, oldest first."""
        with self._lock:
            return list(self._lines)

    @property
    def appended(self) -> int:
        """How many lines were ever appended (a cursor for `since`)."""
        return self._appended

    def since(self, cursor: int) -> tuple[list[str], int]:
        """Lines appended after `cursor` that are still held, and the new cursor."""
        with self._lock:
            held = len(self._lines)
            missed = max(0, self._appended - cursor)
            lines = list(self._lines)[held - min(missed, held) :] if missed else []
            return lines, self._appended

    def subscribe(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call `callback` with every line added from now on; returns the unsubscribe function."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def byte_size(self) -> int:
        """UTF-8 bytes held across all lines (for checking the bound)."""
        with self._lock:
            return sum(len(line.encode("utf-8", errors="replace")) for line in self._lines)

    def __len__(self) -> int:
        with self._lock:
            return len(self._lines)


# Only 64 KiB of a line is kept anyway; a larger read chunk only costs peak memory (an agent
# printing 100 MB without a newline peaked at ~40 MB with 8 MiB chunks).
DEFAULT_READ_LINE_LIMIT = 1024 * 1024


def _char_boundary(data: bytearray, cut: int) -> int:
    # Step back over UTF-8 continuation bytes so a split never halves a character.
    if cut >= len(data):
        return len(data)
    for offset in range(4):
        if cut - offset <= 0:
            break
        if data[cut - offset] & 0xC0 != 0x80:
            return cut - offset
    return cut


class LineSplitter:
    """Splits a byte stream into text lines; a line longer than `limit` bytes comes out in pieces.

    Memory stays under about `limit` plus one chunk whatever the stream holds (no newline for
    50 MB included), and no piece ever splits a UTF-8 character.
    """

    def __init__(self, limit: int = DEFAULT_READ_LINE_LIMIT) -> None:
        if limit < 4:
            raise ValueError("the line limit must be at least 4 bytes")
        self.limit = limit
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[str]:
        """Add bytes and return every complete line (or over-long piece) they finish."""
        scan_from = len(self._buffer)
        self._buffer += data
        lines: list[str] = []
        start = 0
        while (newline := self._buffer.find(b"\n", max(start, scan_from))) >= 0:
            lines.extend(self._pieces(start, newline))
            start = newline + 1
        del self._buffer[:start]
        while len(self._buffer) >= self.limit:
            cut = _char_boundary(self._buffer, self.limit)
            lines.append(_decode(self._buffer[:cut]))
            del self._buffer[:cut]
        return lines

    def _pieces(self, start: int, end: int) -> list[str]:
        pieces = []
        while end - start > self.limit:
            cut = _char_boundary(self._buffer, start + self.limit)
            pieces.append(_decode(self._buffer[start:cut]))
            start = cut
        pieces.append(_decode(self._buffer[start:end]))
        return pieces

    def flush(self) -> list[str]:
        """The last unterminated line, if any, at end of stream."""
        if not self._buffer:
            return []
        line = _decode(self._buffer)
        self._buffer.clear()
        return [line]


def _decode(data: bytes | bytearray) -> str:
    text = data.decode("utf-8", errors="replace")
    return text[:-1] if text.endswith("\r") else text
