"""Issues, labels and comments: the write side shared by mutations and seeding helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from soda_tui.localhub import store_items as items_db
from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.hub import Hub
from soda_tui.localhub.models import (
    CommentRecord,
    HubUnprocessable,
    IssueSpec,
    ItemRecord,
    LabelRecord,
    RepoRecord,
    UserRecord,
)

_COLOR = re.compile(r"[0-9a-fA-F]{6}")
DEFAULT_LABEL_COLOR = "ededed"


# GitHub refuses longer issue, pull request and comment bodies through the API.
MAX_BODY_CHARS = 65536


def checked_body(body: str | None) -> str | None:
    """`body`, or HubUnprocessable when GitHub's API would refuse it as too long."""
    if body is not None and len(body) > MAX_BODY_CHARS:
        raise HubUnprocessable(f"Body is too long (maximum is {MAX_BODY_CHARS} characters)")
    return body


def _check_title(title: str) -> str:
    if not title.strip():
        raise HubUnprocessable("Title can't be blank")
    return title


def _reload(hub: Hub, item_id: int) -> ItemRecord:
    item = items_db.item_by_id(hub.store, item_id)
    if item is None:
        raise LookupError(f"item {item_id} vanished")
    return item


def ensure_label(
    hub: Hub,
    repo: RepoRecord,
    name: str,
    color: str = DEFAULT_LABEL_COLOR,
    description: str | None = None,
) -> LabelRecord:
    """The label `name` of `repo`, created with `color` when missing."""
    existing = repos_db.label_by_name(hub.store, repo.id, name)
    if existing is not None:
        return existing
    return create_label(hub, repo, name, color, description)


def create_label(
    hub: Hub, repo: RepoRecord, name: str, color: str, description: str | None
) -> LabelRecord:
    """Create a label; refuses a taken name or a colour that is not six hex digits."""
    if not name.strip():
        raise HubUnprocessable("Name can't be blank")
    if not _COLOR.fullmatch(color):
        raise HubUnprocessable(f"Color is invalid: {color!r} is not six hex digits without '#'")
    if repos_db.label_by_name(hub.store, repo.id, name) is not None:
        raise HubUnprocessable("Name has already been taken")
    return repos_db.insert_label(hub.store, repo.id, name, color.lower(), description, hub.now())


def create_issue(
    hub: Hub,
    repo: RepoRecord,
    *,
    title: str,
    body: str,
    author: UserRecord,
    label_ids: Sequence[int] = (),
) -> ItemRecord:
    """Open a new issue with the repository's next number."""
    _check_labels(hub, repo.id, label_ids)
    with hub.store.transaction():
        number = repos_db.allocate_numbers(hub.store, repo.id)
        now = hub.now()
        items_db.insert_items(hub.store, [_issue_row(repo, number, title, body, author.id, now)])
        item = items_db.item_by_number(hub.store, repo.id, number)
        if item is None:
            raise LookupError(f"issue #{number} was not stored")
        items_db.add_item_labels(hub.store, item.id, label_ids)
        return item


def _issue_row(
    repo: RepoRecord, number: int, title: str, body: str, author_id: int, now: str
) -> dict[str, Any]:
    return {
        "repo_id": repo.id,
        "number": number,
        "is_pull": 0,
        "title": _check_title(title),
        "body": body or "",
        "state": "OPEN",
        "state_reason": None,
        "author_id": author_id,
        "created_at": now,
        "updated_at": now,
        "head_ref": None,
        "base_ref": None,
        "head_oid": None,
        "base_oid": None,
        "is_draft": 0,
    }


