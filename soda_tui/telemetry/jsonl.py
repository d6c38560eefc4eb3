"""The local trace file: one JSON span per line in `traces_dir/spans.jsonl`, rotated by size.

Several soda-tui processes (the dashboard, a headless command) may append at once: each batch is
written under an exclusive `flock`, and rotation happens under the same lock.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from soda_tui.telemetry.records import SpanRecord

log = logging.getLogger(__name__)

FILE_NAME = "spans.jsonl"
LOCK_NAME = ".spans.lock"
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_BACKUPS = 4


def rotated_files(directory: Path, backups: int = DEFAULT_BACKUPS) -> list[Path]:
    """The trace files in `directory`, oldest first (`spans.N.jsonl` … `spans.jsonl`)."""
    names = [f"spans.{index}.jsonl" for index in range(backups, 0, -1)] + [FILE_NAME]
    return [directory / name for name in names if (directory / name).is_file()]


def read_records(directory: Path, backups: int = DEFAULT_BACKUPS) -> Iterator[SpanRecord]:
    """Every span in the trace files, oldest file first; damaged lines are skipped and logged."""
    for path in rotated_files(directory, backups):
        try:
            handle = path.open(encoding="utf-8", errors="replace")
        except OSError as error:
            log.warning("cannot read trace file %s: %s", path, error.strerror)
            continue
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield SpanRecord.from_json(json.loads(line))
                except ValueError as error:
                    # A line cut by a crash or a full disk: the rest of the file is still good.
                    log.info("skipping line %d of %s: %s", number, path.name, error)


class JsonlSpanExporter(SpanExporter):
    """Appends finished spans to the rotating JSONL file (strings are redacted on the way)."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        backups: int = DEFAULT_BACKUPS,
    ) -> None:
        self._directory = Path(directory)
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self._closed = False

    @property
    def directory(self) -> Path:
        """Where the files go."""
        return self._directory

    def write_to(self, directory: Path) -> None:
        """Send the following spans to another directory (the demo keeps its own state)."""
        with self._lock:
            self._directory = Path(directory)

    @property
    def path(self) -> Path:
        """The file being appended to."""
        return self._directory / FILE_NAME

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._closed:
            return SpanExportResult.FAILURE
        text = "".join(
            json.dumps(SpanRecord.from_span(span).to_json(), ensure_ascii=False) + "\n"
            for span in spans
        )
        try:
            with self._lock, self._file_lock():
                self._rotate_if_full(len(text.encode("utf-8")))
                descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                    handle.write(text)
        except OSError as error:
            log.warning("cannot write trace file %s: %s", self.path, error.strerror or error)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        self._directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self._directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def _rotate_if_full(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0 or size + incoming <= self.max_bytes:
            return
        oldest = self._directory / f"spans.{self.backups}.jsonl"
        oldest.unlink(missing_ok=True)
        for index in range(self.backups - 1, 0, -1):
            older = self._directory / f"spans.{index}.jsonl"
            if older.exists():
                older.replace(self._directory / f"spans.{index + 1}.jsonl")
        if self.backups > 0:
            self.path.replace(self._directory / "spans.1.jsonl")
        else:
            self.path.unlink(missing_ok=True)

    def shutdown(self) -> None:
        self._closed = True

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
