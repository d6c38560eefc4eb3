"""Turning agent output into events and a verdict: the shared protocol, plain, Aider, Codex."""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from soda_tui.agents.events import (
    AgentEvent,
    AgentText,
    LogStream,
    Outcome,
    TokenUsage,
    ToolCall,
    UsageLimit,
)
from soda_tui.agents.usage_limits import parse_usage_limit

REASON_CHARS = 200
SUMMARY_CHARS = 160
RECENT_LINES = 20
# Recent lines serve one-line reasons and limit checks: keep their start, not a 4 MiB line.
RECENT_LINE_CHARS = 2000


def one_line(text: str, limit: int = REASON_CHARS) -> str:
    """Collapse whitespace to single spaces and cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass
class Parsed:
    """What one line of output meant: events, and the readable lines to show for it."""

    events: list[AgentEvent] = field(default_factory=list)
    display: list[tuple[LogStream, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    """How the agent itself says its run went, judged once the process exited on its own."""

    outcome: Outcome
    reason: str
    usage_limit: UsageLimit | None = None


class StreamParser(Protocol):
    """Reads an agent's output line by line and judges the run at the end."""

    def feed(self, stream: LogStream, line: str, now: datetime) -> Parsed:
        """Interpret one line (without its newline) from stdout or stderr."""
        ...

    def finish(self, exit_code: int, now: datetime) -> Verdict:
        """Judge the run once the process exited with `exit_code`."""
        ...


def json_object(line: str) -> tuple[dict[str, object] | None, str | None]:
    """Decode one stream line: (object, None), (None, None) for plain text, or (None, warning).

    Lines that do not start with `{` are plain text some CLIs mix into their JSON stream; a line
    that starts with `{` and does not decode is worth a warning, never a crash.
    """
    text = line.strip()
    if not text.startswith("{"):
        return None, None
    try:
        decoded = json.loads(text)
    except ValueError as error:
        excerpt = text[:REASON_CHARS]
        return None, one_line(f"unreadable JSON line ({len(text)} chars, {error}): {excerpt}")
    if not isinstance(decoded, dict):
        return None, None
    return decoded, None


def exit_description(exit_code: int) -> str:
    """Say how a process ended: `exit code N`, or the signal that killed it (shell numbering)."""
    if exit_code > 128:
        return f"exit code {exit_code} (signal {exit_code - 128})"
    return f"exit code {exit_code}"


class PlainParser:
    """Any CLI agent: every line is shown as is, the exit code decides, limit text is recognised."""

    agent_name = "the agent"

    def __init__(self) -> None:
        self._recent: deque[str] = deque(maxlen=RECENT_LINES)
        self._recent_stderr: deque[str] = deque(maxlen=RECENT_LINES)

    def remember(self, stream: LogStream, line: str) -> None:
        """Keep a line for the failure reason and the usage-limit check at the end."""
        if not line.strip():
            return
        line = line[:RECENT_LINE_CHARS]
        self._recent.append(line)
        if stream == "stderr":
            self._recent_stderr.append(line)

    def feed(self, stream: LogStream, line: str, now: datetime) -> Parsed:
        self.remember(stream, line)
        return Parsed(display=[(stream, line)])

    def limit_from_output(self, now: datetime) -> UsageLimit | None:
        """A usage limit announced in the recent output (only asked after a non-zero exit)."""
        for line in reversed(self._recent):
            limit = parse_usage_limit(line, now)
            if limit is not None:
                return limit
        return None

    def failure_detail(self) -> str:
        """The most telling recent line: the last one on stderr, else the last one at all."""
        if self._recent_stderr:
            return self._recent_stderr[-1]
        return self._recent[-1] if self._recent else ""

    def finish(self, exit_code: int, now: datetime) -> Verdict:
        if exit_code == 0:
            return Verdict("succeeded", f"{self.agent_name} exited 0")
        limit = self.limit_from_output(now)
        if limit is not None:
            return Verdict("usage_limited", one_line(limit.message), limit)
        detail = self.failure_detail()
        reason = f"{self.agent_name} failed with {exit_description(exit_code)}"
        return Verdict("failed", one_line(f"{reason}: {detail}" if detail else reason))


_AIDER_EDIT = re.compile(r"Applied edit to (?P<path>.+)")
_AIDER_COMMIT = re.compile(r"Commit (?P<sha>[0-9a-f]{7,40}) (?P<message>.+)")
_AIDER_TOKENS = re.compile(r"Tokens: (?P<parts>.+?)\.(?: Cost: (?P<cost>.+))?$")
_AIDER_SESSION_COST = re.compile(r"\$(?P<amount>[\d.]+) session")
_AIDER_COUNT = re.compile(
    r"(?P<count>[\d.]+)(?P<suffix>[kKmM]?) (?P<kind>sent|received|cache write|cache hit)"
)


def _aider_count(count: str, suffix: str) -> int:
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()]
    return round(float(count) * scale)


