"""The demo agent: a small real agent that edits and commits in its workspace, steered by the issue.

Run as `python -m soda_tui.agents.demo_agent --prompt-file P` inside a git workspace checked out
on the agent branch. Lines `soda-demo: <directive>` in the issue body change what it does:
`fail`, `no-commit`, `hang`, `flood N`, `lines-per-second R seconds S`, `edit PATH TEXT` and
`usage-limit`. It never pushes and never touches the network.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from soda_tui.agents.prompt import IssueContext, PromptFormatError, read_prompt_file

AUTHOR_NAME = "soda demo agent"
AUTHOR_EMAIL = "demo-agent@soda.invalid"
EXIT_FAILED = 1
EXIT_USAGE = 2
_DIRECTIVE = re.compile(r"^\s*soda-demo:\s*(?P<name>[a-z-]+)\s*(?P<args>.*?)\s*$", re.MULTILINE)
_RATE_ARGS = re.compile(r"(?P<rate>\d+(?:\.\d+)?)\s+seconds\s+(?P<seconds>\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Directives:
    """What the issue body asks of the demo agent."""

    fail: bool = False
    no_commit: bool = False
    hang: bool = False
    usage_limit: bool = False
    flood_lines: int = 0
    lines_per_second: float = 0.0
    steady_seconds: float = 0.0
    edits: tuple[tuple[str, str], ...] = ()
    unknown: tuple[str, ...] = ()


def parse_directives(body: str) -> Directives:
    """Read the `soda-demo:` lines of an issue body."""
    flags: set[str] = set()
    flood_lines = 0
    lines_per_second = steady_seconds = 0.0
    edits: list[tuple[str, str]] = []
    unknown: list[str] = []
    for match in _DIRECTIVE.finditer(body):
        name, args = match.group("name"), match.group("args")
        if name in ("fail", "no-commit", "hang", "usage-limit") and not args:
            flags.add(name)
        elif name == "flood" and args.isdigit():
            flood_lines = int(args)
        elif name == "lines-per-second" and (rate := _RATE_ARGS.fullmatch(args)) is not None:
            lines_per_second = float(rate.group("rate"))
            steady_seconds = float(rate.group("seconds"))
        elif name == "edit" and args:
            path, _, text = args.partition(" ")
            edits.append((path, text))
        else:
            unknown.append(match.group(0).strip())
    return Directives(
        fail="fail" in flags,
        no_commit="no-commit" in flags,
        hang="hang" in flags,
        usage_limit="usage-limit" in flags,
        flood_lines=flood_lines,
        lines_per_second=lines_per_second,
        steady_seconds=steady_seconds,
        edits=tuple(edits),
        unknown=tuple(unknown),
    )


def usage_limit_line(now: datetime) -> str:
    """A Claude-style usage-limit line whose reset is the next full hour after `now` (UTC)."""
    reset = (now.astimezone(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    hour = reset.hour % 12 or 12
    return f"You've hit your limit · resets {hour}{'am' if reset.hour < 12 else 'pm'} (UTC)"


class DemoAgent:
    """One run of the demo agent in a workspace."""

    def __init__(self, ctx: IssueContext, workspace: Path, *, fast: bool) -> None:
        self.ctx = ctx
        self.workspace = workspace
        self.fast = fast
        self.directives = parse_directives(ctx.body)

    def say(self, text: str) -> None:
        """Print one line of progress, then pause a moment so a watcher sees it happen."""
        print(text, flush=True)
        if not self.fast:
            time.sleep(random.uniform(0.1, 0.3))

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run git in the workspace with the demo agent's identity."""
        identity = ["-c", f"user.name={AUTHOR_NAME}", "-c", f"user.email={AUTHOR_EMAIL}"]
        return subprocess.run(
            ["git", *identity, "-c", "commit.gpgsign=false", *args],
            cwd=self.workspace,
            capture_output=True,
            text=True,
            check=False,
        )

    def run(self) -> int:
        """Do the work the issue asks for and return the process exit code."""
        directives = self.directives
        if directives.hang:
            while True:  # told to hang: sleep, silently, until someone stops us
                time.sleep(3600)
        self.say(f"Reading issue #{self.ctx.number}: {self.ctx.title}")
        for line in directives.unknown:
            self.say(f"Ignoring an unknown directive: {line}")
        if directives.usage_limit:
            print(usage_limit_line(datetime.now(UTC)), flush=True)
            return EXIT_FAILED
        inside = self.git("rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0:
            print(f"error: {self.workspace} is not a git workspace", file=sys.stderr, flush=True)
            return EXIT_USAGE
        branch = self.git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
        tracked = len(self.git("ls-files").stdout.splitlines())
        self.say(f"Looking around: {tracked} tracked files on {branch}")
        if directives.fail:
            print("error: cannot resolve this issue (soda-demo: fail)", file=sys.stderr, flush=True)
            return EXIT_FAILED
        self._produce_output()
        if directives.no_commit:
            self.say("Nothing to change for this issue; stopping without a commit")
            return 0
        try:
            changed = self._apply_edits() if directives.edits else [self._write_notes()]
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            return EXIT_USAGE
        return self._commit(changed)

    def _produce_output(self) -> None:
        directives = self.directives
        if directives.flood_lines:
            self.say(f"Printing {directives.flood_lines} lines of build output")
            write = sys.stdout.write
            for index in range(1, directives.flood_lines + 1):
                write(f"build output line {index} of {directives.flood_lines}\n")
            sys.stdout.flush()
        if directives.lines_per_second > 0 and directives.steady_seconds > 0:
            interval = 1.0 / directives.lines_per_second
            count = max(1, round(directives.lines_per_second * directives.steady_seconds))
            start = time.monotonic()
            for index in range(1, count + 1):
                print(f"working: step {index} of {count}", flush=True)
                time.sleep(max(0.0, start + index * interval - time.monotonic()))

    def _apply_edits(self) -> list[str]:
        changed = []
        for relative, text in self.directives.edits:
            target = (self.workspace / relative).resolve()
            root = self.workspace.resolve()
            if Path(relative).is_absolute() or not target.is_relative_to(root) or target == root:
                raise ValueError(f"refusing to edit {relative!r}: it is outside the workspace")
            if ".git" in target.relative_to(root).parts:
                raise ValueError(f"refusing to edit {relative!r}: it is inside .git")
            self.say(f"Editing {relative}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"{text}\n", encoding="utf-8")
            changed.append(str(target.relative_to(root)))
        return changed

    def _write_notes(self) -> str:
        relative = f"notes/issue-{self.ctx.number}.md"
        target = self.workspace / relative
        self.say(f"Plan: record what issue #{self.ctx.number} asks for in {relative}")
        asked = "\n".join(
            line.rstrip() for line in self.ctx.body.splitlines() if not _DIRECTIVE.match(line)
        ).strip()
        if target.exists():
            section = f"\n## Another pass\n\nLooked at issue #{self.ctx.number} again.\n"
            self.say(f"Editing {relative} (adding a section)")
            with target.open("a", encoding="utf-8") as stream:
                stream.write(section)
            return relative
        self.say(f"Writing {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            f"# Issue #{self.ctx.number}: {self.ctx.title}\n\n"
            f"Notes from the soda demo agent on {self.ctx.repo or 'this repository'}.\n\n"
            f"## What was asked\n\n{asked[:600] or '(the issue has no description)'}\n",
            encoding="utf-8",
        )
        return relative

    def _commit(self, changed: list[str]) -> int:
        self.say("Running checks: ok")
        title = self.ctx.title.strip() or "Work on the issue"
        message = f"{title} (#{self.ctx.number})"
        self.git("add", "--", *changed)
        commit = self.git("commit", "-m", message, "--", *changed)
        if commit.returncode != 0:
            detail = (commit.stderr or commit.stdout).strip().splitlines()
            print(f"error: git commit failed: {' '.join(detail)}", file=sys.stderr, flush=True)
            return EXIT_FAILED
        for line in commit.stdout.splitlines()[:1]:
            self.say(line)
        self.say(f"Done: committed {message!r}")
        return 0


def _context_from(args: argparse.Namespace) -> IssueContext:
    prompt_file = args.prompt_file or os.environ.get("SODA_PROMPT_FILE")
    if prompt_file:
        return read_prompt_file(Path(prompt_file))
    number = os.environ.get("SODA_ISSUE_NUMBER", "")
    if not number.isdigit():
        raise PromptFormatError("no --prompt-file and no SODA_ISSUE_NUMBER in the environment")
    return IssueContext(
        repo=os.environ.get("SODA_REPO", ""),
        number=int(number),
        title=os.environ.get("SODA_ISSUE_TITLE", ""),
        branch=os.environ.get("SODA_BRANCH", ""),
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: read the issue, do the work, return the exit code."""
    parser = argparse.ArgumentParser(prog="soda-demo-agent", description=__doc__)
    parser.add_argument(
        "--prompt-file", help="the prompt soda-tui wrote (default: $SODA_PROMPT_FILE)"
    )
    parser.add_argument("--workspace", default=".", help="the git workspace (default: cwd)")
    args = parser.parse_args(argv)
    try:
        ctx = _context_from(args)
    except (OSError, PromptFormatError) as error:
        print(f"error: cannot read the issue: {error}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    fast = os.environ.get("SODA_DEMO_FAST") == "1"
    return DemoAgent(ctx, Path(args.workspace), fast=fast).run()


if __name__ == "__main__":
    sys.exit(main())
