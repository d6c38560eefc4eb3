"""sync: reconcile local state (journals, parks, locks) with GitHub and report every difference.

GitHub is the truth: a journaled action that GitHub shows finished is closed; one whose issue
vanished, closed or changed is reported and, unless the user lets local state win, dropped (every
action re-reads GitHub before it acts, so dropping never repeats or loses work). With
`local-wins`, unfinished actions are resumed instead. Expired parks, stray locks and corrupt
journals are cleaned up and reported too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from soda_tui.agents.journal import Journal, JournalCorrupt, JournalEntry
from soda_tui.core.models import RepoName
from soda_tui.core.naming import AGENT_LABEL, READY_LABEL, REVIEW_LABEL, archive_tag
from soda_tui.loop.context import RepoContext
from soda_tui.loop.parking import parked_until
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.telemetry.conventions import ACTION
from soda_tui.telemetry.spans import traced

Resolve = Literal["github-wins", "local-wins"]
RESOLUTIONS: tuple[Resolve, ...] = ("github-wins", "local-wins")
SEEN_SUFFIX = ".seen"


@dataclass(frozen=True)
class SyncDifference:
    """One way local state and GitHub disagreed, and what sync did about it."""

    repo: str
    subject: str
    found: str
    done: str
    resolved: bool = True

    def line(self) -> str:
        """One plain line."""
        mark = "" if self.resolved else "! "
        return f"{mark}{self.repo}: {self.subject}: {self.found} → {self.done}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "repo": self.repo,
            "subject": self.subject,
            "found": self.found,
            "done": self.done,
            "resolved": self.resolved,
        }


@dataclass(frozen=True)
class SyncReport:
    """Every difference sync found across the repositories it looked at."""

    repos: tuple[str, ...]
    resolve: Resolve
    differences: tuple[SyncDifference, ...]

    @property
    def unresolved(self) -> list[SyncDifference]:
        """The differences that still need the user."""
        return [difference for difference in self.differences if not difference.resolved]

    @property
    def exit_code(self) -> Exit:
        """0 when in sync now, 1 when something still needs the user."""
        return Exit.NOTHING if self.unresolved else Exit.DONE

    def lines(self) -> list[str]:
        """The report as plain lines."""
        if not self.differences:
            return [f"in sync: {len(self.repos)} repositories, nothing differs from GitHub"]
        return [difference.line() for difference in self.differences]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "action": "sync",
            "ok": not self.unresolved,
            "exit_code": int(self.exit_code),
            "resolve": self.resolve,
            "repos": list(self.repos),
            "differences": [difference.to_json() for difference in self.differences],
        }


@dataclass(frozen=True)
class _GitHubView:
    """What GitHub says about the issue and branch of one journaled action."""

    issue_found: bool
    issue_state: str | None
    issue_title: str
    labels: frozenset[str]
    branch_oid: str | None
    tag_oid: str | None
    open_pull: bool
    merged_pull: bool


@traced("sync", **{ACTION: "sync"})
async def sync(contexts: Sequence[RepoContext], *, resolve: Resolve = "github-wins") -> SyncReport:
    """Reconcile each repository's journals, parks and locks with GitHub; report what differed."""
    if resolve not in RESOLUTIONS:
        raise ActionRefused(
            f"--resolve must be one of {', '.join(RESOLUTIONS)}, not {resolve!r}", Exit.USAGE
        )
    from soda_tui.recovery.locks import live_lock, remove_stray_locks
    from soda_tui.recovery.target import recovery_journal

    differences: list[SyncDifference] = []
    for ctx in contexts:
        repo = str(ctx.repo)
        holder = live_lock(ctx.paths.state_dir, ctx.repo)
        for label, journal in (
            ("journal", ctx.journal()),
            ("recovery journal", recovery_journal(ctx)),
        ):
            differences += _acknowledge_corrupt(repo, label, journal.path)
            try:
                entry = journal.load()
            except JournalCorrupt as corrupt:
                differences.append(
                    SyncDifference(
                        repo,
                        label,
                        f"unreadable ({corrupt.reason})",
                        f"moved aside to {corrupt.moved_to.name}; state rebuilt from GitHub",
                    )
                )
                _mark_seen(corrupt.moved_to)
                continue
            if entry is None:
                continue
            if holder is not None:
                differences.append(
                    SyncDifference(
                        repo,
                        label,
                        f"{entry.action} of #{entry.issue_number} is in progress "
                        f"({holder.holder}, pid {holder.pid})",
                        "left alone",
                    )
                )
                continue
            differences.append(await _reconcile(ctx, label, journal, entry, resolve))
        differences += _expired_parks(ctx)
    if contexts:
        state_dir = contexts[0].paths.state_dir
        for info in remove_stray_locks(state_dir):
            differences.append(
                SyncDifference(
                    info.path.name.removesuffix(".lock").replace("__", "/", 1),
                    "lock",
                    f"held by {info.holder} (pid {info.pid}), which is no longer running",
                    "removed",
                )
            )
    return SyncReport(tuple(str(ctx.repo) for ctx in contexts), resolve, tuple(differences))


