"""The ring buffer stays bounded; the line splitter never grows past its limit or halves a char."""

from __future__ import annotations

import pytest

from soda_tui.agents.logbuffer import LineSplitter, LogBuffer, truncate_line


def test_ring_keeps_only_the_last_lines() -> None:
    buffer = LogBuffer(max_lines=3, max_line_bytes=100)
    for index in range(10):
        buffer.append(f"line {index}")
    assert len(buffer) == 3
    assert buffer.lines() == ["line 7", "line 8", "line 9"]
    assert buffer.tail(2) == ["line 8", "line 9"]
    assert buffer.tail(50) == ["line 7", "line 8", "line 9"]
    assert buffer.tail(0) == []
    assert buffer.appended == 10


def test_huge_line_is_cut_with_a_marker() -> None:
    buffer = LogBuffer(max_lines=5, max_line_bytes=1000)
    kept = buffer.append("x" * 50_000)
    assert kept.startswith("x" * 1000)
    assert "49000 more characters cut" in kept
    assert len(kept.encode()) < 1100
    assert buffer.byte_size() == len(kept.encode())


def test_truncation_respects_multibyte_characters() -> None:
    text = "é" * 10  # two bytes each
    cut = truncate_line(text, 5)
    assert cut.startswith("éé ")
    assert "8 more characters cut" in cut
    assert truncate_line("short", 5) == "short"


def test_since_returns_what_a_reader_has_not_seen() -> None:
    buffer = LogBuffer(max_lines=4, max_line_bytes=100)
    buffer.append("a")
    seen, cursor = buffer.since(0)
    assert seen == ["a"] and cursor == 1
    for item in "bcdefg":
        buffer.append(item)
    unseen, cursor = buffer.since(cursor)
    assert unseen == ["d", "e", "f", "g"]  # b and c fell out of the ring
    assert buffer.since(cursor) == ([], 7)


def test_subscribers_get_lines_until_they_leave() -> None:
    buffer = LogBuffer(max_lines=4, max_line_bytes=4)
    received: list[str] = []
    unsubscribe = buffer.subscribe(received.append)
    buffer.append("one")
    buffer.append("longer line")
    unsubscribe()
    buffer.append("two")
    assert received[0] == "one"
    assert received[1].startswith("long") and "cut" in received[1]
    assert len(received) == 2


def test_buffer_needs_room() -> None:
    with pytest.raises(ValueError):
        LogBuffer(max_lines=0)


def test_splitter_joins_chunks_and_strips_line_endings() -> None:
    splitter = LineSplitter(limit=100)
    assert splitter.feed(b"hel") == []
    assert splitter.feed(b"lo\r\nwor") == ["hello"]
    assert splitter.feed(b"ld\n\nlast") == ["world", ""]
    assert splitter.flush() == ["last"]
    assert splitter.flush() == []


def test_splitter_cuts_long_lines_without_halving_characters() -> None:
    splitter = LineSplitter(limit=10)
    pieces = splitter.feed("aaaaaaaaa€bbbb".encode())  # the euro sign is 3 bytes at offset 9
    assert pieces == ["aaaaaaaaa"]
    assert splitter.feed(b"\n") == ["€bbbb"]
    long_line = ("x" * 25 + "\n").encode()
    assert LineSplitter(limit=10).feed(long_line) == ["x" * 10, "x" * 10, "x" * 5]


def test_splitter_memory_stays_bounded_without_newlines() -> None:
    splitter = LineSplitter(limit=1024)
    total = 0
    for _ in range(200):
        for piece in splitter.feed(b"y" * 700):
            assert len(piece) <= 1024
            total += len(piece)
        assert len(splitter._buffer) < 1024
    total += sum(len(piece) for piece in splitter.flush())
    assert total == 200 * 700


def test_splitter_replaces_invalid_utf8() -> None:
    assert LineSplitter().feed(b"ok \xff\xfe bytes\n") == ["ok \ufffd\ufffd bytes"]
