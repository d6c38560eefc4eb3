"""Find table headers and the blocks they own in TOML source text, comments included.

tomlkit files a comment that sits above a header under the *previous* table, so removing a table
with it loses the next table's comment and keeps its own. Editing at the level of lines, with a
comment block owned by the header it sits on, keeps every comment next to what it describes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass


@dataclass(frozen=True)
class Header:
    """One `[table]` or `[[array.of.tables]]` line."""

    line: int
    key: tuple[str, ...]
    is_array: bool


@dataclass(frozen=True)
class Block:
    """A header's lines: its own comment block, the header, its keys and any trailing blanks."""

    header: Header
    start: int
    end: int
    content_end: int


def split_lines(text: str) -> list[str]:
    """The text's lines with their line endings kept."""
    return text.splitlines(keepends=True)


def headers(lines: list[str]) -> list[Header]:
    """Every table header, skipping lines inside multi-line strings and multi-line arrays."""
    found: list[Header] = []
    scanner = _Scanner()
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if scanner.at_top_level and stripped.startswith("["):
            key, is_array = _header_key(stripped)
            found.append(Header(line=index, key=key, is_array=is_array))
            continue
        scanner.feed(line)
    return found


def blocks(lines: list[str]) -> list[Block]:
    """Each header's block; a block runs until the comment block of the next header."""
    found = headers(lines)
    starts = [_comment_start(lines, header.line) for header in found]
    result = []
    for position, header in enumerate(found):
        end = starts[position + 1] if position + 1 < len(found) else len(lines)
        content_end = end
        while content_end > header.line + 1 and not lines[content_end - 1].strip():
            content_end -= 1
        result.append(
            Block(header=header, start=starts[position], end=end, content_end=content_end)
        )
    return result


def entries(lines: list[str], array_key: str) -> list[tuple[int, int, int]]:
    """`(start, content_end, end)` of each `[[array_key]]` entry, sub-tables included."""
    spans: list[list[int]] = []
    for block in blocks(lines):
        key = block.header.key
        if key == (array_key,) and block.header.is_array:
            spans.append([block.start, block.content_end, block.end])
        elif key[0] == array_key and spans and spans[-1][2] == block.start:
            # `[repos.agent]` right after its `[[repos]]` belongs to that entry.
            spans[-1][1:] = [block.content_end, block.end]
    return [(start, content_end, end) for start, content_end, end in spans]


def _comment_start(lines: list[str], header_line: int) -> int:
    """The first line of the comment block sitting directly on top of a header."""
    start = header_line
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return start


def _header_key(line: str) -> tuple[tuple[str, ...], bool]:
    """The dotted key a header line names, read by tomllib so quoting rules are TOML's own."""
    document = tomllib.loads(line if line.endswith("\n") else line + "\n")
    key: list[str] = []
    node: object = document
    is_array = False
    while isinstance(node, dict) and len(node) == 1:
        name, node = next(iter(node.items()))
        key.append(name)
        if isinstance(node, list):
            is_array = True
            node = node[-1]
    return tuple(key), is_array


class _Scanner:
    """Tracks whether the next line starts at the top level of the document."""

    def __init__(self) -> None:
        self.multiline: str | None = None  # the delimiter of an open multi-line string
        self.depth = 0  # unclosed brackets and braces of a value

    @property
    def at_top_level(self) -> bool:
        return self.multiline is None and self.depth == 0

    def feed(self, line: str) -> None:
        index = 0
        while index < len(line):
            if self.multiline is not None:
                index = self._in_multiline(line, index)
                continue
            char = line[index]
            if char == "#":
                return
            if line.startswith(('"""', "'''"), index):
                self.multiline = line[index : index + 3]
                index += 3
            elif char in "\"'":
                index = _skip_string(line, index)
            else:
                if char in "[{":
                    self.depth += 1
                elif char in "]}":
                    self.depth = max(0, self.depth - 1)
                index += 1

    def _in_multiline(self, line: str, index: int) -> int:
        delimiter = self.multiline or ""
        if delimiter == '"""' and line[index] == "\\":
            return index + 2
        if line.startswith(delimiter, index):
            # Up to two quotes may end the content right before the closing delimiter.
            run = len(line[index:]) - len(line[index:].lstrip(delimiter[0]))
            self.multiline = None
            return index + min(run, 5)
        return index + 1


def _skip_string(line: str, index: int) -> int:
    """The index just past the one-line string that opens at `index`."""
    quote = line[index]
    position = index + 1
    while position < len(line):
        if quote == '"' and line[position] == "\\":
            position += 2
            continue
        if line[position] == quote:
            return position + 1
        position += 1
    return position
