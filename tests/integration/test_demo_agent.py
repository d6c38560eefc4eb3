"""The demo agent in a real git repository: it commits, and each directive does what it says."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from soda_tui.agents.demo_agent import parse_directives, usage_limit_line
from soda_tui.agents.events import RunResult
from soda_tui.agents.presets import AgentLaunchSpec, build_launch
from soda_tui.agents.prompt import IssueContext, write_prompt_file
from soda_tui.agents.runner import AgentRunner
from soda_tui.agents.usage_limits import reset_time
from soda_tui.core.naming import branch_name


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


class DemoRepo:
    """A workspace cloned from a bare origin and checked out on an agent branch."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.origin = root / "origin.git"
        _git(root, "init", "-q", "--bare", "-b", "main", str(self.origin))
        self.workspace = root / "workspace"
        _git(root, "clone", "-q", str(self.origin), str(self.workspace))
        (self.workspace / "README.md").write_text("# api\n", encoding="utf-8")
        _git(self.workspace, "add", "README.md")
        _git(self.workspace, "commit", "-q", "-m", "initial")
        _git(self.workspace, "push", "-q", "origin", "main")
        self.log_path = root / "run" / "agent.log"

    def checkout(self, ctx: IssueContext) -> None:
        _git(self.workspace, "checkout", "-q", "-B", ctx.branch, "main")

    async def run(self, ctx: IssueContext, **options: object) -> RunResult:
        prompt_file = write_prompt_file(ctx, self.root / "run")
        spec = AgentLaunchSpec(preset="demo", env={"SODA_DEMO_FAST": "1"})
        launch = build_launch(spec, ctx, prompt_file, self.workspace, base_env=os.environ)
        options.setdefault("timeout_s", 120)
        options.setdefault("stall_s", 60)
        runner = AgentRunner(launch, workspace=self.workspace, log_path=self.log_path, **options)  # type: ignore[arg-type]
        return await runner.run()

    def ahead(self) -> int:
        return int(_git(self.workspace, "rev-list", "--count", "main..HEAD"))

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8")


def _issue(number: int, title: str, body: str = "") -> IssueContext:
    return IssueContext(
        repo="acme/api",
        number=number,
        title=title,
        body=body,
        branch=branch_name(number, title),
        base_branch="main",
        url=f"https://github.com/acme/api/issues/{number}",
    )


@pytest.fixture
def repo(tmp_path: Path) -> DemoRepo:
    return DemoRepo(tmp_path)


async def test_demo_agent_commits_a_change_about_the_issue(repo: DemoRepo) -> None:
    ctx = _issue(12, "Add a health endpoint", "GET /health should answer 200.")
    repo.checkout(ctx)
    result = await repo.run(ctx)
    assert result.outcome == "succeeded", result.reason
    assert repo.ahead() == 1
    author = _git(repo.workspace, "log", "-1", "--format=%an <%ae>")
    assert author == "soda demo agent <demo-agent@soda.invalid>"
    assert _git(repo.workspace, "log", "-1", "--format=%s") == "Add a health endpoint (#12)"
    assert _git(repo.workspace, "rev-parse", "--abbrev-ref", "HEAD") == ctx.branch
    notes = (repo.workspace / "notes" / "issue-12.md").read_text(encoding="utf-8")
    assert "#12" in notes and "Add a health endpoint" in notes
    assert "GET /health should answer 200." in notes
    assert _git(repo.workspace, "status", "--porcelain") == ""
    assert len(result.tail) >= 5  # a realistic little stream of what it did
    # It never pushes: the origin still has main only.
    assert _git(repo.origin, "for-each-ref", "--format=%(refname)") == "refs/heads/main"


async def test_a_second_run_adds_another_commit(repo: DemoRepo) -> None:
    ctx = _issue(3, "Document the CLI")
    repo.checkout(ctx)
    assert (await repo.run(ctx)).outcome == "succeeded"
    assert (await repo.run(ctx)).outcome == "succeeded"
    assert repo.ahead() == 2
    notes = (repo.workspace / "notes" / "issue-3.md").read_text(encoding="utf-8")
    assert "## Another pass" in notes


async def test_fail_directive(repo: DemoRepo) -> None:
    ctx = _issue(4, "Impossible task", "soda-demo: fail")
    repo.checkout(ctx)
    result = await repo.run(ctx)
    assert result.outcome == "failed"
    assert result.exit_code == 1
    assert "soda-demo: fail" in result.reason
    assert repo.ahead() == 0


