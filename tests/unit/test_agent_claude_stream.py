"""Claude Code stream-json becomes events; the final result decides; limits come from errors only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from soda_tui.agents.claude_stream import ClaudeStreamParser, tool_summary
from soda_tui.agents.events import AgentText, TokenUsage, ToolCall, UsageLimit

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

# The illustrative fixture lines of AGENT-CLIS.md, verbatim.
SUCCESS_RUN = [
    '{"type":"system","subtype":"init","session_id":"11111111-2222-4333-8444-555555555555","uuid":"a1","cwd":"/ws/acme/api","model":"claude-sonnet-4-5","permissionMode":"acceptEdits","tools":["Bash","Edit","Read"],"mcp_servers":[],"slash_commands":[],"apiKeySource":"none","output_style":"default"}',
    '{"type":"assistant","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Running the tests."},{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"pytest -q"}}],"stop_reason":"tool_use","usage":{"input_tokens":12,"output_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":9000}},"parent_tool_use_id":null,"session_id":"11111111-2222-4333-8444-555555555555","uuid":"a2"}',
    '{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"3 passed in 0.4s","is_error":false}]},"parent_tool_use_id":null,"session_id":"11111111-2222-4333-8444-555555555555","uuid":"a3"}',
    '{"type":"result","subtype":"success","is_error":false,"duration_ms":48210,"duration_api_ms":30100,"num_turns":7,"result":"Fixed #12; tests pass.","session_id":"11111111-2222-4333-8444-555555555555","total_cost_usd":0.2134,"usage":{"input_tokens":150,"output_tokens":2400,"cache_creation_input_tokens":5100,"cache_read_input_tokens":88000},"permission_denials":[],"stop_reason":"end_turn","terminal_reason":"completed","uuid":"a4"}',
]
LIMIT_RUN = [
    '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1764003600,"rateLimitType":"five_hour"},"session_id":"11111111-2222-4333-8444-555555555555","uuid":"a5"}',
    '{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"terminal_reason":"api_error","duration_ms":900,"duration_api_ms":0,"num_turns":1,"result":"You\'ve hit your limit · resets 3pm (Europe/Berlin)","session_id":"11111111-2222-4333-8444-555555555555","errors":[],"uuid":"a6"}',
]


def _feed_all(parser: ClaudeStreamParser, lines: list[str]) -> tuple[list[object], list[str]]:
    events: list[object] = []
    display: list[str] = []
    for line in lines:
        parsed = parser.feed("stdout", line, NOW)
        events.extend(parsed.events)
        display.extend(text for _, text in parsed.display)
    return events, display


def test_successful_run_events_and_verdict() -> None:
    parser = ClaudeStreamParser()
    events, display = _feed_all(parser, SUCCESS_RUN)
    assert AgentText("Running the tests.") in events
    assert ToolCall("Bash", "pytest -q") in events
    usages = [event for event in events if isinstance(event, TokenUsage)]
    assert usages[-1] == TokenUsage(150, 2400, 88000, 5100, 0.2134)
    assert not any(isinstance(event, UsageLimit) for event in events)
    assert "Running the tests." in display
    assert "→ Bash: pytest -q" in display
    assert any("3 passed in 0.4s" in line for line in display)
    assert any("Fixed #12; tests pass." in line for line in display)
    verdict = parser.finish(0, NOW)
    assert verdict.outcome == "succeeded"
    assert verdict.usage_limit is None


def test_usage_limit_run_takes_the_structured_reset() -> None:
    parser = ClaudeStreamParser()
    events, _ = _feed_all(parser, LIMIT_RUN)
    limits = [event for event in events if isinstance(event, UsageLimit)]
    assert limits and all(
        limit.reset_at == datetime.fromtimestamp(1764003600, tz=UTC) for limit in limits
    )
    verdict = parser.finish(1, NOW)
    assert verdict.outcome == "usage_limited"
    assert verdict.usage_limit is not None
    assert verdict.usage_limit.reset_at == datetime.fromtimestamp(1764003600, tz=UTC)


def test_error_result_fails_even_on_exit_zero() -> None:
    parser = ClaudeStreamParser()
    line = json.dumps(
        {
            "type": "result",
            "subtype": "success",
            "is_error": True,
            "terminal_reason": "api_error",
            "api_error_status": 500,
            "result": "API Error: 500 Internal server error",
        }
    )
    _feed_all(parser, [line])
    verdict = parser.finish(0, NOW)
    assert verdict.outcome == "failed"
    assert "API Error: 500 Internal server error" in verdict.reason


def test_max_turns_is_a_failure() -> None:
    parser = ClaudeStreamParser()
    _feed_all(parser, ['{"type":"result","subtype":"error_max_turns","is_error":true}'])
    verdict = parser.finish(1, NOW)
    assert verdict.outcome == "failed"
    assert "error_max_turns" in verdict.reason


def test_limit_text_in_an_error_result_gives_the_reset() -> None:
    parser = ClaudeStreamParser()
    result = {
        "type": "result",
        "subtype": "success",
        "is_error": True,
        "result": "You've hit your limit · resets 3pm (Europe/Berlin)",
    }
    events, _ = _feed_all(parser, [json.dumps(result)])
    limit = next(event for event in events if isinstance(event, UsageLimit))
    assert limit.reset_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert parser.finish(1, NOW).outcome == "usage_limited"


def test_limit_words_in_model_prose_are_not_a_limit() -> None:
    parser = ClaudeStreamParser()
    prose = "You've hit your limit · resets 3pm (Europe/Berlin) is what the CLI prints."
    assistant = {
        "type": "assistant",
        "message": {"id": "m1", "content": [{"type": "text", "text": prose}]},
    }
    result = {"type": "result", "subtype": "success", "is_error": False, "result": prose}
    events, _ = _feed_all(parser, [json.dumps(assistant), json.dumps(result)])
    assert not any(isinstance(event, UsageLimit) for event in events)
    assert parser.finish(0, NOW).outcome == "succeeded"


def test_plain_limit_line_and_non_zero_exit_without_result() -> None:
    parser = ClaudeStreamParser()
    parsed = parser.feed("stdout", "You've hit your limit · resets 1pm (Europe/Lisbon)", NOW)
    assert parsed.display == [("stdout", "You've hit your limit · resets 1pm (Europe/Lisbon)")]
    verdict = parser.finish(1, NOW)
    assert verdict.outcome == "usage_limited"
    assert verdict.usage_limit is not None
    assert verdict.usage_limit.reset_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_non_json_and_broken_json_lines() -> None:
    parser = ClaudeStreamParser()
    plain = parser.feed("stdout", "[SandboxDebug] starting sandbox", NOW)
    assert plain.events == [] and plain.display == [("stdout", "[SandboxDebug] starting sandbox")]
    broken = parser.feed("stdout", '{"type":"assistant","message":{', NOW)
    assert broken.events == []
    assert broken.display[0][0] == "soda" and "unreadable JSON" in broken.display[0][1]
    unknown = parser.feed("stdout", '{"type":"brand_new_event","x":1}', NOW)
    assert unknown.events == [] and unknown.display == []
    assert parser.feed("stdout", "[1, 2]", NOW).events == []


def test_no_result_line_is_a_failure_with_the_exit_detail() -> None:
    parser = ClaudeStreamParser()
    parser.feed(
        "stderr", "Error: When using --print, --output-format=stream-json requires --verbose", NOW
    )
    verdict = parser.finish(1, NOW)
    assert verdict.outcome == "failed"
    assert "requires --verbose" in verdict.reason
    assert ClaudeStreamParser().finish(0, NOW).outcome == "failed"


def test_legacy_cost_field_and_usage_counted_once_per_message() -> None:
    parser = ClaudeStreamParser()
    block = {
        "type": "assistant",
        "message": {
            "id": "m1",
            "content": [{"type": "text", "text": "a"}],
            "usage": {"input_tokens": 10, "output_tokens": 5},
        },
    }
    second_block = {
        "type": "assistant",
        "message": {
            "id": "m1",
            "content": [
                {"type": "tool_use", "id": "t", "name": "Read", "input": {"file_path": "/ws/a.py"}}
            ],
            "usage": {"input_tokens": 10, "output_tokens": 5},
        },
    }
    events, _ = _feed_all(parser, [json.dumps(block), json.dumps(second_block)])
    running = [event for event in events if isinstance(event, TokenUsage)]
    assert running[-1] == TokenUsage(10, 5, 0, 0, None)
    assert ToolCall("Read", "/ws/a.py") in events
    legacy = {"type": "result", "subtype": "success", "is_error": False, "cost_usd": 0.5}
    events, _ = _feed_all(parser, [json.dumps(legacy)])
    assert events == [TokenUsage(0, 0, 0, 0, 0.5)]


def test_rejected_limit_during_a_run_that_still_succeeds_is_kept() -> None:
    parser = ClaudeStreamParser()
    _feed_all(parser, [LIMIT_RUN[0], SUCCESS_RUN[-1]])
    verdict = parser.finish(0, NOW)
    assert verdict.outcome == "succeeded"
    assert verdict.usage_limit is not None


def test_tool_summary_falls_back_to_compact_json() -> None:
    assert tool_summary("Grep", {"pattern": "TODO", "path": "src"}) == "TODO"
    assert tool_summary("mcp__db__query", {"sql": "select 1"}) == '{"sql": "select 1"}'
    assert len(tool_summary("X", {"blob": "y" * 1000})) <= 160
