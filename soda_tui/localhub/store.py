"""localhub's SQLite database: one WAL connection guarded by one re-entrant lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT,
    token_sha256 TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS repositories (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    owner_login TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL COLLATE NOCASE,
    description TEXT,
    visibility TEXT NOT NULL DEFAULT 'PUBLIC',
    default_branch TEXT NOT NULL,
    created_at TEXT NOT NULL,
    next_number INTEGER NOT NULL DEFAULT 1,
    required_approvals INTEGER NOT NULL DEFAULT 0,
    merge_commit_allowed INTEGER NOT NULL DEFAULT 1,
    squash_merge_allowed INTEGER NOT NULL DEFAULT 1,
    rebase_merge_allowed INTEGER NOT NULL DEFAULT 1,
    delete_branch_on_merge INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner_login, name)
);
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repositories(id),
    name TEXT NOT NULL COLLATE NOCASE,
    color TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (repo_id, name)
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repositories(id),
    number INTEGER NOT NULL,
    is_pull INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    state_reason TEXT,
    author_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    comment_count INTEGER NOT NULL DEFAULT 0,
    head_ref TEXT,
    base_ref TEXT,
    head_oid TEXT,
    base_oid TEXT,
    is_draft INTEGER NOT NULL DEFAULT 0,
    merged_at TEXT,
    merge_commit_oid TEXT,
    merged_by_id INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX IF NOT EXISTS items_by_number ON items (repo_id, number);
CREATE INDEX IF NOT EXISTS items_by_state ON items (repo_id, is_pull, state, created_at, id);
CREATE INDEX IF NOT EXISTS items_by_created ON items (repo_id, is_pull, created_at, id);
CREATE INDEX IF NOT EXISTS items_by_head ON items (repo_id, head_ref) WHERE is_pull = 1;
CREATE TABLE IF NOT EXISTS item_labels (
    item_id INTEGER NOT NULL REFERENCES items(id),
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (item_id, label_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS item_labels_by_label ON item_labels (label_id, item_id);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    author_id INTEGER REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_by_item ON comments (item_id, created_at, id);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    state TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    commit_oid TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_by_item ON reviews (item_id, id);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repositories(id),
    sha TEXT NOT NULL,
    context TEXT NOT NULL,
    state TEXT NOT NULL,
    description TEXT,
    target_url TEXT,
    creator_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (repo_id, sha, context)
);
CREATE TABLE IF NOT EXISTS closing_links (
    pr_id INTEGER NOT NULL REFERENCES items(id),
    issue_id INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (pr_id, issue_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS closing_links_by_issue ON closing_links (issue_id, pr_id);
CREATE TABLE IF NOT EXISTS pushes (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repositories(id),
    ref TEXT NOT NULL,
    before_oid TEXT,
    after_oid TEXT,
    pushed_at TEXT NOT NULL
);
"""


class Store:
    """The database of one localhub data dir; every access holds `lock`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._depth = 0
        # Rows handed back by `one`/`all`: lets tests check that a page does not read a table.
        self.rows_fetched = 0
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE) so bulk seeding is one.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        with self.lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_DDL)
            self._conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically; nested blocks join the outermost transaction."""
        with self.lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        with self.lock:
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            self.rows_fetched += row is not None
            return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        with self.lock:
            rows = self._conn.execute(sql, params).fetchall()
            self.rows_fetched += len(rows)
            return rows

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.one(sql, params)
        return None if row is None else row[0]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; returns the last inserted row id."""
        with self.lock:
            return self._conn.execute(sql, params).lastrowid or 0

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute a statement once per parameter row."""
        with self.lock:
            self._conn.executemany(sql, rows)

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self._conn.close()
