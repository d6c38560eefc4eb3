"""The claude-code preset against a fake `claude` on PATH that prints AGENT-CLIS.md's fixtures."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from soda_tui.agents.events import (
    AgentEvent,
    AgentText,
    RunResult,
    TokenUsage,
    ToolCall,
    UsageLimit,
)
from soda_tui.agents.presets import AgentLaunchSpec, build_launch
from soda_tui.agents.prompt import IssueContext, write_prompt_file
from soda_tui.agents.runner import AgentRunner
from soda_tui.core.secrets import Secret

GITHUB_TOKEN = "ghp_claudeFakeRunToken0123456789abcdefABCD"
SESSION = "11111111-2222-4333-8444-555555555555"
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
FAKE_CLAUDE = """\
import json, os, sys
record = {
    "argv": sys.argv[1:],
    "stdin": sys.stdin.read(),
    "env": {name: os.environ.get(name) for name in
            ("GH_TOKEN", "GITHUB_TOKEN", "ANTHROPIC_API_KEY", "CLAUDECODE", "SODA_ISSUE_NUMBER")},
}
with open(os.environ["FAKE_CLAUDE_RECORD"], "w", encoding="utf-8") as stream:
    json.dump(record, stream)
with open(os.environ["FAKE_CLAUDE_LINES"], encoding="utf-8") as lines:
    for line in lines:
        sys.stdout.write(line)
        sys.stdout.flush()
sys.exit(int(os.environ.get("FAKE_CLAUDE_EXIT", "0")))
"""


class FakeClaude:
    """A `claude` executable on a private PATH that replays the lines it is given."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.bin.mkdir()
        program = self.bin / "claude"
        program.write_text(f"#!{sys.executable}\n{FAKE_CLAUDE}", encoding="utf-8")
        program.chmod(0o755)
        self.workspace = root / "workspace"
        self.workspace.mkdir()
        self.ctx = IssueContext(
            repo="acme/api",
            number=12,
            title="Fix tests",
            body="Please.",
            branch="agent001/12-fix-tests",
            base_branch="main",
        )
        self.prompt_file = write_prompt_file(self.ctx, root / "run")
        self.log_path = root / "run" / "agent.log"
        self.record_path = root / "record.json"
        self.events: list[AgentEvent] = []

    async def run(self, lines: list[str], exit_code: int = 0) -> RunResult:
        lines_file = self.root / "lines.jsonl"
        lines_file.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        spec = AgentLaunchSpec(
            preset="claude-code",
            env={
                "FAKE_CLAUDE_RECORD": str(self.record_path),
                "FAKE_CLAUDE_LINES": str(lines_file),
                "FAKE_CLAUDE_EXIT": str(exit_code),
            },
        )
        base_env = dict(os.environ) | {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "GH_TOKEN": GITHUB_TOKEN,
            "GITHUB_TOKEN": GITHUB_TOKEN,
            "ANTHROPIC_API_KEY": "sk-ant-fake-key-for-tests",
            "CLAUDECODE": "1",
        }
        launch = build_launch(
            spec,
            self.ctx,
            self.prompt_file,
            self.workspace,
            base_env=base_env,
            github_token=Secret(GITHUB_TOKEN),
        )
        runner = AgentRunner(
            launch,
            workspace=self.workspace,
            log_path=self.log_path,
            timeout_s=60,
            stall_s=60,
            on_event=self.events.append,
        )
        return await runner.run()

    def record(self) -> dict:
        return json.loads(self.record_path.read_text(encoding="utf-8"))


@pytest.fixture
def claude(tmp_path: Path) -> FakeClaude:
    return FakeClaude(tmp_path)


async def test_successful_claude_run(claude: FakeClaude) -> None:
    result = await claude.run(SUCCESS_RUN)
    assert result.outcome == "succeeded", result.reason
    assert result.usage == TokenUsage(150, 2400, 88000, 5100, 0.2134)
    assert result.tool_calls == 1
    assert AgentText("Running the tests.") in claude.events
    assert ToolCall("Bash", "pytest -q") in claude.events
    record = claude.record()
    assert record["argv"] == [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "acceptEdits",
        "--allowedTools=Bash,Read,Edit,Write,Glob,Grep",
        "--max-turns",
        "60",
    ]
    assert record["stdin"] == claude.prompt_file.read_text(encoding="utf-8")
    assert record["env"] == {
        "GH_TOKEN": None,
        "GITHUB_TOKEN": None,
        "ANTHROPIC_API_KEY": "sk-ant-fake-key-for-tests",
        "CLAUDECODE": None,
        "SODA_ISSUE_NUMBER": "12",
    }
    # The log file keeps the raw stream; the tail and the live view get readable lines.
    log = claude.log_path.read_text(encoding="utf-8")
    assert all(line in log for line in SUCCESS_RUN)
    assert "→ Bash: pytest -q" in result.tail
    assert not any(line.startswith("{") for line in result.tail)


async def test_claude_usage_limit_parks_until_the_reset(claude: FakeClaude) -> None:
    result = await claude.run(LIMIT_RUN, exit_code=1)
    assert result.outcome == "usage_limited"
    assert result.usage_limit_reset == datetime.fromtimestamp(1764003600, tz=UTC)
    assert any(isinstance(event, UsageLimit) for event in claude.events)


async def test_claude_limit_text_and_exit_one_without_result(claude: FakeClaude) -> None:
    before = datetime.now(UTC)
    result = await claude.run(["You've hit your limit · resets 4:50am (Europe/Rome)"], exit_code=1)
    assert result.outcome == "usage_limited"
    assert result.exit_code == 1
    reset = result.usage_limit_reset
    assert reset is not None
    local = reset.astimezone(ZoneInfo("Europe/Rome"))
    assert (local.hour, local.minute) == (4, 50)
    assert before - timedelta(minutes=15) <= reset <= before + timedelta(days=1, minutes=1)


async def test_claude_error_result_fails_even_with_exit_zero(claude: FakeClaude) -> None:
    error = {
        "type": "result",
        "subtype": "success",
        "is_error": True,
        "terminal_reason": "api_error",
        "result": "API Error: Connection error.",
        "session_id": SESSION,
    }
    result = await claude.run([SUCCESS_RUN[0], json.dumps(error)], exit_code=0)
    assert result.outcome == "failed"
    assert "API Error: Connection error." in result.reason


async def test_claude_noise_and_broken_lines_do_not_crash(claude: FakeClaude) -> None:
    lines = ["[SandboxDebug] sandbox ready", '{"type":"assistant","message":{"conte', *SUCCESS_RUN]
    result = await claude.run(lines)
    assert result.outcome == "succeeded"
    assert "[SandboxDebug] sandbox ready" in result.tail
    log = claude.log_path.read_text(encoding="utf-8")
    assert "[soda] unreadable JSON line" in log
