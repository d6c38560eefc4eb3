"""Users, repositories and labels in localhub's database."""

from __future__ import annotations

from collections.abc import Sequence

from soda_tui.localhub.models import HubNotFound, LabelRecord, RepoRecord, UserRecord
from soda_tui.localhub.store import Store


def user_by_login(store: Store, login: str) -> UserRecord | None:
    """The user called `login` (case-insensitive)."""
    row = store.one("SELECT * FROM users WHERE login = ?", (login,))
    return None if row is None else UserRecord.from_row(row)


def user_by_id(store: Store, user_id: int) -> UserRecord | None:
    """The user with this database id."""
    row = store.one("SELECT * FROM users WHERE id = ?", (user_id,))
    return None if row is None else UserRecord.from_row(row)


def ensure_user(store: Store, login: str, now: str) -> UserRecord:
    """The user called `login`, created when missing."""
    existing = user_by_login(store, login)
    if existing is not None:
        return existing
    store.run("INSERT INTO users (login, created_at) VALUES (?, ?)", (login, now))
    created = user_by_login(store, login)
    if created is None:
        raise HubNotFound(f"Could not create the user {login!r}.")
    return created


def set_token_digest(store: Store, user_id: int, digest: str) -> None:
    """Remember the sha256 of a user's token (never the token)."""
    store.run("UPDATE users SET token_sha256 = ? WHERE id = ?", (digest, user_id))


def token_digests(store: Store) -> list[tuple[str, str]]:
    """(login, token sha256) of every user that has a token."""
    rows = store.all("SELECT login, token_sha256 FROM users WHERE token_sha256 IS NOT NULL")
    return [(row["login"], row["token_sha256"]) for row in rows]


def all_logins(store: Store) -> list[str]:
    """Every user's login."""
    return [row["login"] for row in store.all("SELECT login FROM users ORDER BY id")]


def repo_by_name(store: Store, owner: str, name: str) -> RepoRecord | None:
    """The repository `owner/name` (case-insensitive, like GitHub)."""
    row = store.one("SELECT * FROM repositories WHERE owner_login = ? AND name = ?", (owner, name))
    return None if row is None else RepoRecord.from_row(row)


def require_repo(store: Store, owner: str, name: str) -> RepoRecord:
    """The repository `owner/name`; GitHub's NOT_FOUND error otherwise."""
    repo = repo_by_name(store, owner, name)
    if repo is None:
        raise HubNotFound(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
    return repo


def repo_by_id(store: Store, repo_id: int) -> RepoRecord | None:
    """The repository with this database id."""
    row = store.one("SELECT * FROM repositories WHERE id = ?", (repo_id,))
    return None if row is None else RepoRecord.from_row(row)


def insert_repo(
    store: Store,
    *,
    owner: UserRecord,
    name: str,
    default_branch: str,
    description: str | None,
    visibility: str,
    now: str,
) -> RepoRecord:
    """Add a repository row."""
    repo_id = store.run(
        "INSERT INTO repositories (owner_id, owner_login, name, description, visibility,"
        " default_branch, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (owner.id, owner.login, name, description, visibility, default_branch, now),
    )
    created = repo_by_id(store, repo_id)
    if created is None:
        raise HubNotFound(f"Could not create the repository {owner.login}/{name}.")
    return created


def set_default_branch(store: Store, repo_id: int, branch: str) -> None:
    """Change which branch is the repository's default."""
    store.run("UPDATE repositories SET default_branch = ? WHERE id = ?", (branch, repo_id))


def set_required_approvals(store: Store, repo_id: int, approvals: int) -> None:
    """How many approving reviews a pull request needs (0: reviews not required)."""
    store.run("UPDATE repositories SET required_approvals = ? WHERE id = ?", (approvals, repo_id))


def allocate_numbers(store: Store, repo_id: int, count: int = 1) -> int:
    """Reserve `count` issue/PR numbers (one sequence per repository); returns the first."""
    first = int(store.scalar("SELECT next_number FROM repositories WHERE id = ?", (repo_id,)))
    store.run("UPDATE repositories SET next_number = ? WHERE id = ?", (first + count, repo_id))
    return first


def label_by_id(store: Store, label_id: int) -> LabelRecord | None:
    """The label with this database id."""
    row = store.one("SELECT * FROM labels WHERE id = ?", (label_id,))
    return None if row is None else LabelRecord.from_row(row)


def label_by_name(store: Store, repo_id: int, name: str) -> LabelRecord | None:
    """The label `name` of a repository (case-insensitive)."""
    row = store.one("SELECT * FROM labels WHERE repo_id = ? AND name = ?", (repo_id, name))
    return None if row is None else LabelRecord.from_row(row)


def labels_by_names(store: Store, repo_id: int, names: Sequence[str]) -> dict[str, LabelRecord]:
    """Existing labels among `names`, keyed by lower-case name."""
    if not names:
        return {}
    marks = ", ".join("?" for _ in names)
    rows = store.all(
        f"SELECT * FROM labels WHERE repo_id = ? AND name IN ({marks})", (repo_id, *names)
    )
    return {row["name"].lower(): LabelRecord.from_row(row) for row in rows}


def insert_label(
    store: Store, repo_id: int, name: str, color: str, description: str | None, now: str
) -> LabelRecord:
    """Add a label row."""
    label_id = store.run(
        "INSERT INTO labels (repo_id, name, color, description, created_at) VALUES (?, ?, ?, ?, ?)",
        (repo_id, name, color, description, now),
    )
    created = label_by_id(store, label_id)
    if created is None:
        raise HubNotFound(f"Could not create the label {name!r}.")
    return created
