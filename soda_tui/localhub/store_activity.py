"""Reviews, commit statuses, closing-keyword links and pushes in localhub's database."""

from __future__ import annotations

from collections.abc import Sequence

from soda_tui.localhub.models import ReviewRecord, StatusRecord
from soda_tui.localhub.store import Store


def insert_review(
    store: Store,
    item_id: int,
    author_id: int,
    state: str,
    body: str,
    commit_oid: str | None,
    now: str,
) -> ReviewRecord:
    """Add a submitted review."""
    review_id = store.run(
        "INSERT INTO reviews (item_id, author_id, state, body, commit_oid, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (item_id, author_id, state, body, commit_oid, now),
    )
    return ReviewRecord(review_id, item_id, author_id, state, body, commit_oid, now)


def review_by_id(store: Store, review_id: int) -> ReviewRecord | None:
    """The review with this database id."""
    row = store.one("SELECT * FROM reviews WHERE id = ?", (review_id,))
    return None if row is None else ReviewRecord.from_row(row)


def reviews_of(store: Store, item_id: int) -> list[ReviewRecord]:
    """The reviews of a pull request, oldest first."""
    rows = store.all("SELECT * FROM reviews WHERE item_id = ? ORDER BY id", (item_id,))
    return [ReviewRecord.from_row(row) for row in rows]


def upsert_status(
    store: Store,
    repo_id: int,
    sha: str,
    context: str,
    state: str,
    description: str | None,
    target_url: str | None,
    creator_id: int | None,
    now: str,
) -> StatusRecord:
    """Record a commit status; the latest one per (commit, context) replaces earlier ones."""
    store.run(
        "INSERT INTO statuses (repo_id, sha, context, state, description, target_url, creator_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (repo_id, sha, context) DO UPDATE SET state = excluded.state,"
        " description = excluded.description, target_url = excluded.target_url,"
        " creator_id = excluded.creator_id, updated_at = excluded.updated_at",
        (repo_id, sha, context, state, description, target_url, creator_id, now, now),
    )
    row = store.one(
        "SELECT * FROM statuses WHERE repo_id = ? AND sha = ? AND context = ?",
        (repo_id, sha, context),
    )
    if row is None:
        raise LookupError(f"status {context!r} on {sha} was not stored")
    return StatusRecord.from_row(row)


def statuses_of(store: Store, repo_id: int, sha: str) -> list[StatusRecord]:
    """The latest status of each context on a commit, in the order contexts first appeared."""
    rows = store.all(
        "SELECT * FROM statuses WHERE repo_id = ? AND sha = ? ORDER BY id", (repo_id, sha)
    )
    return [StatusRecord.from_row(row) for row in rows]


def status_by_id(store: Store, status_id: int) -> StatusRecord | None:
    """The status with this database id."""
    row = store.one("SELECT * FROM statuses WHERE id = ?", (status_id,))
    return None if row is None else StatusRecord.from_row(row)


def set_closing_links(store: Store, pr_id: int, issue_ids: Sequence[int]) -> None:
    """Replace the issues a pull request's body says it closes."""
    store.run("DELETE FROM closing_links WHERE pr_id = ?", (pr_id,))
    store.run_many(
        "INSERT OR IGNORE INTO closing_links (pr_id, issue_id) VALUES (?, ?)",
        [(pr_id, issue_id) for issue_id in issue_ids],
    )


def record_push(
    store: Store, repo_id: int, ref: str, before: str | None, after: str | None, now: str
) -> None:
    """Remember one ref update of a push."""
    store.run(
        "INSERT INTO pushes (repo_id, ref, before_oid, after_oid, pushed_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (repo_id, ref, before, after, now),
    )
