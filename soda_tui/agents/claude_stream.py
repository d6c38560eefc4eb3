"""Claude Code's `--output-format stream-json` output: events, readable lines and the verdict."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from soda_tui.agents.events import AgentText, LogStream, TokenUsage, ToolCall, UsageLimit
from soda_tui.agents.parsers import (
    SUMMARY_CHARS,
    Parsed,
    PlainParser,
    Verdict,
    as_int,
    as_mapping,
    as_text,
    exit_description,
    json_object,
    one_line,
)
from soda_tui.agents.usage_limits import mentions_usage_limit, parse_usage_limit

# Which input field says best what a tool call does, per Claude Code tool.
_SUMMARY_FIELDS = {
    "Bash": "command",
    "Read": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "Write": "file_path",
    "NotebookEdit": "notebook_path",
    "Glob": "pattern",
    "Grep": "pattern",
    "WebFetch": "url",
    "WebSearch": "query",
    "Task": "description",
}


def tool_summary(name: str, tool_input: object) -> str:
    """One line saying what a tool call does (the command, the file, the pattern)."""
    fields = as_mapping(tool_input)
    key = _SUMMARY_FIELDS.get(name)
    if key is not None and isinstance(fields.get(key), str):
        return one_line(as_text(fields[key]), SUMMARY_CHARS)
    return one_line(json.dumps(tool_input, ensure_ascii=False, default=str), SUMMARY_CHARS)


def usage_from(usage: dict[str, object], cost: float | None = None) -> TokenUsage:
    """TokenUsage from an Anthropic `usage` object."""
    return TokenUsage(
        input_tokens=as_int(usage.get("input_tokens")),
        output_tokens=as_int(usage.get("output_tokens")),
        cache_read=as_int(usage.get("cache_read_input_tokens")),
        cache_write=as_int(usage.get("cache_creation_input_tokens")),
        cost_usd=cost,
    )


@dataclass(frozen=True)
class ClaudeResult:
    """The facts of the final `result` line that decide the run."""

    subtype: str
    is_error: bool
    text: str
    terminal_reason: str
    api_error_status: int | None


class ClaudeStreamParser(PlainParser):
    """Parses stream-json lines; the final `result` decides success, whatever the exit code."""

    agent_name = "Claude Code"

    def __init__(self) -> None:
        super().__init__()
        self.result: ClaudeResult | None = None
        self.usage_limit: UsageLimit | None = None
        # Claude repeats a message's usage on every content block of it: count each message once.
        self._message_usage: dict[str, TokenUsage] = {}

    def feed(self, stream: LogStream, line: str, now: datetime) -> Parsed:
        if stream == "stderr":
            return super().feed(stream, line, now)
        event, warning = json_object(line)
        if warning is not None:
            return Parsed(display=[("soda", warning)])
        if event is None:
            # Plain text on stdout, e.g. `[SandboxDebug] …` or a bare usage-limit line.
            return super().feed(stream, line, now)
        parsed = Parsed()
        kind = as_text(event.get("type"))
        if kind == "system":
            self._system(event, parsed)
        elif kind == "assistant":
            self._assistant(event, parsed)
        elif kind == "user":
            self._tool_results(event, parsed)
        elif kind == "rate_limit_event":
            self._rate_limit(as_mapping(event.get("rate_limit_info")), parsed)
        elif kind == "result":
            self._result(event, now, parsed)
        return parsed

    def _system(self, event: dict[str, object], parsed: Parsed) -> None:
        subtype = as_text(event.get("subtype"))
        if subtype == "init":
            tools = event.get("tools")
            count = len(tools) if isinstance(tools, list) else 0
            model = as_text(event.get("model")) or "default model"
            parsed.display.append(("stdout", f"session started ({model}, {count} tools)"))
        elif subtype == "api_retry":
            error = as_text(event.get("error")) or "unknown error"
            parsed.display.append(("stdout", f"API retry: {error}"))

    def _assistant(self, event: dict[str, object], parsed: Parsed) -> None:
        message = as_mapping(event.get("message"))
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            fields = as_mapping(block)
            block_type = as_text(fields.get("type"))
            if block_type == "text":
                text = as_text(fields.get("text"))
                if text.strip():
                    parsed.events.append(AgentText(text))
                    parsed.display.extend(("stdout", part) for part in text.splitlines())
            elif block_type == "tool_use":
                name = as_text(fields.get("name")) or "tool"
                call = ToolCall(name, tool_summary(name, fields.get("input")))
                parsed.events.append(call)
                parsed.display.append(("stdout", f"→ {call.name}: {call.summary}"))
        usage = message.get("usage")
        if isinstance(usage, dict):
            self._message_usage[as_text(message.get("id")) or str(len(self._message_usage))] = (
                usage_from(usage)
            )
            parsed.events.append(self.running_usage())
        error = as_text(event.get("error"))
        if error:
            parsed.display.append(("stderr", f"assistant error: {error}"))

    def running_usage(self) -> TokenUsage:
        """Tokens counted so far from the assistant messages (the result replaces this)."""
        totals = list(self._message_usage.values())
        return TokenUsage(
            input_tokens=sum(item.input_tokens for item in totals),
            output_tokens=sum(item.output_tokens for item in totals),
            cache_read=sum(item.cache_read for item in totals),
            cache_write=sum(item.cache_write for item in totals),
        )

    def _tool_results(self, event: dict[str, object], parsed: Parsed) -> None:
        content = as_mapping(event.get("message")).get("content")
        for block in content if isinstance(content, list) else []:
            fields = as_mapping(block)
            if as_text(fields.get("type")) != "tool_result":
                continue
            result = fields.get("content")
            if isinstance(result, list):
                result = " ".join(as_text(as_mapping(part).get("text")) for part in result)
            marker = "✗" if fields.get("is_error") is True else "⎿"
            parsed.display.append(("stdout", f"  {marker} {one_line(as_text(result), 200)}"))

    def _rate_limit(self, info: dict[str, object], parsed: Parsed) -> None:
        status = as_text(info.get("status"))
        window = as_text(info.get("rateLimitType")) or "usage"
        resets = info.get("resetsAt")
        reset_at = (
            datetime.fromtimestamp(resets, tz=UTC)
            if isinstance(resets, int | float) and not isinstance(resets, bool)
            else None
        )
        when = f", resets {reset_at:%Y-%m-%d %H:%M} UTC" if reset_at else ""
        if status == "rejected":
            limit = UsageLimit(reset_at, f"Claude usage limit reached ({window} window{when})")
            self.usage_limit = limit
            parsed.events.append(limit)
            parsed.display.append(("stderr", limit.message))
        elif status == "allowed_warning":
            parsed.display.append(("stderr", f"nearing the Claude usage limit ({window}{when})"))

    def _result(self, event: dict[str, object], now: datetime, parsed: Parsed) -> None:
        status = event.get("api_error_status")
        result = ClaudeResult(
            subtype=as_text(event.get("subtype")),
            is_error=event.get("is_error") is True,
            text=as_text(event.get("result")),
            terminal_reason=as_text(event.get("terminal_reason")),
            api_error_status=status if isinstance(status, int) else None,
        )
        self.result = result
        usage = as_mapping(event.get("usage"))
        cost = event.get("total_cost_usd", event.get("cost_usd"))
        cost_usd = (
            float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None
        )
        if usage or cost_usd is not None:
            parsed.events.append(usage_from(usage, cost_usd))
        label = "error" if result.is_error else "result"
        parsed.display.append(("stdout", f"{label}: {one_line(result.text or result.subtype)}"))
        if not result.is_error:
            return
        # Limit text counts only in an error result, never in the model's prose (fabrik#1183).
        limit = parse_usage_limit(result.text, now) if mentions_usage_limit(result.text) else None
        if limit is None and result.api_error_status == 429:
            limit = UsageLimit(None, one_line(result.text or "Claude API answered 429"))
        if limit is not None:
            # The structured resetsAt of a rate_limit_event beats a time parsed from prose.
            if self.usage_limit is not None and self.usage_limit.reset_at is not None:
                limit = UsageLimit(self.usage_limit.reset_at, limit.message)
            self.usage_limit = limit
            parsed.events.append(limit)

    def finish(self, exit_code: int, now: datetime) -> Verdict:
        result = self.result
        succeeded = result is not None and not result.is_error and result.subtype in ("success", "")
        if succeeded:
            # A limit announced during a run that still finished is kept for the caller to park.
            return Verdict("succeeded", "Claude Code finished", self.usage_limit)
        limit = self.usage_limit
        if limit is None and result is None and exit_code != 0:
            limit = self.limit_from_output(now)
        if limit is not None:
            return Verdict("usage_limited", one_line(limit.message), limit)
        if result is not None:
            detail = result.text or result.terminal_reason or result.subtype
            return Verdict("failed", one_line(f"Claude Code stopped ({result.subtype}): {detail}"))
        if exit_code == 0:
            return Verdict("failed", "Claude Code exited 0 without a final result line")
        detail = self.failure_detail()
        reason = f"Claude Code failed with {exit_description(exit_code)}"
        return Verdict("failed", one_line(f"{reason}: {detail}" if detail else reason))
