"""Parse GitHub issue-search strings (`repo:o/r is:open label:"a b" -label:x sort:created-asc`).

Supported: `repo:`, `is:`/`state:`/`type:` (open, closed, issue, pr, merged, unmerged),
`label:` (comma = any of them; several qualifiers = all of them), `-label:`, `no:label`,
`author:`, `in:title`, `sort:` (created, updated, comments; -asc/-desc) and free words, which
must all appear in the title. Without `sort:` results are newest first: GitHub's best-match
ranking has no meaning here, and created-desc is what it falls back to for equal scores.
Any other qualifier is refused so that a query never silently means something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from soda_tui.localhub.models import HubUnprocessable

_TOKEN = re.compile(
    r'(?P<neg>-?)(?P<key>[A-Za-z-]+):(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))|"(?P<phrase>[^"]*)"|(?P<word>\S+)'
)
_SORTS = {"created": "created_at", "updated": "updated_at", "comments": "comment_count"}


@dataclass
class SearchFilter:
    """A parsed issue search."""

    repositories: list[tuple[str, str]] = field(default_factory=list)
    states: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    merged: bool | None = None
    label_groups: list[list[str]] = field(default_factory=list)
    excluded_labels: list[str] = field(default_factory=list)
    no_labels: bool = False
    authors: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    sort_column: str = "created_at"
    descending: bool = True


def _apply_is(search: SearchFilter, value: str, qualifier: str) -> None:
    lowered = value.lower()
    if lowered in ("open", "closed"):
        search.states.add(lowered.upper())
    elif lowered in ("issue", "issues"):
        search.kinds.add("issue")
    elif lowered in ("pr", "pull-request", "pullrequest", "pull_request"):
        search.kinds.add("pr")
    elif lowered in ("merged", "unmerged") and qualifier == "is":
        search.merged = lowered == "merged"
        search.kinds.add("pr")
    else:
        raise HubUnprocessable(f"localhub search does not support `{qualifier}:{value}`")


def _apply_sort(search: SearchFilter, value: str) -> None:
    field_name, _, direction = value.lower().rpartition("-")
    if not field_name:
        field_name, direction = direction, "desc"
    if field_name not in _SORTS or direction not in ("asc", "desc"):
        raise HubUnprocessable(f"localhub search does not support `sort:{value}`")
    search.sort_column = _SORTS[field_name]
    search.descending = direction == "desc"


def parse_search(query: str) -> SearchFilter:
    """Turn a search string into filters; unsupported qualifiers raise `HubUnprocessable`."""
    search = SearchFilter()
    for match in _TOKEN.finditer(query):
        if match["phrase"] is not None:
            search.words.extend(match["phrase"].split())
            continue
        if match["word"] is not None:
            search.words.append(match["word"])
            continue
        key = match["key"].lower()
        value = match["quoted"] if match["quoted"] is not None else match["bare"]
        negated = match["neg"] == "-"
        if key == "label":
            names = [name.strip() for name in value.split(",") if name.strip()]
            if negated:
                search.excluded_labels.extend(names)
            else:
                search.label_groups.append(names)
        elif negated:
            raise HubUnprocessable(f"localhub search does not support `-{key}:`")
        elif key == "repo":
            owner, slash, name = value.partition("/")
            if not slash or not owner or not name:
                raise HubUnprocessable(f"`repo:{value}` must look like repo:owner/name")
            search.repositories.append((owner, name))
        elif key in ("is", "state", "type"):
            _apply_is(search, value, key)
        elif key == "no" and value.lower() == "label":
            search.no_labels = True
        elif key == "author":
            search.authors.append(value)
        elif key == "in" and value.lower() == "title":
            continue
        elif key == "sort":
            _apply_sort(search, value)
        else:
            raise HubUnprocessable(f"localhub search does not support the qualifier `{key}:`")
    return search
