"""Which branches are agent branches, and which issue a branch name points at."""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase

# soda-tui's own branches, My Little Soda's `agent*/` and `work-*` branches.
from soda_tui.settings.models import Defaults

DEFAULT_BRANCH_PATTERNS: tuple[str, ...] = Defaults().recovery_patterns

_ISSUE_IN_BRANCH = re.compile(r"(?:agent[^/]*/|work-)(\d+)(?:[-_/.].*)?")


def is_agent_branch(branch: str, patterns: Iterable[str] = DEFAULT_BRANCH_PATTERNS) -> bool:
    """Whether `branch` matches one of the glob `patterns` (`*` also matches `/`)."""
    return any(fnmatchcase(branch, pattern) for pattern in patterns)


def issue_number_of(branch: str) -> int | None:
    """The issue an agent branch names (`agent001/12-fix`, `agent7/12`, `work-12`), or None."""
    match = _ISSUE_IN_BRANCH.fullmatch(branch)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


def matches_any(value: str, patterns: Iterable[str]) -> bool:
    """Whether `value` matches one of the glob `patterns`; an empty pattern list matches all."""
    listed = list(patterns)
    return not listed or any(fnmatchcase(value, pattern) for pattern in listed)