class AiderParser(PlainParser):
    """Aider's plain console output: edits, commits and its token/cost report lines."""

    agent_name = "aider"

    def __init__(self) -> None:
        super().__init__()
        self._input = 0
        self._output = 0
        self._cache_read = 0
        self._cache_write = 0
        self._cost: float | None = None

    def feed(self, stream: LogStream, line: str, now: datetime) -> Parsed:
        parsed = super().feed(stream, line, now)
        text = line.strip()
        if (edit := _AIDER_EDIT.fullmatch(text)) is not None:
            parsed.events.append(ToolCall("Edit", one_line(edit.group("path"), SUMMARY_CHARS)))
        elif (commit := _AIDER_COMMIT.fullmatch(text)) is not None:
            summary = f"{commit.group('sha')} {commit.group('message')}"
            parsed.events.append(ToolCall("Commit", one_line(summary, SUMMARY_CHARS)))
        elif (tokens := _AIDER_TOKENS.match(text)) is not None:
            parsed.events.append(self._add_tokens(tokens))
        return parsed

    def _add_tokens(self, tokens: re.Match[str]) -> TokenUsage:
        # Each report covers one message; the session cost is already a running total.
        for part in _AIDER_COUNT.finditer(tokens.group("parts")):
            amount = _aider_count(part.group("count"), part.group("suffix"))
            kind = part.group("kind")
            if kind == "sent":
                self._input += amount
            elif kind == "received":
                self._output += amount
            elif kind == "cache write":
                self._cache_write += amount
            else:
                self._cache_read += amount
        if tokens.group("cost") and (cost := _AIDER_SESSION_COST.search(tokens.group("cost"))):
            self._cost = float(cost.group("amount"))
        return TokenUsage(
            self._input, self._output, self._cache_read, self._cache_write, self._cost
        )


def as_text(value: object) -> str:
    """`value` when it is a string, else an empty string (JSON from agents is untrusted)."""
    return value if isinstance(value, str) else ""


def as_mapping(value: object) -> dict[str, object]:
    """`value` when it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_int(value: object) -> int:
    """`value` when it is an integer (not a bool), else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class CodexParser(PlainParser):
    """`codex exec --json` JSONL: items become tool calls and text; turns decide the verdict."""

    agent_name = "codex"

    def __init__(self) -> None:
        super().__init__()
        self._completed = False
        self._failure: str | None = None
        self._limit: UsageLimit | None = None

    def feed(self, stream: LogStream, line: str, now: datetime) -> Parsed:
        event, warning = json_object(line)
        if warning is not None:
            return Parsed(display=[("soda", warning)])
        if event is None:
            return super().feed(stream, line, now)
        parsed = Parsed()
        kind = as_text(event.get("type"))
        if kind == "thread.started":
            parsed.display.append((stream, f"session {as_text(event.get('thread_id'))}"))
        elif kind == "turn.completed":
            self._completed = True
            self._failure = None
            usage = as_mapping(event.get("usage"))
            cached = as_int(usage.get("cached_input_tokens"))
            # One report says usage is a running total for the thread: keep the last, never sum.
            parsed.events.append(
                TokenUsage(
                    input_tokens=max(0, as_int(usage.get("input_tokens")) - cached),
                    output_tokens=as_int(usage.get("output_tokens")),
                    cache_read=cached,
                )
            )
        elif kind in ("turn.failed", "error"):
            error = as_mapping(event.get("error")) if kind == "turn.failed" else event
            message = as_text(error.get("message")) or kind
            self._completed = False
            self._failure = one_line(message)
            parsed.display.append(("stderr", f"error: {message}"))
            limit = parse_usage_limit(message, now)
            if limit is not None:
                self._limit = limit
                parsed.events.append(limit)
        elif kind.startswith("item."):
            self._item(kind, as_mapping(event.get("item")), stream, parsed)
        return parsed

    def _item(self, kind: str, item: dict[str, object], stream: LogStream, parsed: Parsed) -> None:
        if kind != "item.completed":
            return
        # Builds before Oct 2025 said item_type / assistant_message: accept both spellings.
        item_type = as_text(item.get("type")) or as_text(item.get("item_type"))
        if item_type in ("agent_message", "assistant_message"):
            text = as_text(item.get("text"))
            parsed.events.append(AgentText(text))
            parsed.display.extend((stream, part) for part in text.splitlines() if part.strip())
            return
        call: ToolCall | None = None
        if item_type == "command_execution":
            call = ToolCall("Bash", one_line(as_text(item.get("command")), SUMMARY_CHARS))
        elif item_type == "file_change":
            changes = item.get("changes")
            changes = changes if isinstance(changes, list) else []
            paths = [as_text(as_mapping(change).get("path")) for change in changes]
            call = ToolCall("Edit", one_line(", ".join(paths), SUMMARY_CHARS))
        elif item_type == "mcp_tool_call":
            name = f"{as_text(item.get('server'))}.{as_text(item.get('tool'))}"
            call = ToolCall(name, one_line(json.dumps(item.get("arguments")), SUMMARY_CHARS))
        elif item_type == "web_search":
            call = ToolCall("WebSearch", one_line(as_text(item.get("query")), SUMMARY_CHARS))
        elif item_type == "error":
            parsed.display.append(("stderr", f"error: {as_text(item.get('message'))}"))
        if call is not None:
            parsed.events.append(call)
            parsed.display.append((stream, f"→ {call.name}: {call.summary}"))

    def finish(self, exit_code: int, now: datetime) -> Verdict:
        limit = self._limit or (self.limit_from_output(now) if exit_code != 0 else None)
        if limit is not None and not (self._completed and exit_code == 0):
            return Verdict("usage_limited", one_line(limit.message), limit)
        if self._failure is not None:
            return Verdict("failed", f"codex turn failed: {self._failure}")
        if exit_code != 0:
            return super().finish(exit_code, now)
        if not self._completed:
            return Verdict("failed", "codex exited 0 without completing its turn")
        return Verdict("succeeded", "codex completed its turn", limit)
