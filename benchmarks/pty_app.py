"""Run a terminal program in a pseudo-terminal, drain its output, and time when texts first show."""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from benchmarks.common import cpu_seconds, rss_kib

# Escape sequences: CSI, OSC (ended by BEL or ST), DCS/APC strings, and two-byte escapes.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[P_^][^\x1b]*\x1b\\"
    r"|\x1b[@-Z\\-_=>]"
)
MAX_TEXT = 200_000  # characters of recent screen text kept (for error messages)
OVERLAP = 512  # characters of older text searched with each new read, for texts cut by a read


def strip_escapes(text: str) -> str:
    """The printable text of terminal output, escape sequences removed."""
    return _ESCAPES.sub("", text)


class PtyApp:
    """A child process on a pty of a given size; a thread drains its output and marks texts."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        columns: int = 200,
        rows: int = 60,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.size = (rows, columns)
        self.started = 0.0
        self.bytes_read = 0
        self.first_output: float | None = None
        self._text = ""
        self._carry = ""  # an escape sequence cut by a chunk boundary waits for its end
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._seen: dict[str, float] = {}
        self._watched: dict[str, re.Pattern[str]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._master = -1
        self.process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self.on_text: Callable[[int, str], None] | None = None
        """Called from the reader thread with (CLOCK_MONOTONIC ns, screen text) for each read."""

    def watch(self, name: str, pattern: str) -> None:
        """Record the time `pattern` (a regex over screen text) first shows, as `name`."""
        with self._lock:
            self._watched[name] = re.compile(pattern)
            self._match_locked(self._text)

    def start(self) -> PtyApp:
        """Start the child on a new pty."""
        master, slave = os.openpty()
        rows, columns = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,  # its own session, so the pty becomes its terminal
            close_fds=True,
        )
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                chunk = b""  # EIO: the child closed the terminal
            now, now_ns = time.perf_counter(), time.monotonic_ns()
            with self._lock:
                if not chunk:
                    self._changed.notify_all()
                    return
                if self.first_output is None:
                    self.first_output = now
                self.bytes_read += len(chunk)
                watching = len(self._watched) > len(self._seen)
                if watching or self.on_text is not None:
                    printable = self._printable(chunk)
                    if self.on_text is not None:
                        self.on_text(now_ns, printable)
                    if watching:
                        # Only the new text and a short overlap are searched: the reader must
                        # keep up with the app, or the app blocks writing to its terminal.
                        recent = self._text[-OVERLAP:] + printable
                        self._text = (self._text + printable)[-MAX_TEXT:]
                        self._match_locked(recent, now)
                self._changed.notify_all()

    def _printable(self, chunk: bytes) -> str:
        text = self._carry + self._decoder.decode(chunk)
        cut = text.rfind("\x1b")
        if cut >= 0 and len(text) - cut < 256 and _ESCAPES.match(text, cut) is None:
            text, self._carry = text[:cut], text[cut:]
        else:
            self._carry = ""
        return strip_escapes(text)

    def _match_locked(self, text: str, now: float | None = None) -> None:
        for name, pattern in self._watched.items():
            if name not in self._seen and pattern.search(text):
                self._seen[name] = now if now is not None else time.perf_counter()

    def wait_for(self, name: str, timeout: float) -> float | None:
        """Seconds from start until the watched text `name` showed, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while name not in self._seen:
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    return None
                self._changed.wait(min(left, 0.5))
            return self._seen[name] - self.started

    def screen_text(self, last: int = 2000) -> str:
        """The tail of the text the program printed (for error messages)."""
        with self._lock:
            return self._text[-last:]

    def alive(self) -> bool:
        """Whether the child still runs."""
        return self.process is not None and self.process.poll() is None

    def cpu_seconds(self) -> float:
        """The child's CPU time so far."""
        return cpu_seconds(self.process.pid) if self.process is not None else 0.0

    def rss_kib(self) -> int:
        """The child's resident memory."""
        return rss_kib(self.process.pid) if self.process is not None else 0

    def send(self, keys: bytes) -> None:
        """Type into the program."""
        os.write(self._master, keys)

    def stop(
        self, quit_keys: Sequence[bytes] = (b"\x11",), key_wait: float = 3.0, grace: float = 10.0
    ) -> int | None:
        """Ask it to quit with `quit_keys` (one per try), then TERM, then KILL; returns the code."""
        process = self.process
        if process is None:
            return None
        for keys in quit_keys:
            if process.poll() is not None:
                break
            try:
                self.send(keys)
            except OSError:
                break
            try:
                process.wait(timeout=key_wait)
            except subprocess.TimeoutExpired:
                continue
        for signum in (signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            # Only this child's own session: it was started with start_new_session.
            os.killpg(process.pid, signum)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1
        return process.returncode

    def __enter__(self) -> PtyApp:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