async def test_no_commit_directive(repo: DemoRepo) -> None:
    ctx = _issue(5, "Already done", "Nothing to do here.\nsoda-demo: no-commit")
    repo.checkout(ctx)
    result = await repo.run(ctx)
    assert result.outcome == "succeeded" and result.exit_code == 0
    assert repo.ahead() == 0


async def test_hang_directive_stalls(repo: DemoRepo) -> None:
    ctx = _issue(6, "Hangs forever", "soda-demo: hang")
    repo.checkout(ctx)
    result = await repo.run(ctx, stall_s=1)
    assert result.outcome == "stalled"
    assert not [line for line in repo.log_text().splitlines() if not line.startswith("[soda]")]
    assert repo.ahead() == 0


async def test_flood_directive_prints_then_commits(repo: DemoRepo) -> None:
    ctx = _issue(7, "Noisy build", "soda-demo: flood 5000")
    repo.checkout(ctx)
    result = await repo.run(ctx)
    assert result.outcome == "succeeded"
    flood = [line for line in repo.log_text().splitlines() if line.startswith("build output line")]
    assert len(flood) == 5000
    assert flood[-1] == "build output line 5000 of 5000"
    assert repo.ahead() == 1


async def test_steady_output_directive(repo: DemoRepo) -> None:
    ctx = _issue(8, "Slow and steady", "soda-demo: lines-per-second 40 seconds 0.5")
    repo.checkout(ctx)
    result = await repo.run(ctx)
    assert result.outcome == "succeeded"
    steps = [line for line in repo.log_text().splitlines() if line.startswith("working: step")]
    assert steps == [f"working: step {index} of 20" for index in range(1, 21)]
    assert repo.ahead() == 1


async def test_edit_directive_writes_the_text_and_commits(repo: DemoRepo) -> None:
    ctx = _issue(9, "Rewrite the readme", "soda-demo: edit README.md # a conflicting title")
    repo.checkout(ctx)
    result = await repo.run(ctx)
    assert result.outcome == "succeeded"
    assert (repo.workspace / "README.md").read_text(encoding="utf-8") == "# a conflicting title\n"
    assert _git(repo.workspace, "show", "--name-only", "--format=", "HEAD") == "README.md"


async def test_edit_outside_the_workspace_is_refused(repo: DemoRepo) -> None:
    ctx = _issue(10, "Escape", "soda-demo: edit ../escaped.txt gotcha")
    repo.checkout(ctx)
    result = await repo.run(ctx)
    assert result.outcome == "failed"
    assert "outside the workspace" in result.reason
    assert not (repo.root / "escaped.txt").exists()
    assert repo.ahead() == 0


async def test_usage_limit_directive_parks_the_run(repo: DemoRepo) -> None:
    ctx = _issue(11, "Limited", "soda-demo: usage-limit")
    repo.checkout(ctx)
    before = datetime.now(UTC)
    result = await repo.run(ctx)
    assert result.outcome == "usage_limited"
    assert result.exit_code == 1
    assert result.usage_limit_reset is not None
    assert before < result.usage_limit_reset <= before + timedelta(hours=1, minutes=1)
    assert repo.ahead() == 0


def test_usage_limit_line_is_claude_shaped() -> None:
    now = datetime(2026, 5, 1, 23, 20, tzinfo=UTC)
    line = usage_limit_line(now)
    assert line == "You've hit your limit · resets 12am (UTC)"
    assert reset_time(line, now) == datetime(2026, 5, 2, 0, 0, tzinfo=UTC)


def test_directives_are_read_from_the_body() -> None:
    body = "Text\nsoda-demo: flood 12\n  soda-demo: edit a/b.txt hello world\nsoda-demo: dance\n"
    directives = parse_directives(body)
    assert directives.flood_lines == 12
    assert directives.edits == (("a/b.txt", "hello world"),)
    assert directives.unknown == ("soda-demo: dance",)
    assert not directives.fail and not directives.hang
    assert parse_directives("no directives here") == parse_directives("")


def test_outside_a_git_workspace_it_refuses(tmp_path: Path) -> None:
    prompt_file = write_prompt_file(_issue(1, "Anything"), tmp_path / "run")
    plain_dir = tmp_path / "plain"
    plain_dir.mkdir()
    env = dict(os.environ) | {"SODA_DEMO_FAST": "1", "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "soda_tui.agents.demo_agent", "--prompt-file", str(prompt_file)],
        cwd=plain_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "not a git workspace" in result.stderr
