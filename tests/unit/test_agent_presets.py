"""Each preset builds the documented command line, stdin and parser; custom commands substitute."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from soda_tui.agents.presets import (
    AgentConfigError,
    AgentLaunchSpec,
    build_launch,
    missing_executable_message,
    substitute_placeholders,
)
from soda_tui.agents.prompt import IssueContext, write_prompt_file

CTX = IssueContext(
    repo="acme/api",
    number=42,
    title="Fix {branch} and $(touch pwned)",
    body="Body text",
    branch="agent001/42-fix-branch-and-touch-pwned",
    base_branch="main",
)


@pytest.fixture
def prompt_file(tmp_path: Path) -> Path:
    return write_prompt_file(CTX, tmp_path / "run")


def _launch(prompt_file: Path, **spec: object):
    return build_launch(
        AgentLaunchSpec(**spec),  # type: ignore[arg-type]
        CTX,
        prompt_file,
        Path("/ws/acme/api"),
        base_env={"PATH": "/usr/bin:/bin", "HOME": "/home/dev"},
    )


def test_claude_code_preset(prompt_file: Path) -> None:
    launch = _launch(prompt_file, preset="claude-code", model="sonnet", extra_args=("--x",))
    assert launch.argv == [
        "claude",
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "acceptEdits",
        "--allowedTools=Bash,Read,Edit,Write,Glob,Grep",
        "--max-turns",
        "60",
        "--model",
        "sonnet",
        "--x",
    ]
    assert launch.stdin_text == prompt_file.read_text(encoding="utf-8")
    assert launch.parser == "claude-stream"


def test_aider_preset_reads_the_prompt_file(prompt_file: Path) -> None:
    launch = _launch(prompt_file, preset="aider", model="gpt-4.1")
    assert launch.argv[:5] == [
        "aider",
        "--yes-always",
        "--no-pretty",
        "--no-stream",
        "--no-fancy-input",
    ]
    index = launch.argv.index("--message-file")
    assert launch.argv[index + 1] == str(prompt_file)
    assert launch.argv[-2:] == ["--model", "gpt-4.1"]
    assert launch.stdin_text is None
    assert launch.parser == "aider"


def test_codex_preset_takes_the_prompt_on_stdin_after_its_flags(prompt_file: Path) -> None:
    launch = _launch(prompt_file, preset="codex", model="gpt-5", extra_args=("-c", "a=b"))
    assert launch.argv[:3] == ["codex", "exec", "--json"]
    assert "--sandbox" in launch.argv and "workspace-write" in launch.argv
    assert launch.argv[-5:] == ["-m", "gpt-5", "-c", "a=b", "-"]
    assert launch.stdin_text == prompt_file.read_text(encoding="utf-8")
    assert launch.parser == "codex"


def test_demo_preset_runs_the_packaged_agent(prompt_file: Path) -> None:
    launch = _launch(prompt_file, preset="demo")
    assert launch.argv == [
        sys.executable,
        "-m",
        "soda_tui.agents.demo_agent",
        "--prompt-file",
        str(prompt_file),
    ]
    assert launch.stdin_text is None
    assert launch.parser == "plain"
    assert launch.env["SODA_ISSUE_NUMBER"] == "42"


def test_custom_placeholders_are_substituted_once_and_literally(prompt_file: Path) -> None:
    command = (
        "my-agent",
        "--issue={issue_number}",
        "{issue_title}",
        "{prompt_file}",
        "{branch}",
        "{workspace}",
        "{repo}",
        "{unknown} {0} {issue_number!r}",
    )
    launch = _launch(prompt_file, preset="custom", command=command, stdin="prompt")
    assert launch.argv == [
        "my-agent",
        "--issue=42",
        "Fix {branch} and $(touch pwned)",
        str(prompt_file),
        "agent001/42-fix-branch-and-touch-pwned",
        "/ws/acme/api",
        "acme/api",
        "{unknown} {0} {issue_number!r}",
    ]
    assert launch.stdin_text is not None
    assert _launch(prompt_file, preset="custom", command=command).stdin_text is None


def test_substitution_handles_repeated_and_adjacent_placeholders() -> None:
    values = {"issue_number": "7", "repo": "a/b"}
    text = "{repo}#{issue_number}{issue_number}"
    assert (
        substitute_placeholders(
            text, values | {"issue_title": "", "prompt_file": "", "branch": "", "workspace": ""}
        )
        == "a/b#77"
    )


@pytest.mark.parametrize("command", [None, (), ("",), ("   ",)])
def test_custom_without_a_command_is_a_config_error(prompt_file: Path, command: object) -> None:
    with pytest.raises(AgentConfigError, match="command"):
        _launch(prompt_file, preset="custom", command=command)


def test_unknown_preset_is_a_config_error(prompt_file: Path) -> None:
    with pytest.raises(AgentConfigError, match="claude-code"):
        _launch(prompt_file, preset="gpt-pilot")


def test_prompt_file_inside_the_workspace_is_refused(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    prompt_file = write_prompt_file(CTX, workspace / ".soda")
    with pytest.raises(ValueError, match="outside the workspace"):
        build_launch(AgentLaunchSpec(preset="demo"), CTX, prompt_file, workspace, base_env={})


def test_spec_copies_a_settings_object() -> None:
    settings_like = SimpleNamespace(
        preset="custom",
        command=["run-agent", "{prompt_file}"],
        timeout_minutes=30,
        stall_minutes=5,
        stdin="prompt",
        pass_github_token=True,
        env={"A": "1"},
        extra_args=["--fast"],
        model=None,
    )
    spec = AgentLaunchSpec.from_settings(settings_like)
    assert spec.command == ("run-agent", "{prompt_file}")
    assert spec.timeout_s == 1800
    assert spec.stall_s == 300
    assert spec.stdin == "prompt"
    assert spec.pass_github_token is True
    assert spec.extra_args == ("--fast",)


def test_missing_program_is_named_with_how_to_install(prompt_file: Path, tmp_path: Path) -> None:
    launch = _launch(prompt_file, preset="claude-code")
    launch.env["PATH"] = str(tmp_path)  # a directory without claude in it
    message = missing_executable_message(launch, tmp_path)
    assert message is not None
    assert "'claude'" in message and "npm install -g @anthropic-ai/claude-code" in message
    fake = tmp_path / "claude"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    assert missing_executable_message(launch, tmp_path) is None


def test_relative_program_path_is_looked_up_in_the_workspace(
    prompt_file: Path, tmp_path: Path
) -> None:
    launch = _launch(prompt_file, preset="custom", command=("./agent.sh",))
    assert "not found" in (missing_executable_message(launch, tmp_path) or "")
    script = tmp_path / "agent.sh"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    assert "not executable" in (missing_executable_message(launch, tmp_path) or "")
    os.chmod(script, 0o755)
    assert missing_executable_message(launch, tmp_path) is None
