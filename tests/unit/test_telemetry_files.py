"""The JSONL trace file: one span per line, redacted, rotated by size, read back despite damage."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from soda_tui.core.secrets import Secret
from soda_tui.telemetry.jsonl import JsonlSpanExporter, read_records, rotated_files
from soda_tui.telemetry.records import SpanRecord


def write_spans(exporter: JsonlSpanExporter, names: list[str], **attributes: object) -> None:
    """Make one finished span per name through a real SDK provider into `exporter`."""
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    for name in names:
        with tracer.start_as_current_span(name, attributes=attributes):  # type: ignore[arg-type]
            pass


def test_spans_round_trip_through_the_file(tmp_path: Path) -> None:
    exporter = JsonlSpanExporter(tmp_path)
    write_spans(exporter, ["pop", "run"], **{"soda.repo": "acme/api", "soda.issue.number": 7})
    lines = exporter.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["name"] == "pop" and first["attributes"]["soda.issue.number"] == 7
    records = list(read_records(tmp_path))
    assert [record.name for record in records] == ["pop", "run"]
    assert records[0] == SpanRecord.from_json(first)
    assert records[0].end_ns is not None and records[0].parent_id is None
    assert oct(exporter.path.stat().st_mode & 0o777) == "0o600"


def test_the_file_never_holds_a_secret(tmp_path: Path) -> None:
    token = Secret("ghp_jsonlSecretValue0123456789")
    exporter = JsonlSpanExporter(tmp_path)
    write_spans(exporter, [f"push {token.reveal()}"], url=f"https://x:{token.reveal()}@host/")
    text = exporter.path.read_text(encoding="utf-8")
    assert token.reveal() not in text and "push ***" in text


def test_the_file_rotates_by_size_and_keeps_a_few_backups(tmp_path: Path) -> None:
    exporter = JsonlSpanExporter(tmp_path, max_bytes=2000, backups=2)
    write_spans(exporter, [f"span {index}" for index in range(60)], padding="x" * 100)
    files = rotated_files(tmp_path, backups=2)
    assert [path.name for path in files] == ["spans.2.jsonl", "spans.1.jsonl", "spans.jsonl"]
    assert all(path.stat().st_size <= 2000 for path in files)
    names = [record.name for record in read_records(tmp_path, backups=2)]
    assert names[-1] == "span 59"
    assert names == sorted(names, key=lambda name: int(name.split()[1]))  # oldest file first
    assert "span 0" not in names  # the oldest backup was dropped


def test_damaged_lines_are_skipped(tmp_path: Path) -> None:
    exporter = JsonlSpanExporter(tmp_path)
    write_spans(exporter, ["pop"])
    with exporter.path.open("a", encoding="utf-8") as handle:
        handle.write('{"trace_id": "cut in the mid\n')
        handle.write('["not", "a", "span"]\n\n')
    write_spans(exporter, ["run"])
    assert [record.name for record in read_records(tmp_path)] == ["pop", "run"]


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    writers = [JsonlSpanExporter(tmp_path, max_bytes=50_000, backups=3) for _ in range(3)]
    threads = [
        threading.Thread(target=write_spans, args=(writer, [f"w{index}-{n}" for n in range(80)]))
        for index, writer in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = [record.name for record in read_records(tmp_path, backups=3)]
    assert len(names) == 240 and len(set(names)) == 240


def test_spans_can_move_to_another_directory(tmp_path: Path) -> None:
    exporter = JsonlSpanExporter(tmp_path / "one")
    write_spans(exporter, ["first"])
    exporter.write_to(tmp_path / "two")
    write_spans(exporter, ["second"])
    assert [r.name for r in read_records(tmp_path / "one")] == ["first"]
    assert [r.name for r in read_records(tmp_path / "two")] == ["second"]
