"""How each agent is launched: argv, stdin, environment and output parser per preset."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import soda_tui
from soda_tui.agents.environment import build_agent_env, soda_variables
from soda_tui.agents.prompt import IssueContext
from soda_tui.core.secrets import Secret, redact

ParserKind = Literal["claude-stream", "aider", "codex", "plain"]
PRESETS = ("claude-code", "aider", "codex", "custom", "demo")
PLACEHOLDERS = ("issue_number", "issue_title", "prompt_file", "branch", "workspace", "repo")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

CLAUDE_TOOLS = "Bash,Read,Edit,Write,Glob,Grep"
CLAUDE_MAX_TURNS = 60
INSTALL_HINTS = {
    "claude-code": "install Claude Code (npm install -g @anthropic-ai/claude-code)",
    "aider": "install Aider (python -m pip install aider-install && aider-install)",
    "codex": "install the Codex CLI (npm install -g @openai/codex)",
    "custom": "fix the agent command in the config (its first word must be a program on PATH)",
    "demo": "check the Python that runs soda-tui",
}


class AgentConfigError(Exception):
    """The agent settings cannot be turned into a command line."""


class AgentSpecLike(Protocol):
    """The fields of settings' AgentSpec that launching needs (so agents/ need not import it)."""

    preset: str
    command: Sequence[str] | None
    timeout_minutes: float
    stall_minutes: float
    stdin: str
    pass_github_token: bool
    env: Mapping[str, str]
    extra_args: Sequence[str]
    model: str | None


@dataclass(frozen=True)
class AgentLaunchSpec:
    """An agent as configured: a preset (or custom command) and how to run it."""

    preset: str = "demo"
    command: tuple[str, ...] | None = None
    timeout_minutes: float = 60.0
    stall_minutes: float = 15.0
    stdin: Literal["prompt", "none"] = "none"
    pass_github_token: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()
    model: str | None = None

    @classmethod
    def from_settings(cls, agent: AgentSpecLike) -> AgentLaunchSpec:
        """Copy the fields of a settings AgentSpec (or anything shaped like it)."""
        stdin: Literal["prompt", "none"] = "prompt" if agent.stdin == "prompt" else "none"
        return cls(
            preset=agent.preset,
            command=tuple(agent.command) if agent.command is not None else None,
            timeout_minutes=float(agent.timeout_minutes),
            stall_minutes=float(agent.stall_minutes),
            stdin=stdin,
            pass_github_token=bool(agent.pass_github_token),
            env=dict(agent.env),
            extra_args=tuple(agent.extra_args),
            model=agent.model,
        )

    @property
    def timeout_s(self) -> float:
        """The run timeout in seconds."""
        return self.timeout_minutes * 60.0

    @property
    def stall_s(self) -> float:
        """Seconds without output after which the run counts as stalled."""
        return self.stall_minutes * 60.0


@dataclass(frozen=True)
class Launch:
    """Everything needed to start one agent run: argv, full environment, stdin, parser."""

    argv: list[str]
    env_extra: dict[str, str]
    stdin_text: str | None
    parser: ParserKind
    env: dict[str, str] = field(default_factory=dict, repr=False)
    preset: str = "custom"
    install_hint: str = INSTALL_HINTS["custom"]

    @property
    def argv_display(self) -> str:
        """The command line as a shell would quote it, with secrets masked."""
        return redact(shlex.join(self.argv))


def substitute_placeholders(argument: str, values: Mapping[str, str]) -> str:
    """Replace the known `{name}` placeholders in one argument, in a single pass.

    A single pass means a substituted value is never scanned again: a title containing
    `{branch}` stays literal. Unknown braces are left alone; nothing is evaluated.
    """
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], argument)


def placeholder_values(ctx: IssueContext, prompt_file: Path, workspace: Path) -> dict[str, str]:
    """The values of the command placeholders for one run."""
    return {
        "issue_number": str(ctx.number),
        "issue_title": ctx.title,
        "prompt_file": str(prompt_file),
        "branch": ctx.branch,
        "workspace": str(workspace),
        "repo": ctx.repo,
    }


