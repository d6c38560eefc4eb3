"""Issues and pull requests (one table), their labels and comments, and keyset listings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from soda_tui.localhub.models import CommentRecord, ItemRecord, LabelRecord
from soda_tui.localhub.pagination import SqlSource
from soda_tui.localhub.store import Store

T = TypeVar("T")
ITEM_COLUMNS = (
    "repo_id",
    "number",
    "is_pull",
    "title",
    "body",
    "state",
    "state_reason",
    "author_id",
    "created_at",
    "updated_at",
    "head_ref",
    "base_ref",
    "head_oid",
    "base_oid",
    "is_draft",
)
_UPDATABLE = {
    "title",
    "body",
    "state",
    "state_reason",
    "updated_at",
    "closed_at",
    "head_oid",
    "base_oid",
    "is_draft",
    "merged_at",
    "merge_commit_oid",
    "merged_by_id",
}


def item_by_id(store: Store, item_id: int) -> ItemRecord | None:
    """The issue or pull request with this database id."""
    row = store.one("SELECT * FROM items WHERE id = ?", (item_id,))
    return None if row is None else ItemRecord.from_row(row)


def item_by_number(store: Store, repo_id: int, number: int) -> ItemRecord | None:
    """The issue or pull request `number` of a repository."""
    row = store.one("SELECT * FROM items WHERE repo_id = ? AND number = ?", (repo_id, number))
    return None if row is None else ItemRecord.from_row(row)


def insert_items(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Add items; each dict gives a value for every column of `ITEM_COLUMNS`."""
    columns = ", ".join(ITEM_COLUMNS)
    marks = ", ".join("?" for _ in ITEM_COLUMNS)
    store.run_many(
        f"INSERT INTO items ({columns}) VALUES ({marks})",
        [tuple(row[column] for column in ITEM_COLUMNS) for row in rows],
    )


