"""Frozen models of the things soda-tui reasons about: repositories, issues, pull requests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from soda_tui.core.naming import (
    AGENT_LABEL,
    BLOCKED_LABEL,
    HUMAN_ONLY_LABELS,
    QUEUE_ORDER_LABELS,
    QUEUEING_LABELS,
    REVIEW_LABEL,
)

_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_REPO_RE = re.compile(rf"({_OWNER})/({_REPO})")


@dataclass(frozen=True, order=True)
class RepoName:
    """A repository named `owner/name` as GitHub spells it."""

    owner: str
    name: str

    @classmethod
    def parse(cls, text: str) -> RepoName:
        """Parse `owner/name`, refusing anything GitHub would not accept (no paths, no dots only)."""
        match = _REPO_RE.fullmatch(text.strip())
        if not match or match.group(2) in {".", ".."}:
            raise ValueError(
                f"{text!r} is not a repository name: expected OWNER/REPO, e.g. acme/api"
            )
        return cls(match.group(1), match.group(2))

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}"


def parse_time(text: str | None) -> datetime | None:
    """Parse GitHub's ISO-8601 timestamps (with a trailing Z) into aware datetimes."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def queue_rank(labels: frozenset[str] | set[str]) -> int:
    """Position of an issue's priority class in the queue order; lower pops first."""
    for rank, label in enumerate(QUEUE_ORDER_LABELS):
        if label in labels:
            return rank
    return len(QUEUE_ORDER_LABELS)


def priority_name(labels: frozenset[str] | set[str]) -> str:
    """A short priority word for display: unblocker, ready-to-merge, very-high … low, or none."""
    rank = queue_rank(labels)
    if rank >= len(QUEUE_ORDER_LABELS):
        return "none"
    label = QUEUE_ORDER_LABELS[rank]
    return label.removeprefix("route:").removeprefix("priority-").replace("_", "-")


def is_queued(labels: frozenset[str] | set[str]) -> bool:
    """True when an open issue with these labels is waiting in the queue (PRODUCT.md section 2)."""
    if not any(label in labels for label in QUEUEING_LABELS):
        return False
    blocking = {AGENT_LABEL, REVIEW_LABEL, BLOCKED_LABEL, *HUMAN_ONLY_LABELS}
    return not (labels & blocking)


@dataclass(frozen=True)
class Issue:
    """An issue as the loop sees it."""

    node_id: str
    number: int
    title: str
    url: str = ""
    state: str = "OPEN"
    created_at: datetime | None = None
    labels: frozenset[str] = field(default_factory=frozenset)
    body: str = ""

    @property
    def rank(self) -> int:
        """Queue position class (see `queue_rank`)."""
        return queue_rank(self.labels)

    @property
    def priority(self) -> str:
        """Priority word for display."""
        return priority_name(self.labels)

    @classmethod
    def from_graphql(cls, node: dict) -> Issue:
        """Build from a GraphQL Issue node with the usual fields."""
        labels = frozenset(item["name"] for item in (node.get("labels") or {}).get("nodes", []))
        return cls(
            node_id=node.get("id", ""),
            number=int(node["number"]),
            title=node.get("title", ""),
            url=node.get("url", "") or "",
            state=node.get("state", "OPEN") or "OPEN",
            created_at=parse_time(node.get("createdAt")),
            labels=labels,
            body=node.get("body", "") or "",
        )


@dataclass(frozen=True)
class PullRequest:
    """A pull request and the facts its landing gate needs."""

    node_id: str
    number: int
    url: str
    state: str
    head_ref_name: str
    head_oid: str
    base_ref_name: str
    is_draft: bool = False
    merged: bool = False
    mergeable: str = "UNKNOWN"
    review_decision: str | None = None
    checks: str | None = None
    merge_commit: str | None = None
    head_ref_id: str | None = None

    @classmethod
    def from_graphql(cls, node: dict) -> PullRequest:
        """Build from a GraphQL PullRequest node."""
        commits = (node.get("commits") or {}).get("nodes") or []
        rollup = commits[-1]["commit"].get("statusCheckRollup") if commits else None
        head_ref = node.get("headRef") or {}
        merge_commit = node.get("mergeCommit") or {}
        return cls(
            node_id=node.get("id", ""),
            number=int(node["number"]),
            url=node.get("url", "") or "",
            state=node.get("state", "OPEN"),
            head_ref_name=node.get("headRefName", ""),
            head_oid=node.get("headRefOid", ""),
            base_ref_name=node.get("baseRefName", ""),
            is_draft=bool(node.get("isDraft")),
            merged=bool(node.get("merged")),
            mergeable=node.get("mergeable") or "UNKNOWN",
            review_decision=node.get("reviewDecision"),
            checks=(rollup or {}).get("state"),
            merge_commit=merge_commit.get("oid"),
            head_ref_id=head_ref.get("id"),
        )
