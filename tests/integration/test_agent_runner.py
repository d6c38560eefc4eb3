"""AgentRunner against real subprocesses: streaming, exit codes, timeouts, stalls, cancel, env."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from soda_tui.agents.events import AgentEvent, LogLine, RunEnded, RunResult, RunStarted
from soda_tui.agents.presets import AgentLaunchSpec, Launch, build_launch
from soda_tui.agents.prompt import IssueContext, write_prompt_file
from soda_tui.agents.runner import AgentRunner
from soda_tui.core.clock import FakeClock
from soda_tui.core.secrets import Secret

GITHUB_TOKEN = "ghp_runnerTestToken0123456789abcdefABCDEF"
CTX = IssueContext(
    repo="acme/api",
    number=7,
    title="Fix the parser",
    body="It crashes.",
    branch="agent001/7-fix-the-parser",
    base_branch="main",
)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A killed process whose new parent has not reaped it yet is a zombie: it is gone too.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


async def _until(condition: Callable[[], bool], what: str, limit: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Harness:
    """A workspace, a run dir and a way to run custom agent commands in them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.workspace = root / "workspace"
        self.workspace.mkdir()
        self.run_dir = root / "run"
        self.prompt_file = write_prompt_file(CTX, self.run_dir)
        self.log_path = self.run_dir / "agent.log"
        self.events: list[AgentEvent] = []

    def script(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
        return path

    def launch(
        self,
        command: list[str],
        *,
        ctx: IssueContext = CTX,
        stdin: str = "none",
        env: dict[str, str] | None = None,
        pass_github_token: bool = False,
    ) -> Launch:
        spec = AgentLaunchSpec(
            preset="custom",
            command=tuple(command),
            stdin=stdin,  # type: ignore[arg-type]
            env=env or {},
            pass_github_token=pass_github_token,
        )
        base = dict(os.environ) | {"GH_TOKEN": GITHUB_TOKEN, "GITHUB_TOKEN": GITHUB_TOKEN}
        return build_launch(
            spec,
            ctx,
            self.prompt_file,
            self.workspace,
            base_env=base,
            github_token=Secret(GITHUB_TOKEN),
        )

    def runner(self, launch: Launch, **options: object) -> AgentRunner:
        options.setdefault("timeout_s", 60)
        options.setdefault("stall_s", 60)
        return AgentRunner(
            launch,
            workspace=self.workspace,
            log_path=self.log_path,
            on_event=self.events.append,
            **options,  # type: ignore[arg-type]
        )

    async def run(self, command: list[str], **options: object) -> RunResult:
        return await self.runner(self.launch(command), **options).run()

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()

    def shown(self, stream: str = "stdout") -> list[str]:
        return [e.text for e in self.events if isinstance(e, LogLine) and e.stream == stream]


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


async def test_success_streams_output_in_order(harness: Harness) -> None:
    script = harness.script(
        "agent.sh",
        "#!/bin/bash\nfor i in $(seq 1 60); do echo \"step $i\"; done\necho 'warning: slow' >&2\n",
    )
    result = await harness.run([str(script)])
    assert result.outcome == "succeeded" and result.exit_code == 0
    expected = [f"step {i}" for i in range(1, 61)]
    assert harness.shown("stdout") == expected
    assert harness.shown("stderr") == ["warning: slow"]
    log = harness.log_lines()
    assert [line for line in log if line.startswith("step ")] == expected
    assert "[stderr] warning: slow" in log
    assert log[0].startswith("[soda] run started")
    assert isinstance(harness.events[0], RunStarted)
    assert isinstance(harness.events[-1], RunEnded) and harness.events[-1].result == result
    assert len(result.tail) == 40
    assert result.tail[-1] in ("step 60", "warning: slow")
    assert result.log_path == harness.log_path


async def test_non_zero_exit_fails_with_the_error_line(harness: Harness) -> None:
    script = harness.script(
        "agent.sh", "#!/bin/sh\necho working\necho 'fatal: no tests' >&2\nexit 3\n"
    )
    result = await harness.run([str(script)])
    assert result.outcome == "failed"
    assert result.exit_code == 3
    assert "exit code 3" in result.reason and "fatal: no tests" in result.reason
    assert "\n" not in result.reason


async def test_missing_command_is_not_found(harness: Harness) -> None:
    result = await harness.run(["soda-no-such-agent-xyz", "--go"])
    assert result.outcome == "not_found"
    assert result.exit_code is None
    assert "'soda-no-such-agent-xyz'" in result.reason and "config" in result.reason
    assert isinstance(harness.events[-1], RunEnded)
    assert not any(isinstance(event, RunStarted) for event in harness.events)
    assert any("soda-no-such-agent-xyz" in line for line in harness.log_lines())


async def test_timeout_kills_the_whole_process_group(harness: Harness) -> None:
    child_pid = harness.root / "child.pid"
    script = harness.script(
        "agent.sh",
        f"#!/bin/bash\nsleep 300 &\necho $! > {child_pid}\necho started\nwait\n",
    )
    result = await harness.run([str(script)], timeout_s=1)
    assert result.outcome == "timed_out"
    assert "1s timeout" in result.reason
    assert result.exit_code == 128 + 15
    pid = int(child_pid.read_text())
    await _until(lambda: _process_gone(pid), "the agent's child to be gone")
    assert any("SIGTERM to process group" in line for line in harness.log_lines())


async def test_agent_ignoring_term_is_killed(harness: Harness) -> None:
    child_pid = harness.root / "child.pid"
    script = harness.script(
        "agent.sh",
        "#!/bin/bash\ntrap '' TERM\n"
        f"(trap '' TERM; sleep 300) &\necho $! > {child_pid}\n"
        "echo started\nwhile true; do sleep 0.1; done\n",
    )
    result = await harness.run([str(script)], timeout_s=1, kill_grace_s=0.5)
    assert result.outcome == "timed_out"
    assert result.exit_code == 128 + 9
    pid = int(child_pid.read_text())
    await _until(lambda: _process_gone(pid), "the TERM-ignoring child to be killed")
    assert any("SIGKILL" in line for line in harness.log_lines())


async def test_silence_is_a_stall(harness: Harness) -> None:
    script = harness.script("agent.sh", "#!/bin/sh\necho thinking\nexec sleep 300\n")
    result = await harness.run([str(script)], stall_s=1, timeout_s=120)
    assert result.outcome == "stalled"
    assert "printed nothing for 1s" in result.reason
    assert "thinking" in result.tail


async def test_cancel_stops_a_running_agent(harness: Harness) -> None:
    script = harness.script("agent.sh", "#!/bin/sh\necho ready\nexec sleep 300\n")
    runner = harness.runner(harness.launch([str(script)]))
    task = asyncio.create_task(runner.run())
    await _until(lambda: "ready" in harness.shown(), "the agent to start")
    await runner.cancel()
    assert task.done()
    result = await task
    assert result.outcome == "cancelled"
    assert runner.pid is not None
    await _until(lambda: _process_gone(runner.pid or 0), "the cancelled agent to be gone")


async def test_cancel_before_start_runs_nothing(harness: Harness) -> None:
    runner = harness.runner(harness.launch(["sh", "-c", "touch started"]))
    await runner.cancel()
    result = await runner.run()
    assert result.outcome == "cancelled"
    assert not (harness.workspace / "started").exists()


async def test_fake_clock_drives_the_timeout(harness: Harness) -> None:
    clock = FakeClock()
    script = harness.script("agent.sh", "#!/bin/sh\nexec sleep 300\n")
    runner = harness.runner(
        harness.launch([str(script)]), timeout_s=3600, stall_s=None, clock=clock
    )
    result = await runner.run()
    assert result.outcome == "timed_out"
    assert result.duration_s >= 3600
    await _until(lambda: _process_gone(runner.pid or 0), "the agent to be gone")


async def test_processes_left_behind_after_exit_are_stopped(harness: Harness) -> None:
    child_pid = harness.root / "child.pid"
    script = harness.script(
        "agent.sh", f"#!/bin/bash\nsleep 300 &\necho $! > {child_pid}\necho done\nexit 0\n"
    )
    result = await harness.run([str(script)])
    assert result.outcome == "succeeded"
    pid = int(child_pid.read_text())
    await _until(lambda: _process_gone(pid), "the leftover child to be gone")
    assert any("processes it left running" in line for line in harness.log_lines())


ENV_DUMP = "import json, os, sys\njson.dump(dict(os.environ), open(sys.argv[1], 'w'))\n"


async def test_environment_is_allowlisted(harness: Harness) -> None:
    dump = harness.root / "env.json"
    script = harness.script("dump.py", ENV_DUMP)
    os.environ["SODA_TEST_LEAK"] = "leak"
    try:
        launch = harness.launch([sys.executable, str(script), str(dump)], env={"AGENT_MODE": "x"})
    finally:
        del os.environ["SODA_TEST_LEAK"]
    result = await harness.runner(launch).run()
    assert result.outcome == "succeeded"
    env = json.loads(dump.read_text())
    assert "GH_TOKEN" not in env and "GITHUB_TOKEN" not in env
    assert GITHUB_TOKEN not in json.dumps(env)
    assert "SODA_TEST_LEAK" not in env
    assert env["SODA_ISSUE_NUMBER"] == "7"
    assert env["SODA_ISSUE_TITLE"] == "Fix the parser"
    assert env["SODA_PROMPT_FILE"] == str(harness.prompt_file)
    assert env["SODA_BRANCH"] == "agent001/7-fix-the-parser"
    assert env["SODA_WORKSPACE"] == str(harness.workspace)
    assert env["SODA_REPO"] == "acme/api"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["AGENT_MODE"] == "x"
    assert env["PATH"] == os.environ["PATH"]


async def test_token_reaches_the_agent_when_the_repo_opts_in(harness: Harness) -> None:
    dump = harness.root / "env.json"
    script = harness.script("dump.py", ENV_DUMP)
    launch = harness.launch([sys.executable, str(script), str(dump)], pass_github_token=True)
    assert (await harness.runner(launch).run()).outcome == "succeeded"
    env = json.loads(dump.read_text())
    assert env["GH_TOKEN"] == GITHUB_TOKEN and env["GITHUB_TOKEN"] == GITHUB_TOKEN
    assert GITHUB_TOKEN not in harness.log_path.read_text()


async def test_placeholders_are_literal_arguments_never_shell(harness: Harness) -> None:
    title = "Fix $(touch pwned) `touch pwned2`; touch pwned3 && {branch} > x"
    ctx = IssueContext(repo="acme/api", number=9, title=title, branch="agent001/9-fix")
    out = harness.root / "argv.json"
    script = harness.script(
        "argv.py", "import json, sys\njson.dump(sys.argv[1:], open(sys.argv[1], 'w'))\n"
    )
    command = [
        sys.executable,
        str(script),
        str(out),
        "{issue_title}",
        "#{issue_number}",
        "{branch}",
        "{repo}",
        "{workspace}",
        "{prompt_file}",
    ]
    result = await harness.runner(harness.launch(command, ctx=ctx)).run()
    assert result.outcome == "succeeded"
    assert json.loads(out.read_text())[1:] == [
        title,
        "#9",
        "agent001/9-fix",
        "acme/api",
        str(harness.workspace),
        str(harness.prompt_file),
    ]
    for directory in (harness.workspace, harness.root, Path.cwd()):
        assert not any((directory / name).exists() for name in ("pwned", "pwned2", "pwned3"))


async def test_prompt_on_stdin_or_nothing(harness: Harness) -> None:
    received = harness.root / "stdin.txt"
    script = harness.script(
        "read.py", "import sys\nopen(sys.argv[1], 'w').write(sys.stdin.read())\n"
    )
    command = [sys.executable, str(script), str(received)]
    await harness.runner(harness.launch(command, stdin="prompt")).run()
    assert received.read_text() == harness.prompt_file.read_text()
    result = await harness.runner(harness.launch(command, stdin="none")).run()
    assert result.outcome == "succeeded"
    assert received.read_text() == ""


async def test_secrets_are_redacted_everywhere(harness: Harness) -> None:
    secret = Secret("s3cr3t-agent-value-redaction-test")
    script = harness.script(
        "agent.sh", '#!/bin/sh\necho "key=$AGENT_SECRET"\necho "$AGENT_SECRET" >&2\nexit 4\n'
    )
    launch = harness.launch([str(script)], env={"AGENT_SECRET": secret.reveal()})
    result = await harness.runner(launch).run()
    assert secret.reveal() not in harness.log_path.read_text()
    assert "key=***" in harness.log_lines()
    assert all(secret.reveal() not in repr(event) for event in harness.events)
    assert secret.reveal() not in result.reason and "***" in result.reason


async def test_a_failing_event_handler_does_not_stop_the_run(harness: Harness) -> None:
    def explode(event: AgentEvent) -> None:
        raise RuntimeError("viewer crashed")

    script = harness.script("agent.sh", "#!/bin/sh\necho one\necho two\n")
    runner = AgentRunner(
        harness.launch([str(script)]),
        workspace=harness.workspace,
        log_path=harness.log_path,
        timeout_s=60,
        stall_s=60,
        on_event=explode,
    )
    result = await runner.run()
    assert result.outcome == "succeeded"
    assert result.tail == ["one", "two"]
    assert any("event handler failed" in line for line in harness.log_lines())


async def test_missing_workspace_fails_clearly(harness: Harness) -> None:
    runner = AgentRunner(
        harness.launch(["true"]),
        workspace=harness.root / "gone",
        log_path=harness.log_path,
        timeout_s=60,
        stall_s=60,
    )
    result = await runner.run()
    assert result.outcome == "failed"
    assert "does not exist" in result.reason


async def test_a_runner_runs_once(harness: Harness) -> None:
    runner = harness.runner(harness.launch(["true"]))
    await runner.run()
    with pytest.raises(RuntimeError, match="once"):
        await runner.run()
