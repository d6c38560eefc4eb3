"""doctor's checks that need no GitHub: the report model, git, agents, workspaces, labels, access."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from soda_tui.agents.presets import (
    AgentConfigError,
    AgentLaunchSpec,
    AgentSpecLike,
    build_launch,
    missing_executable_message,
)
from soda_tui.agents.prompt import IssueContext, write_prompt_file
from soda_tui.core.models import RepoName
from soda_tui.core.secrets import Secret
from soda_tui.git.errors import GitError
from soda_tui.git.workspace import Workspace
from soda_tui.loop.results import Exit
from soda_tui.recovery.locks import lock_path, pid_alive, read_lock
from soda_tui.settings.resolved import RepoConfig

WRITERS = frozenset({"ADMIN", "MAINTAIN", "WRITE"})


@dataclass(frozen=True)
class Check:
    """One thing doctor looked at: what it found and, when it failed, the one-line fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    repo: str | None = None

    def line(self) -> str:
        """One plain line: `ok`/`FAIL`, the check, what was found, and the fix."""
        where = f" {self.repo}" if self.repo else ""
        text = f"{'ok  ' if self.ok else 'FAIL'} {self.name}{where}: {self.detail}"
        return text if self.ok or not self.fix else f"{text} (fix: {self.fix})"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "check": self.name,
            "repo": self.repo,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix or None,
        }


@dataclass(frozen=True)
class DoctorReport:
    """Every check doctor ran."""

    checks: tuple[Check, ...]

    @property
    def failures(self) -> list[Check]:
        """The checks that failed."""
        return [check for check in self.checks if not check.ok]

    @property
    def exit_code(self) -> Exit:
        """0 when every check passed, 1 on any failure."""
        return Exit.NOTHING if self.failures else Exit.DONE

    def lines(self) -> list[str]:
        """The report as plain lines, with a summary last."""
        failed = len(self.failures)
        summary = "all checks passed" if not failed else f"{failed} check(s) failed"
        return [check.line() for check in self.checks] + [summary]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "action": "doctor",
            "ok": not self.failures,
            "exit_code": int(self.exit_code),
            "checks": [check.to_json() for check in self.checks],
        }


def check_git(environ: Mapping[str, str]) -> Check:
    """`git` must be on PATH (agents commit with it; soda-tui itself uses dulwich)."""
    found = shutil.which("git", path=environ.get("PATH", ""))
    if found:
        return Check("git", True, f"found at {found}")
    return Check("git", False, "git is not on PATH", "install git and make sure PATH includes it")


def check_permission(repo: str, permission: str | None) -> Check:
    """The token needs write access to run the loop in `repo`."""
    shown = (permission or "none").lower()
    if permission in WRITERS:
        return Check("access", True, f"the token can {shown} the repository", repo=repo)
    return Check(
        "access",
        False,
        f"the token can only {shown} the repository",
        "use a token with the repo scope (or Contents, Issues and Pull requests: write)",
        repo=repo,
    )


def check_labels(repo: str, present: Iterable[str], required: Iterable[str]) -> Check:
    """Every protocol label must exist in `repo`."""
    missing = sorted(set(required) - set(present))
    if not missing:
        return Check("labels", True, "every protocol label exists", repo=repo)
    return Check(
        "labels",
        False,
        f"missing {len(missing)} label(s): {', '.join(missing)}",
        f"run `soda-tui init {repo}`",
        repo=repo,
    )


def check_agent(config: RepoConfig, workspace: Path, environ: Mapping[str, str]) -> Check:
    """The repository's agent command must resolve to a program."""
    # The same conversion the loop's run makes (pydantic's fields satisfy the protocol at run time).
    spec = AgentLaunchSpec.from_settings(cast("AgentSpecLike", config.agent))
    context = IssueContext(repo=config.name, number=1, title="doctor", branch="agent001/1-doctor")
    with tempfile.TemporaryDirectory(prefix="soda-doctor-") as scratch:
        prompt = write_prompt_file(context, Path(scratch))
        try:
            launch = build_launch(spec, context, prompt, workspace, base_env=environ)
        except (AgentConfigError, ValueError) as error:
            return Check("agent", False, str(error), "fix the agent in the config", config.name)
        problem = missing_executable_message(launch, workspace)
    if problem is None:
        return Check("agent", True, f"{spec.preset}: {launch.argv[0]} found", repo=config.name)
    detail, _, fix = problem.partition(": ")
    return Check("agent", False, detail, fix or "fix the agent command", config.name)


def check_workspace(
    repo: RepoName, path: Path, remote_url: str, token: Secret | None, state_dir: Path
) -> list[Check]:
    """The workspace is a clone of the right remote, readable, with no stray locks."""
    name = str(repo)
    checks = []
    workspace = Workspace(path, remote_url, token)
    if not workspace.exists():
        checks.append(Check("workspace", True, f"not cloned yet ({path})", repo=name))
    else:
        try:
            workspace.ensure_clone()  # only verifies: the clone exists
            checks.append(Check("workspace", True, f"healthy clone of {remote_url}", repo=name))
        except GitError as error:
            checks.append(Check("workspace", False, error.summary, f"move {path} aside", repo=name))
    holder = read_lock(lock_path(state_dir, repo))
    if holder is not None and holder.alive:
        return checks  # a worker runs here: its git locks are not stray
    if holder is not None:
        checks.append(
            Check(
                "locks",
                False,
                f"stray repository lock from pid {holder.pid}, which is no longer running",
                "run `soda-tui sync` (it removes stray locks)",
                name,
            )
        )
    stray = stray_git_locks(path)
    if stray:
        shown = ", ".join(str(p.relative_to(path.parent)) for p in stray[:3])
        checks.append(
            Check(
                "locks",
                False,
                f"stray git lock file(s) in the workspace: {shown}",
                "delete them (no soda-tui worker runs in this repository)",
                name,
            )
        )
    elif holder is None:
        checks.append(Check("locks", True, "no stray locks", repo=name))
    return checks


def stray_git_locks(path: Path) -> list[Path]:
    """Lock files git or dulwich leave when killed mid-write, and abandoned clone directories."""
    found: list[Path] = []
    git_dir = path / ".git"
    if git_dir.is_dir():
        found += sorted(git_dir.glob("*.lock"))
        found += sorted((git_dir / "refs").rglob("*.lock")) if (git_dir / "refs").is_dir() else []
    if path.parent.is_dir():
        for staging in sorted(path.parent.glob(f".{path.name}.cloning-*")):
            pid = staging.name.rsplit("-", 1)[-1]
            if not (pid.isdigit() and pid_alive(int(pid))):
                found.append(staging)
    return found