def _preset_command(
    spec: AgentLaunchSpec, prompt_file: Path, values: Mapping[str, str]
) -> tuple[list[str], ParserKind, bool]:
    """argv (before extra_args), parser kind, and whether the prompt goes on stdin."""
    model = ["--model", spec.model] if spec.model else []
    if spec.preset == "claude-code":
        argv = [
            "claude",
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--permission-mode",
            "acceptEdits",
            # The `=` form: a variadic flag would otherwise swallow whatever follows it.
            f"--allowedTools={CLAUDE_TOOLS}",
            "--max-turns",
            str(CLAUDE_MAX_TURNS),
            *model,
        ]
        return argv, "claude-stream", True
    if spec.preset == "aider":
        argv = [
            "aider",
            "--yes-always",
            "--no-pretty",
            "--no-stream",
            "--no-fancy-input",
            "--no-check-update",
            "--no-show-release-notes",
            "--no-analytics",
            "--message-file",
            str(prompt_file),
            *model,
        ]
        return argv, "aider", False
    if spec.preset == "codex":
        # `-` reads the prompt from stdin; exec's default sandbox is read-only, so widen it.
        argv = ["codex", "exec", "--json", "--sandbox", "workspace-write", "--color", "never"]
        return [*argv, *(["-m", spec.model] if spec.model else [])], "codex", True
    if spec.preset == "demo":
        return (
            [sys.executable, "-m", "soda_tui.agents.demo_agent", "--prompt-file", str(prompt_file)],
            "plain",
            False,
        )
    if spec.preset == "custom":
        if not spec.command or not spec.command[0].strip():
            raise AgentConfigError(
                "the custom agent has no command: set [repos.agent] command, "
                'e.g. command = ["my-agent", "--prompt-file", "{prompt_file}"]'
            )
        argv = [substitute_placeholders(argument, values) for argument in spec.command]
        return argv, "plain", spec.stdin == "prompt"
    raise AgentConfigError(
        f"unknown agent preset {spec.preset!r}: use one of {', '.join(PRESETS)} in the config"
    )


def build_launch(
    spec: AgentLaunchSpec,
    ctx: IssueContext,
    prompt_file: Path,
    workspace: Path,
    *,
    base_env: Mapping[str, str] | None = None,
    github_token: Secret | None = None,
) -> Launch:
    """Turn an agent spec and an issue into the exact command, environment and stdin to run."""
    if prompt_file.resolve().is_relative_to(workspace.resolve()):
        # Inside the workspace the agent (or aider's dirty-commits) would commit the prompt.
        raise ValueError(f"the prompt file {prompt_file} must live outside the workspace")
    values = placeholder_values(ctx, prompt_file, workspace)
    argv, parser, prompt_on_stdin = _preset_command(spec, prompt_file, values)
    # Codex flags must come before the `-` that tells it to read the prompt from stdin.
    stdin_marker = ["-"] if spec.preset == "codex" else []
    argv = [*argv, *spec.extra_args, *stdin_marker]
    env_extra = dict(spec.env)
    if spec.preset == "demo":
        # The demo agent is part of this package: make sure the child finds it and prints live.
        package_root = str(Path(soda_tui.__file__).resolve().parent.parent)
        env_extra.setdefault("PYTHONPATH", package_root)
        env_extra.setdefault("PYTHONUNBUFFERED", "1")
    stdin_text = prompt_file.read_text(encoding="utf-8") if prompt_on_stdin else None
    soda_vars = soda_variables(
        issue_number=ctx.number,
        issue_title=ctx.title,
        prompt_file=str(prompt_file),
        branch=ctx.branch,
        workspace=str(workspace),
        repo=ctx.repo,
        base_branch=ctx.base_branch,
    )
    env = build_agent_env(
        os.environ if base_env is None else base_env,
        extra=env_extra,
        soda_vars=soda_vars,
        github_token=github_token,
        pass_github_token=spec.pass_github_token,
        preset=spec.preset,
    )
    return Launch(
        argv=argv,
        env_extra=env_extra,
        stdin_text=stdin_text,
        parser=parser,
        env=env,
        preset=spec.preset,
        install_hint=INSTALL_HINTS.get(spec.preset, INSTALL_HINTS["custom"]),
    )


def resolve_executable(program: str, env: Mapping[str, str], cwd: Path) -> str | None:
    """The path the agent's program resolves to (PATH of the agent's env for a bare name)."""
    if os.sep in program:
        candidate = Path(program) if os.path.isabs(program) else cwd / program
        return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
    return shutil.which(program, path=env.get("PATH", os.defpath))


def missing_executable_message(launch: Launch, workspace: Path) -> str | None:
    """A one-line message when the agent's program cannot be found, else None."""
    program = launch.argv[0]
    if resolve_executable(program, launch.env, workspace) is not None:
        return None
    where = "on PATH" if os.sep not in program else "or not executable"
    return f"agent command {program!r} was not found {where}: {launch.install_hint}"
