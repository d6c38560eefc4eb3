"""Branch names, slugs and label names of the GitHub protocol (PRODUCT.md section 3)."""

from __future__ import annotations

import re
import unicodedata

AGENT_LABEL = "agent001"
READY_LABEL = "route:ready"
REVIEW_LABEL = "route:review"
BLOCKED_LABEL = "route:blocked"
HUMAN_ONLY_LABELS = ("human-only", "route:human-only")
UNBLOCKER_LABEL = "route:unblocker"
READY_TO_MERGE_LABEL = "route:ready_to_merge"
PRIORITY_LABELS = (
    "route:priority-very-high",
    "route:priority-high",
    "route:priority-medium",
    "route:priority-low",
)
# Queue order: earlier in this tuple pops first; issues with none of these come last.
QUEUE_ORDER_LABELS = (UNBLOCKER_LABEL, READY_TO_MERGE_LABEL, *PRIORITY_LABELS)
# Labels that make an issue queued on their own (My Little Soda allows the first two alone).
QUEUEING_LABELS = (READY_LABEL, UNBLOCKER_LABEL, READY_TO_MERGE_LABEL)
NEVER_POP_LABELS = (BLOCKED_LABEL, *HUMAN_ONLY_LABELS)
ALL_PROTOCOL_LABELS = (
    READY_LABEL,
    AGENT_LABEL,
    REVIEW_LABEL,
    BLOCKED_LABEL,
    *HUMAN_ONLY_LABELS,
    UNBLOCKER_LABEL,
    READY_TO_MERGE_LABEL,
    *PRIORITY_LABELS,
)
BRANCH_PREFIX = f"{AGENT_LABEL}/"
ARCHIVE_TAG_PREFIX = "archive/"
SLUG_MAX = 30

_word = re.compile(r"[a-z0-9]+")


def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """Lower-case ASCII words of `title` joined by '-', at most `max_length`, cut at a word boundary.

    Returns an empty string when the title has no ASCII letters or digits at all.
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = ""
    for word in _word.findall(ascii_title.lower()):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            if not slug:
                slug = word[:max_length]
            break
        slug = candidate
    return slug


def branch_name(issue_number: int, title: str) -> str:
    """The agent branch for an issue: `agent001/<number>-<slug>` (or `agent001/<number>`)."""
    if issue_number <= 0:
        raise ValueError(f"issue number must be positive, got {issue_number}")
    slug = slugify(title)
    return f"{BRANCH_PREFIX}{issue_number}-{slug}" if slug else f"{BRANCH_PREFIX}{issue_number}"


def issue_number_from_branch(branch: str) -> int | None:
    """The issue number an agent branch names, or None when it is not an agent branch."""
    match = re.fullmatch(r"agent[^/]*/(\d+)(?:-[a-z0-9-]*)?", branch)
    return int(match.group(1)) if match else None


def archive_tag(branch: str) -> str:
    """The archive tag that keeps a branch's head before the branch may be deleted."""
    return f"{ARCHIVE_TAG_PREFIX}{branch}"