async def _view(ctx: RepoContext, entry: JournalEntry) -> _GitHubView:
    branch = entry.facts.get("branch")
    branch = branch if isinstance(branch, str) and branch else None
    number = entry.issue_number
    tag = entry.facts.get("tag") or (archive_tag(branch) if branch else None)
    data = await ctx.client.execute(
        "SyncCheck",
        {
            "owner": ctx.repo.owner,
            "name": ctx.repo.name,
            "number": number,
            "withIssue": number > 0,
            "branch": branch or "",
            "branchRef": f"refs/heads/{branch}" if branch else "refs/heads/",
            "tagRef": f"refs/tags/{tag}" if tag else "refs/tags/",
        },
        allow_partial=True,  # a vanished issue comes back as null with an error
    )
    repository = data.get("repository") or {}
    issue = repository.get("issue") or {}
    pulls = [n for n in (repository.get("pullRequests") or {}).get("nodes") or [] if n]
    return _GitHubView(
        issue_found=bool(issue),
        issue_state=issue.get("state"),
        issue_title=issue.get("title", ""),
        labels=frozenset(n["name"] for n in (issue.get("labels") or {}).get("nodes") or [] if n),
        branch_oid=((repository.get("branch") or {}).get("target") or {}).get("oid"),
        tag_oid=((repository.get("tag") or {}).get("target") or {}).get("oid"),
        open_pull=any(p.get("state") == "OPEN" for p in pulls) if branch else False,
        merged_pull=any(p.get("merged") for p in pulls) if branch else False,
    )


def _completed(entry: JournalEntry, view: _GitHubView, recovery: bool) -> bool:
    """Whether GitHub already shows the action's end state."""
    labels, action = view.labels, entry.action
    open_issue = view.issue_state == "OPEN"
    if recovery:
        if action == "archive":
            head = entry.facts.get("head_oid")
            return view.tag_oid is not None and view.tag_oid == head and view.branch_oid != head
        if action == "pr":
            no_issue = entry.issue_number <= 0 or not open_issue
            return view.open_pull and (no_issue or REVIEW_LABEL in labels)
        if action == "requeue":
            return open_issue and READY_LABEL in labels and AGENT_LABEL not in labels
        return False
    if action == "pop":
        return open_issue and AGENT_LABEL in labels and view.branch_oid is not None
    if action == "bottle":
        return (view.open_pull or view.merged_pull) and (
            REVIEW_LABEL in labels or view.issue_state == "CLOSED"
        )
    if action == "land":
        return (
            view.merged_pull
            and view.issue_state == "CLOSED"
            and REVIEW_LABEL not in labels
            and view.branch_oid is None
        )
    return False  # a run happens on this machine: GitHub cannot show it finished


def _changed(entry: JournalEntry, view: _GitHubView, recovery: bool) -> str | None:
    """How the issue changed under the action, or None."""
    if entry.issue_number <= 0 or (recovery and entry.action != "requeue"):
        return None  # archiving or recovering a branch does not depend on its issue
    if not view.issue_found:
        return f"issue #{entry.issue_number} no longer exists"
    if view.issue_state == "CLOSED" and entry.action != "land":
        return f"issue #{entry.issue_number} was closed"
    if entry.action == "run" and AGENT_LABEL not in view.labels:
        return f"issue #{entry.issue_number} is no longer claimed (no {AGENT_LABEL})"
    return None