def update_item(store: Store, item_id: int, **values: Any) -> None:
    """Change some columns of an item."""
    unknown = set(values) - _UPDATABLE
    if unknown:
        raise ValueError(f"cannot update item columns {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in values)
    store.run(f"UPDATE items SET {assignments} WHERE id = ?", (*values.values(), item_id))


def pulls_with_ref(
    store: Store, repo_id: int, ref: str, *, states: Sequence[str]
) -> list[ItemRecord]:
    """Pull requests of a repository whose head or base branch is `ref`."""
    marks = ", ".join("?" for _ in states)
    rows = store.all(
        f"SELECT * FROM items WHERE repo_id = ? AND is_pull = 1 AND state IN ({marks})"
        " AND (head_ref = ? OR base_ref = ?) ORDER BY id",
        (repo_id, *states, ref, ref),
    )
    return [ItemRecord.from_row(row) for row in rows]


@dataclass
class ItemFilter:
    """Filters over issues and pull requests, turned into one SQL WHERE clause."""

    repo_ids: Sequence[int] | None = None
    is_pull: bool | None = None
    states: Sequence[str] | None = None
    any_labels: Sequence[str] | None = None
    label_groups: Sequence[Sequence[str]] = ()
    excluded_labels: Sequence[str] = ()
    no_labels: bool = False
    title_words: Sequence[str] = ()
    author_logins: Sequence[str] = ()
    head_ref: str | None = None
    base_ref: str | None = None
    updated_since: str | None = None
    linked_to_issue: int | None = None
    linked_from_pull: int | None = None
    base_is_default: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        """`FROM items WHERE …` and its parameters."""
        conditions: list[str] = ["1"]
        params: list[Any] = []

        def add(condition: str, *values: Any) -> None:
            conditions.append(condition)
            params.extend(values)

        def marks(values: Sequence[Any]) -> str:
            return ", ".join("?" for _ in values)

        if self.repo_ids is not None:
            add(f"items.repo_id IN ({marks(self.repo_ids)})", *self.repo_ids)
        if self.is_pull is not None:
            add("items.is_pull = ?", int(self.is_pull))
        if self.states is not None:
            add(f"items.state IN ({marks(self.states)})", *self.states)
        label_exists = (
            "EXISTS (SELECT 1 FROM item_labels il JOIN labels l ON l.id = il.label_id"
            " WHERE il.item_id = items.id AND l.name IN ({}))"
        )
        groups = list(self.label_groups)
        if self.any_labels is not None:
            groups.append(self.any_labels)
        for group in groups:
            if not group:
                add("0")
                continue
            add(label_exists.format(marks(group)), *group)
        if self.excluded_labels:
            add("NOT " + label_exists.format(marks(self.excluded_labels)), *self.excluded_labels)
        if self.no_labels:
            add("NOT EXISTS (SELECT 1 FROM item_labels il WHERE il.item_id = items.id)")
        for word in self.title_words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            add("items.title LIKE ? ESCAPE '\\'", f"%{escaped}%")
        if self.author_logins:
            logins = list(self.author_logins)
            add(
                f"items.author_id IN (SELECT id FROM users WHERE login IN ({marks(logins)}))",
                *logins,
            )
        if self.head_ref is not None:
            add("items.head_ref = ?", self.head_ref)
        if self.base_ref is not None:
            add("items.base_ref = ?", self.base_ref)
        if self.updated_since is not None:
            add("items.updated_at >= ?", self.updated_since)
        if self.linked_to_issue is not None:
            add(
                "items.id IN (SELECT pr_id FROM closing_links WHERE issue_id = ?)",
                self.linked_to_issue,
            )
        if self.linked_from_pull is not None:
            add(
                "items.id IN (SELECT issue_id FROM closing_links WHERE pr_id = ?)",
                self.linked_from_pull,
            )
        if self.base_is_default:
            add(
                "items.base_ref = (SELECT r.default_branch FROM repositories r"
                " WHERE r.id = items.repo_id)"
            )
        return "FROM items WHERE " + " AND ".join(conditions), params


ORDER_COLUMNS = {
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "COMMENTS": "comment_count",
}


def item_source(
    store: Store,
    item_filter: ItemFilter,
    *,
    order_column: str,
    descending: bool,
    convert: Callable[[ItemRecord], T],
) -> SqlSource[T]:
    """A keyset source over the items matching `item_filter`, ordered by a column then id."""
    from_where, params = item_filter.sql()
    return SqlSource(
        store,
        select="items.*",
        from_where=from_where,
        params=params,
        key_columns=(f"items.{order_column}", "items.id"),
        descending=descending,
        convert=lambda row: convert(ItemRecord.from_row(row)),
    )


def label_source(
    store: Store,
    *,
    repo_id: int | None,
    item_id: int | None,
    query: str | None,
    order_field: str,
    descending: bool,
    convert: Callable[[LabelRecord], T],
) -> SqlSource[T]:
    """Labels of a repository (optionally matching `query`) or of one item."""
    conditions, params = ["1"], []
    if repo_id is not None:
        conditions.append("labels.repo_id = ?")
        params.append(repo_id)
    if item_id is not None:
        conditions.append("labels.id IN (SELECT label_id FROM item_labels WHERE item_id = ?)")
        params.append(item_id)
    if query:
        conditions.append("(labels.name LIKE ? OR labels.description LIKE ?)")
        params += [f"%{query}%", f"%{query}%"]
    order = "lower(labels.name)" if order_field == "NAME" else "labels.created_at"
    return SqlSource(
        store,
        select="labels.*",
        from_where="FROM labels WHERE " + " AND ".join(conditions),
        params=params,
        key_columns=(order, "labels.id"),
        descending=descending,
        convert=lambda row: convert(LabelRecord.from_row(row)),
    )


def add_item_labels(store: Store, item_id: int, label_ids: Sequence[int]) -> None:
    """Put labels on an item (already present ones are kept)."""
    store.run_many(
        "INSERT OR IGNORE INTO item_labels (item_id, label_id) VALUES (?, ?)",
        [(item_id, label_id) for label_id in label_ids],
    )


def remove_item_labels(store: Store, item_id: int, label_ids: Sequence[int]) -> None:
    """Take labels off an item."""
    store.run_many(
        "DELETE FROM item_labels WHERE item_id = ? AND label_id = ?",
        [(item_id, label_id) for label_id in label_ids],
    )


def insert_comment(
    store: Store, item_id: int, author_id: int, body: str, now: str
) -> CommentRecord:
    """Add a comment and count it on its item."""
    comment_id = store.run(
        "INSERT INTO comments (item_id, author_id, body, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (item_id, author_id, body, now, now),
    )
    store.run(
        "UPDATE items SET comment_count = comment_count + 1, updated_at = ? WHERE id = ?",
        (now, item_id),
    )
    return CommentRecord(comment_id, item_id, author_id, body, now, now)


def comment_by_id(store: Store, comment_id: int) -> CommentRecord | None:
    """The comment with this database id."""
    row = store.one("SELECT * FROM comments WHERE id = ?", (comment_id,))
    return None if row is None else CommentRecord.from_row(row)


def comment_source(
    store: Store,
    item_id: int,
    *,
    order_column: str,
    descending: bool,
    convert: Callable[[CommentRecord], T],
) -> SqlSource[T]:
    """The comments of an item, oldest first unless `descending`."""
    return SqlSource(
        store,
        select="comments.*",
        from_where="FROM comments WHERE comments.item_id = ?",
        params=[item_id],
        key_columns=(f"comments.{order_column}", "comments.id"),
        descending=descending,
        convert=lambda row: convert(CommentRecord.from_row(row)),
    )
