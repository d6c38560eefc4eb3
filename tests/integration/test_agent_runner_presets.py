"""The codex and aider presets against fake CLIs on PATH: how they get the prompt, what we parse."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from soda_tui.agents.events import AgentEvent, RunResult, TokenUsage, ToolCall
from soda_tui.agents.presets import AgentLaunchSpec, build_launch
from soda_tui.agents.prompt import IssueContext, write_prompt_file
from soda_tui.agents.runner import AgentRunner

FAKE_CLI = """\
import json, os, sys
with open(os.environ["FAKE_RECORD"], "w", encoding="utf-8") as stream:
    json.dump({"argv": sys.argv[1:], "stdin": sys.stdin.read()}, stream)
sys.stdout.write(os.environ["FAKE_OUTPUT"])
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""
CTX = IssueContext(repo="acme/api", number=5, title="Speed up", branch="agent001/5-speed-up")


async def _run_fake(
    root: Path, program: str, preset: str, output: list[str], exit_code: int = 0
) -> tuple[RunResult, dict, list[AgentEvent], Path]:
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / program
    fake.write_text(f"#!{sys.executable}\n{FAKE_CLI}", encoding="utf-8")
    fake.chmod(0o755)
    workspace = root / "workspace"
    workspace.mkdir(exist_ok=True)
    prompt_file = write_prompt_file(CTX, root / "run")
    record = root / "record.json"
    spec = AgentLaunchSpec(
        preset=preset,
        model="some-model",
        env={
            "FAKE_RECORD": str(record),
            "FAKE_OUTPUT": "".join(f"{line}\n" for line in output),
            "FAKE_EXIT": str(exit_code),
        },
    )
    base_env = dict(os.environ) | {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    launch = build_launch(spec, CTX, prompt_file, workspace, base_env=base_env)
    events: list[AgentEvent] = []
    runner = AgentRunner(
        launch,
        workspace=workspace,
        log_path=root / "run" / "agent.log",
        timeout_s=60,
        stall_s=60,
        on_event=events.append,
    )
    result = await runner.run()
    return result, json.loads(record.read_text(encoding="utf-8")), events, prompt_file


async def test_codex_reads_the_prompt_from_stdin(tmp_path: Path) -> None:
    output = [
        '{"type":"thread.started","thread_id":"0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000"}',
        '{"type":"item.completed","item":{"id":"item_3","type":"command_execution","command":"bash -lc \'pytest -q\'","aggregated_output":"3 passed\\n","exit_code":0,"status":"completed"}}',
        '{"type":"turn.completed","usage":{"input_tokens":24000,"cached_input_tokens":20000,"output_tokens":900}}',
    ]
    result, record, events, prompt_file = await _run_fake(tmp_path, "codex", "codex", output)
    assert result.outcome == "succeeded", result.reason
    assert record["argv"][:2] == ["exec", "--json"]
    assert record["argv"][-1] == "-"
    assert record["stdin"] == prompt_file.read_text(encoding="utf-8")
    assert ToolCall("Bash", "bash -lc 'pytest -q'") in events
    assert result.usage == TokenUsage(input_tokens=4000, output_tokens=900, cache_read=20000)


async def test_codex_failed_turn_fails_despite_exit_zero(tmp_path: Path) -> None:
    output = ['{"type":"turn.failed","error":{"message":"stream disconnected"}}']
    result, _, _, _ = await _run_fake(tmp_path, "codex", "codex", output, exit_code=0)
    assert result.outcome == "failed"
    assert "stream disconnected" in result.reason


async def test_aider_gets_the_prompt_file_and_no_stdin(tmp_path: Path) -> None:
    output = [
        "Applied edit to src/speed.py",
        "Commit 1a2b3c4 perf: cache the lookup",
        "Tokens: 3.2k sent, 410 received. Cost: $0.02 message, $0.02 session.",
    ]
    result, record, events, prompt_file = await _run_fake(tmp_path, "aider", "aider", output)
    assert ToolCall("Edit", "src/speed.py") in events
    assert result.outcome == "succeeded"
    assert record["stdin"] == ""
    message_file = record["argv"][record["argv"].index("--message-file") + 1]
    assert message_file == str(prompt_file)
    assert record["argv"][-2:] == ["--model", "some-model"]
    assert result.tool_calls == 2
    assert result.usage == TokenUsage(3200, 410, 0, 0, 0.02)
    assert "Applied edit to src/speed.py" in result.tail