async def _reconcile(
    ctx: RepoContext, label: str, journal: Journal, entry: JournalEntry, resolve: Resolve
) -> SyncDifference:
    repo = str(ctx.repo)
    recovery = label != "journal"
    what = f"unfinished {entry.action}" + (
        f" of #{entry.issue_number}" if entry.issue_number > 0 else ""
    )
    if entry.facts.get("branch"):
        what += f" ({entry.facts['branch']})"
    view = await _view(ctx, entry)
    if _completed(entry, view, recovery):
        journal.finish("synced: already done on GitHub")
        return SyncDifference(repo, label, f"{what} is already done on GitHub", "closed")
    change = _changed(entry, view, recovery)
    title = entry.facts.get("title")
    if change is None and isinstance(title, str) and view.issue_found and title != view.issue_title:
        change = f"issue #{entry.issue_number} was retitled to {view.issue_title!r}"
    if resolve == "github-wins":
        reason = change or "GitHub does not show it done"
        journal.finish(f"synced: dropped ({reason})")
        return SyncDifference(
            repo, label, f"{what}: {reason}", "dropped (GitHub wins; nothing was undone)"
        )
    if change is not None:
        return SyncDifference(
            repo,
            label,
            f"{what}: {change}",
            "kept (local wins): finish or drop it with `soda-tui sync --resolve github-wins`",
            resolved=False,
        )
    return await _resume(ctx, label, what, entry, recovery)


async def _resume(
    ctx: RepoContext, label: str, what: str, entry: JournalEntry, recovery: bool
) -> SyncDifference:
    repo = str(ctx.repo)
    from soda_tui.loop.bottle import bottle
    from soda_tui.loop.land import land
    from soda_tui.loop.pop import pop
    from soda_tui.recovery.actions import resume_unfinished

    try:
        if recovery:
            result = await resume_unfinished(ctx)
        elif entry.action == "pop":
            result = await pop(ctx)
        elif entry.action == "bottle":
            result = await bottle(ctx, entry.issue_number)
        elif entry.action == "land":
            result = await land(ctx, entry.issue_number)
        else:
            return SyncDifference(
                repo,
                label,
                what,
                f"kept (local wins): run `soda-tui run --repo {repo} --issue "
                f"{entry.issue_number}` to finish it",
                resolved=False,
            )
    except ActionRefused as refusal:
        return SyncDifference(repo, label, what, f"resuming refused: {refusal.message}", False)
    if result is None or result.ok:
        return SyncDifference(
            repo, label, what, f"resumed (local wins): {result.message if result else 'done'}"
        )
    return SyncDifference(repo, label, what, f"resumed, not finished: {result.message}", False)


def _expired_parks(ctx: RepoContext) -> list[SyncDifference]:
    parked_dir = ctx.paths.state_dir / "parked"
    if not parked_dir.is_dir():
        return []
    differences = []
    wanted = f"{ctx.repo.owner}__{ctx.repo.name}.json".lower()
    for path in sorted(parked_dir.glob("*.json")):
        if path.name.lower() != wanted:
            continue
        owner, _, name = path.stem.partition("__")
        try:
            until = json.loads(path.read_text(encoding="utf-8")).get("until", "?")
        except (OSError, ValueError, AttributeError):
            until = "an unreadable time"
        if parked_until(ctx.paths.state_dir, RepoName(owner, name), ctx.clock.now()) is None:
            differences.append(
                SyncDifference(str(ctx.repo), "park", f"parked until {until}, expired", "dropped")
            )
    return differences


def _acknowledge_corrupt(repo: str, label: str, path: Path) -> list[SyncDifference]:
    """Report journals an earlier action moved aside as corrupt, once each."""
    found = []
    for moved in sorted(path.parent.glob(f"{path.name}.corrupt-*")):
        if moved.name.endswith(SEEN_SUFFIX):
            continue
        found.append(
            SyncDifference(
                repo,
                label,
                f"was unreadable and moved aside to {moved.name}",
                "state rebuilt from GitHub (the file is kept for you to read)",
            )
        )
        _mark_seen(moved)
    return found


def _mark_seen(path: Path) -> None:
    path.rename(path.with_name(path.name + SEEN_SUFFIX))
