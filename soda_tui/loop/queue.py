"""The queue: search strings for each priority class and the ranking of what they return."""

from __future__ import annotations

from soda_tui.core.models import Issue, RepoName, is_queued
from soda_tui.core.naming import (
    AGENT_LABEL,
    BLOCKED_LABEL,
    HUMAN_ONLY_LABELS,
    PRIORITY_LABELS,
    READY_LABEL,
    READY_TO_MERGE_LABEL,
    REVIEW_LABEL,
    UNBLOCKER_LABEL,
)

# The QueuePeek aliases in pop order, with the labels each class requires.
QUEUE_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unblocker", (UNBLOCKER_LABEL,)),
    ("readyToMerge", (READY_TO_MERGE_LABEL,)),
    ("veryHigh", (READY_LABEL, PRIORITY_LABELS[0])),
    ("high", (READY_LABEL, PRIORITY_LABELS[1])),
    ("medium", (READY_LABEL, PRIORITY_LABELS[2])),
    ("low", (READY_LABEL, PRIORITY_LABELS[3])),
    ("ready", (READY_LABEL,)),
)
EXCLUDED_FROM_QUEUE = (AGENT_LABEL, REVIEW_LABEL, BLOCKED_LABEL, *HUMAN_ONLY_LABELS)


def _label(name: str) -> str:
    return f'label:"{name}"'


def issue_query(
    repo: RepoName,
    *,
    require: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    sort: str = "created-asc",
) -> str:
    """A GitHub search string for open issues of one repository with and without labels."""
    parts = [f"repo:{repo}", "is:issue", "is:open"]
    parts += [_label(name) for name in require]
    parts += ["-" + _label(name) for name in exclude]
    parts.append(f"sort:{sort}")
    return " ".join(parts)


def peek_variables(repo: RepoName) -> dict[str, str]:
    """Variables for the QueuePeek operation."""
    variables = {
        "owner": repo.owner,
        "name": repo.name,
        "working": issue_query(repo, require=(AGENT_LABEL,), exclude=(REVIEW_LABEL,)),
    }
    for alias, labels in QUEUE_CLASSES:
        variables[alias] = issue_query(repo, require=labels, exclude=EXCLUDED_FROM_QUEUE)
    return variables


def working_query(repo: RepoName) -> str:
    """Search string for the issue the repository's agent is working on."""
    return issue_query(repo, require=(AGENT_LABEL,), exclude=(REVIEW_LABEL,))


def review_query(repo: RepoName) -> str:
    """Search string for issues bottled into an open pull request."""
    return issue_query(repo, require=(REVIEW_LABEL,))


def blocked_query(repo: RepoName) -> str:
    """Search string for issues the agent could not finish."""
    return issue_query(repo, require=(BLOCKED_LABEL,))


def queued_query(repo: RepoName) -> str:
    """Search string counting the queue (issues with route:ready that nothing excludes)."""
    return issue_query(repo, require=(READY_LABEL,), exclude=EXCLUDED_FROM_QUEUE)


def rank_candidates(data: dict) -> list[Issue]:
    """Every queued issue QueuePeek returned, in pop order, labels re-checked client-side."""
    seen: set[int] = set()
    ranked: list[Issue] = []
    for alias, _labels in QUEUE_CLASSES:
        nodes = (data.get(alias) or {}).get("nodes") or []
        for node in sorted(
            (node for node in nodes if node and "number" in node),
            key=lambda node: (node.get("createdAt") or "", node["number"]),
        ):
            issue = Issue.from_graphql(node)
            # Search indexes lag behind label changes; the labels on the node are current.
            if issue.number in seen or issue.state != "OPEN" or not is_queued(issue.labels):
                continue
            seen.add(issue.number)
            ranked.append(issue)
    ranked.sort(key=lambda issue: issue.rank)  # stable: keeps age order within a class
    return ranked


def working_issues(data: dict, alias: str = "working") -> list[Issue]:
    """Open issues claimed by the agent (agent001, not in review), labels re-checked."""
    nodes = (data.get(alias) or {}).get("nodes") or []
    issues = [Issue.from_graphql(node) for node in nodes if node and "number" in node]
    return [
        issue
        for issue in issues
        if issue.state == "OPEN"
        and AGENT_LABEL in issue.labels
        and REVIEW_LABEL not in issue.labels
    ]
