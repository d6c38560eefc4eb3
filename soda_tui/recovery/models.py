"""What a recovery scan finds: classified items per repository, and the actions each allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from soda_tui.core.models import RepoName


class OrphanKind(StrEnum):
    """The classes of left-behind work (PRODUCT.md section 7, issue 6)."""

    RECOVERABLE = "recoverable"
    """An agent branch with commits ahead of the default branch and no open pull request."""
    LANDED_LEFTOVER = "landed-leftover"
    """A branch whose pull request merged (squash included) but which still exists."""
    EMPTY = "empty"
    """An agent branch with no commits ahead of the default branch."""
    STALE_CLAIM = "stale-claim"
    """An issue claimed (agent001, or route:review without an open PR) that nothing here owns."""
    CLOSED_ELSEWHERE = "closed-elsewhere"
    """An open agent pull request whose issue someone else closed."""


class RecoveryAction(StrEnum):
    """What the user may do with an item."""

    PR = "pr"
    REQUEUE = "requeue"
    ARCHIVE = "archive"
    IGNORE = "ignore"


# Actions that take something away (a branch, a claim): they need an explicit confirmation.
DESTRUCTIVE_ACTIONS = frozenset({RecoveryAction.ARCHIVE, RecoveryAction.REQUEUE})
Location = Literal["remote", "local"]
# The state of an issue a branch names but the scan did not read (it may not even exist).
UNKNOWN_STATE = "UNKNOWN"
# Kinds whose issue may go back to the queue (a closed or landed issue may not).
REQUEUE_KINDS = frozenset({OrphanKind.RECOVERABLE, OrphanKind.EMPTY, OrphanKind.STALE_CLAIM})


@dataclass(frozen=True)
class IssueRef:
    """An issue as recovery shows it."""

    number: int
    title: str = ""
    state: str = "OPEN"
    url: str = ""
    labels: frozenset[str] = field(default_factory=frozenset)
    author: str | None = None
    updated_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "number": self.number,
            "title": self.title,
            "state": self.state,
            "url": self.url,
            "labels": sorted(self.labels),
            "author": self.author,
        }


@dataclass(frozen=True)
class PullInfo:
    """A pull request from an agent branch, with the issues it closes."""

    number: int
    url: str
    title: str
    state: str
    merged: bool
    head_oid: str
    author: str | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None
    closes: tuple[IssueRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "number": self.number,
            "url": self.url,
            "title": self.title,
            "state": self.state,
            "merged": self.merged,
            "head_oid": self.head_oid,
            "author": self.author,
            "closes": [issue.number for issue in self.closes],
        }


@dataclass(frozen=True)
class OrphanItem:
    """One piece of left-behind work: a branch, a claim, or both, and why it is listed."""

    repo: RepoName
    kind: OrphanKind
    reason: str
    branch: str | None = None
    head_oid: str | None = None
    ahead: int = 0
    head_subject: str = ""
    author: str = ""
    last_activity: datetime | None = None
    issue: IssueRef | None = None
    pull: PullInfo | None = None
    unpushed: int = 0
    """Commits on the workspace's local branch that no branch or tag on the remote has."""
    location: Location = "remote"
    """`local` when the branch exists only in soda-tui's workspace (never pushed)."""
    ignored: bool = False

    @property
    def key(self) -> str:
        """A stable identity: `owner/repo:branch` or `owner/repo:#number` for a bare claim."""
        if self.branch is not None:
            return f"{self.repo}:{self.branch}"
        number = self.issue.number if self.issue else 0
        return f"{self.repo}:#{number}"

    @property
    def issue_number(self) -> int | None:
        """The linked issue's number, when known."""
        return self.issue.number if self.issue else None

    def age_seconds(self, now: datetime) -> float | None:
        """Seconds since the last sign of activity (newest commit or issue update)."""
        if self.last_activity is None:
            return None
        return max(0.0, (now - self.last_activity).total_seconds())

    @property
    def actions(self) -> tuple[RecoveryAction, ...]:
        """The actions that make sense for this item, safest first."""
        allowed: list[RecoveryAction] = []
        has_work = self.branch is not None and (self.ahead > 0 or self.location == "local")
        if has_work and self.kind in (OrphanKind.RECOVERABLE, OrphanKind.STALE_CLAIM):
            allowed.append(RecoveryAction.PR)
        open_issue = self.issue is not None and self.issue.state == "OPEN"
        if open_issue and self.kind in REQUEUE_KINDS:
            allowed.append(RecoveryAction.REQUEUE)
        if self.branch is not None:
            allowed.append(RecoveryAction.ARCHIVE)
        allowed.append(RecoveryAction.IGNORE)
        return tuple(allowed)

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "key": self.key,
            "repo": str(self.repo),
            "kind": self.kind.value,
            "reason": self.reason,
            "branch": self.branch,
            "head_oid": self.head_oid,
            "ahead": self.ahead,
            "head_subject": self.head_subject,
            "author": self.author,
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            "age_seconds": self.age_seconds(now) if now is not None else None,
            "issue": self.issue.to_json() if self.issue else None,
            "pull_request": self.pull.to_json() if self.pull else None,
            "unpushed": self.unpushed,
            "location": self.location,
            "ignored": self.ignored,
            "actions": [action.value for action in self.actions],
        }


@dataclass(frozen=True)
class RepoScan:
    """One repository's classified items, plus what could not be looked at."""

    repo: RepoName
    default_branch: str = "main"
    branches_seen: int = 0
    items: tuple[OrphanItem, ...] = ()
    problems: tuple[str, ...] = ()
    found: bool = True


@dataclass(frozen=True)
class Scan:
    """A scan across repositories: every item, when it was taken and what it cost."""

    repos: tuple[RepoScan, ...]
    scanned_at: datetime
    requests: int = 0

    @property
    def items(self) -> list[OrphanItem]:
        """Every item of every repository, in repository order."""
        return [item for repo_scan in self.repos for item in repo_scan.items]

    @property
    def visible_items(self) -> list[OrphanItem]:
        """The items the user has not chosen to ignore."""
        return [item for item in self.items if not item.ignored]

    def find(self, key: str) -> OrphanItem | None:
        """The item with this key, if the scan has it."""
        return next((item for item in self.items if item.key == key), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "scanned_at": self.scanned_at.isoformat(),
            "requests": self.requests,
            "repos": [
                {
                    "repo": str(repo_scan.repo),
                    "found": repo_scan.found,
                    "default_branch": repo_scan.default_branch,
                    "branches_seen": repo_scan.branches_seen,
                    "problems": list(repo_scan.problems),
                    "items": [item.to_json(self.scanned_at) for item in repo_scan.items],
                }
                for repo_scan in self.repos
            ],
            "counts": {str(repo): count for repo, count in orphan_counts(self).items()},
        }


def orphan_counts(scan: Scan) -> dict[RepoName, int]:
    """How many items each repository has that the user has not ignored (for the grid's panes)."""
    return {
        repo_scan.repo: sum(1 for item in repo_scan.items if not item.ignored)
        for repo_scan in scan.repos
    }
