"""GitHub's closing keywords: `Fixes #12`, `closes owner/repo#3`, `Resolved: #4`."""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEYWORDS = r"close|closes|closed|fix|fixes|fixed|resolve|resolves|resolved"
_REFERENCE = re.compile(
    rf"(?<![\w-])(?:{_KEYWORDS}):?\s+(?:(?P<owner>[A-Za-z0-9-]+)/(?P<repo>[A-Za-z0-9._-]+))?"
    r"#(?P<number>\d+)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IssueReference:
    """An issue a closing keyword points at; owner and name are None for the same repository."""

    owner: str | None
    name: str | None
    number: int


def closing_references(text: str) -> list[IssueReference]:
    """Every issue a closing keyword in `text` names, in order, without duplicates."""
    seen: set[IssueReference] = set()
    found: list[IssueReference] = []
    for match in _REFERENCE.finditer(text or ""):
        reference = IssueReference(match["owner"], match["repo"], int(match["number"]))
        if reference not in seen:
            seen.add(reference)
            found.append(reference)
    return found
