"""Plain, Aider and Codex output parsing: events, readable lines and the verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from soda_tui.agents.events import AgentText, TokenUsage, ToolCall, UsageLimit
from soda_tui.agents.parsers import AiderParser, CodexParser, PlainParser, json_object

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_plain_parser_exit_code_decides() -> None:
    parser = PlainParser()
    assert parser.feed("stdout", "hello", NOW).display == [("stdout", "hello")]
    assert parser.finish(0, NOW).outcome == "succeeded"
    parser.feed("stderr", "boom: cannot open config", NOW)
    parser.feed("stdout", "cleanup done", NOW)
    verdict = parser.finish(3, NOW)
    assert verdict.outcome == "failed"
    assert "exit code 3" in verdict.reason
    assert "boom: cannot open config" in verdict.reason
    assert "signal 15" in PlainParser().finish(143, NOW).reason


def test_plain_parser_recognises_limit_text_only_after_a_failure() -> None:
    parser = PlainParser()
    parser.feed("stdout", "Claude AI usage limit reached|1764003600", NOW)
    verdict = parser.finish(1, NOW)
    assert verdict.outcome == "usage_limited"
    assert verdict.usage_limit == UsageLimit(
        datetime.fromtimestamp(1764003600, tz=UTC), "Claude AI usage limit reached|1764003600"
    )
    assert parser.finish(0, NOW).outcome == "succeeded"


def test_aider_edits_commits_and_tokens() -> None:
    parser = AiderParser()
    events = []
    for line in [
        "Applied edit to src/app.py",
        "Commit 1a2b3c4 fix: handle empty input",
        "Tokens: 12k sent, 1.1k received. Cost: $0.05 message, $0.05 session.",
        "Tokens: 2.3k sent, 1.5k cache write, 3.4k cache hit, 123 received. "
        "Cost: $0.01 message, $0.06 session.",
    ]:
        events.extend(parser.feed("stdout", line, NOW).events)
    assert events[0] == ToolCall("Edit", "src/app.py")
    assert events[1] == ToolCall("Commit", "1a2b3c4 fix: handle empty input")
    assert events[2] == TokenUsage(12000, 1100, 0, 0, 0.05)
    assert events[3] == TokenUsage(14300, 1223, 3400, 1500, 0.06)
    assert parser.finish(0, NOW).outcome == "succeeded"


def test_codex_stream_success() -> None:
    parser = CodexParser()
    lines = [
        '{"type":"thread.started","thread_id":"0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000"}',
        '{"type":"turn.started"}',
        '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Fixing it."}}',
        '{"type":"item.completed","item":{"id":"item_3","type":"command_execution","command":"bash -lc \'pytest -q\'","aggregated_output":"3 passed\\n","exit_code":0,"status":"completed"}}',
        '{"type":"item.completed","item":{"id":"item_4","item_type":"file_change","changes":[{"path":"a.py","kind":"update"}],"status":"completed"}}',
        '{"type":"item.completed","item":{"id":"item_5","item_type":"assistant_message","text":"Done."}}',
        '{"type":"turn.completed","usage":{"input_tokens":24000,"cached_input_tokens":20000,"output_tokens":900}}',
    ]
    events = [event for line in lines for event in parser.feed("stdout", line, NOW).events]
    assert events == [
        AgentText("Fixing it."),
        ToolCall("Bash", "bash -lc 'pytest -q'"),
        ToolCall("Edit", "a.py"),
        AgentText("Done."),
        TokenUsage(input_tokens=4000, output_tokens=900, cache_read=20000),
    ]
    assert parser.finish(0, NOW).outcome == "succeeded"


def test_codex_turn_failed_with_usage_limit() -> None:
    parser = CodexParser()
    line = json.dumps(
        {
            "type": "turn.failed",
            "error": {"message": "You've hit your usage limit. Try again in 3 hours 5 minutes."},
        }
    )
    events = parser.feed("stdout", line, NOW).events
    assert events == [
        UsageLimit(
            NOW + timedelta(hours=3, minutes=5),
            "You've hit your usage limit. Try again in 3 hours 5 minutes.",
        )
    ]
    verdict = parser.finish(0, NOW)
    assert verdict.outcome == "usage_limited"


def test_codex_failure_even_with_exit_zero_and_recovered_errors() -> None:
    failed = CodexParser()
    failed.feed("stdout", '{"type":"turn.failed","error":{"message":"model at capacity"}}', NOW)
    verdict = failed.finish(0, NOW)
    assert verdict.outcome == "failed" and "model at capacity" in verdict.reason
    recovered = CodexParser()
    recovered.feed("stdout", '{"type":"error","message":"Reconnecting... 1/5"}', NOW)
    recovered.feed("stdout", '{"type":"turn.completed","usage":{}}', NOW)
    assert recovered.finish(0, NOW).outcome == "succeeded"
    assert CodexParser().finish(0, NOW).outcome == "failed"


def test_json_object_classifies_lines() -> None:
    assert json_object('{"a": 1}') == ({"a": 1}, None)
    assert json_object("plain text") == (None, None)
    assert json_object("[1]") == (None, None)
    obj, warning = json_object('{"a": ')
    assert obj is None and warning is not None and "unreadable JSON" in warning