def create_issues_bulk(
    hub: Hub,
    repo: RepoRecord,
    specs: Iterable[IssueSpec | Mapping[str, Any]],
    default_author: UserRecord,
) -> list[int]:
    """Open many issues in one transaction (benchmarks seed thousands); returns their numbers."""
    parsed = [spec if isinstance(spec, IssueSpec) else IssueSpec(**dict(spec)) for spec in specs]
    with hub.store.transaction():
        first = repos_db.allocate_numbers(hub.store, repo.id, len(parsed))
        now = hub.now()
        authors: dict[str, int] = {}
        labels: dict[str, int] = {}
        rows = []
        for offset, spec in enumerate(parsed):
            author_id = default_author.id
            if spec.author:
                if spec.author not in authors:
                    authors[spec.author] = repos_db.ensure_user(hub.store, spec.author, now).id
                author_id = authors[spec.author]
            row = _issue_row(
                repo, first + offset, spec.title, spec.body, author_id, spec.created_at or now
            )
            row["updated_at"] = row["created_at"]
            rows.append(row)
            for label in spec.labels:
                if label.lower() not in labels:
                    labels[label.lower()] = ensure_label(hub, repo, label).id
        items_db.insert_items(hub.store, rows)
        ids = {
            row["number"]: row["id"]
            for row in hub.store.all(
                "SELECT id, number FROM items WHERE repo_id = ? AND number >= ? AND number < ?",
                (repo.id, first, first + len(parsed)),
            )
        }
        hub.store.run_many(
            "INSERT OR IGNORE INTO item_labels (item_id, label_id) VALUES (?, ?)",
            [
                (ids[first + offset], labels[label.lower()])
                for offset, spec in enumerate(parsed)
                for label in spec.labels
            ],
        )
    return list(range(first, first + len(parsed)))


def update_issue(
    hub: Hub, item: ItemRecord, *, title: str | None, body: str | None, state: str | None
) -> ItemRecord:
    """Change an issue's title, body and/or state."""
    with hub.store.transaction():
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = _check_title(title)
        if body is not None:
            changes["body"] = body
        if changes:
            changes["updated_at"] = hub.now()
            items_db.update_item(hub.store, item.id, **changes)
        if state == "CLOSED":
            return close_issue(hub, _reload(hub, item.id), "COMPLETED")
        if state == "OPEN":
            return reopen_issue(hub, _reload(hub, item.id))
        return _reload(hub, item.id)


def close_issue(hub: Hub, item: ItemRecord, reason: str | None) -> ItemRecord:
    """Close an issue with a state reason (COMPLETED unless told); closed issues keep theirs."""
    if item.state == "OPEN":
        now = hub.now()
        items_db.update_item(
            hub.store,
            item.id,
            state="CLOSED",
            state_reason=reason or "COMPLETED",
            closed_at=now,
            updated_at=now,
        )
    return _reload(hub, item.id)


def reopen_issue(hub: Hub, item: ItemRecord) -> ItemRecord:
    """Reopen a closed issue (its state reason becomes REOPENED)."""
    if item.state != "OPEN":
        items_db.update_item(
            hub.store,
            item.id,
            state="OPEN",
            state_reason="REOPENED",
            closed_at=None,
            updated_at=hub.now(),
        )
    return _reload(hub, item.id)


def _check_labels(hub: Hub, repo_id: int, label_ids: Sequence[int]) -> None:
    for label_id in label_ids:
        label = repos_db.label_by_id(hub.store, label_id)
        if label is None or label.repo_id != repo_id:
            raise HubUnprocessable(
                "Labels must belong to the repository of the issue or pull request"
            )


def add_labels(hub: Hub, item: ItemRecord, label_ids: Sequence[int]) -> ItemRecord:
    """Put labels on an issue or pull request."""
    _check_labels(hub, item.repo_id, label_ids)
    with hub.store.transaction():
        items_db.add_item_labels(hub.store, item.id, label_ids)
        items_db.update_item(hub.store, item.id, updated_at=hub.now())
    return _reload(hub, item.id)


def remove_labels(hub: Hub, item: ItemRecord, label_ids: Sequence[int]) -> ItemRecord:
    """Take labels off an issue or pull request (labels it does not have are ignored)."""
    _check_labels(hub, item.repo_id, label_ids)
    with hub.store.transaction():
        items_db.remove_item_labels(hub.store, item.id, label_ids)
        items_db.update_item(hub.store, item.id, updated_at=hub.now())
    return _reload(hub, item.id)


def add_comment(hub: Hub, item: ItemRecord, author: UserRecord, body: str) -> CommentRecord:
    """Comment on an issue or pull request."""
    if not body.strip():
        raise HubUnprocessable("Body can't be blank")
    with hub.store.transaction():
        return items_db.insert_comment(hub.store, item.id, author.id, body, hub.now())
