"""Records, results and typed errors of localhub's GitHub model."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any


class LocalHubError(Exception):
    """A GitHub-shaped refusal: `error_type` is GitHub's error type, the message is one line."""

    error_type = "UNPROCESSABLE"
    http_status = 422

    def __init__(self, message: str, *, error_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error_type is not None:
            self.error_type = error_type


class HubNotFound(LocalHubError):
    """Something the request names (repository, issue, node, commit) does not exist."""

    error_type = "NOT_FOUND"
    http_status = 404


class HubForbidden(LocalHubError):
    """The viewer may not do this."""

    error_type = "FORBIDDEN"
    http_status = 403


class HubUnprocessable(LocalHubError):
    """The request is well formed but GitHub would refuse it (a merge conflict, a duplicate PR)."""

    error_type = "UNPROCESSABLE"
    http_status = 422


@dataclass(frozen=True)
class RateSnapshot:
    """The primary rate-limit budget of one login after the last request."""

    limit: int
    remaining: int
    used: int
    reset_epoch: int
    resource: str = "graphql"


@dataclass(frozen=True)
class GraphQLOutcome:
    """What the HTTP layer sends back: the JSON body (always with status 200) and the budget."""

    body: dict[str, Any]
    rate: RateSnapshot


@dataclass(frozen=True)
class UserRecord:
    """A user (owners, authors and viewers are all users in localhub)."""

    id: int
    login: str
    name: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> UserRecord:
        """Build from a `users` row."""
        return cls(row["id"], row["login"], row["name"], row["created_at"])


@dataclass(frozen=True)
class RepoRecord:
    """A repository row."""

    id: int
    owner_id: int
    owner_login: str
    name: str
    description: str | None
    visibility: str
    default_branch: str
    created_at: str
    required_approvals: int
    merge_commit_allowed: bool
    squash_merge_allowed: bool
    rebase_merge_allowed: bool
    delete_branch_on_merge: bool

    @property
    def full_name(self) -> str:
        """`owner/name` as GitHub spells it."""
        return f"{self.owner_login}/{self.name}"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RepoRecord:
        """Build from a `repositories` row."""
        return cls(
            id=row["id"],
            owner_id=row["owner_id"],
            owner_login=row["owner_login"],
            name=row["name"],
            description=row["description"],
            visibility=row["visibility"],
            default_branch=row["default_branch"],
            created_at=row["created_at"],
            required_approvals=row["required_approvals"],
            merge_commit_allowed=bool(row["merge_commit_allowed"]),
            squash_merge_allowed=bool(row["squash_merge_allowed"]),
            rebase_merge_allowed=bool(row["rebase_merge_allowed"]),
            delete_branch_on_merge=bool(row["delete_branch_on_merge"]),
        )


@dataclass(frozen=True)
class LabelRecord:
    """A label of one repository."""

    id: int
    repo_id: int
    name: str
    color: str
    description: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> LabelRecord:
        """Build from a `labels` row."""
        return cls(
            row["id"],
            row["repo_id"],
            row["name"],
            row["color"],
            row["description"],
            row["created_at"],
        )


@dataclass(frozen=True)
class ItemRecord:
    """An issue or a pull request: they share one table and one number sequence per repository."""

    id: int
    repo_id: int
    number: int
    is_pull: bool
    title: str
    body: str
    state: str
    state_reason: str | None
    author_id: int | None
    created_at: str
    updated_at: str
    closed_at: str | None
    comment_count: int
    head_ref: str | None = None
    base_ref: str | None = None
    head_oid: str | None = None
    base_oid: str | None = None
    is_draft: bool = False
    merged_at: str | None = None
    merge_commit_oid: str | None = None
    merged_by_id: int | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ItemRecord:
        """Build from an `items` row."""
        return cls(
            id=row["id"],
            repo_id=row["repo_id"],
            number=row["number"],
            is_pull=bool(row["is_pull"]),
            title=row["title"],
            body=row["body"],
            state=row["state"],
            state_reason=row["state_reason"],
            author_id=row["author_id"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            closed_at=row["closed_at"],
            comment_count=row["comment_count"],
            head_ref=row["head_ref"],
            base_ref=row["base_ref"],
            head_oid=row["head_oid"],
            base_oid=row["base_oid"],
            is_draft=bool(row["is_draft"]),
            merged_at=row["merged_at"],
            merge_commit_oid=row["merge_commit_oid"],
            merged_by_id=row["merged_by_id"],
        )


@dataclass(frozen=True)
class CommentRecord:
    """A comment on an issue or a pull request."""

    id: int
    item_id: int
    author_id: int | None
    body: str
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> CommentRecord:
        """Build from a `comments` row."""
        return cls(
            row["id"],
            row["item_id"],
            row["author_id"],
            row["body"],
            row["created_at"],
            row["updated_at"],
        )


@dataclass(frozen=True)
class ReviewRecord:
    """A submitted pull request review."""

    id: int
    item_id: int
    author_id: int
    state: str
    body: str
    commit_oid: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ReviewRecord:
        """Build from a `reviews` row."""
        return cls(
            row["id"],
            row["item_id"],
            row["author_id"],
            row["state"],
            row["body"],
            row["commit_oid"],
            row["created_at"],
        )


@dataclass(frozen=True)
class StatusRecord:
    """The latest commit status of one context on one commit."""

    id: int
    repo_id: int
    sha: str
    context: str
    state: str
    description: str | None
    target_url: str | None
    creator_id: int | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StatusRecord:
        """Build from a `statuses` row."""
        return cls(
            row["id"],
            row["repo_id"],
            row["sha"],
            row["context"],
            row["state"],
            row["description"],
            row["target_url"],
            row["creator_id"],
            row["created_at"],
            row["updated_at"],
        )


@dataclass(frozen=True)
class IssueSpec:
    """One issue for `create_issues_bulk`."""

    title: str
    body: str = ""
    labels: tuple[str, ...] = ()
    author: str | None = None
    created_at: str | None = None


@dataclass(frozen=True)
class RefChange:
    """One ref moved by a push or a ref mutation (`None` means absent)."""

    ref: str
    before: str | None
    after: str | None


@dataclass
class HeadChange:
    """A pull request whose head moved (or that was opened), for `on_pr_head_changed`."""

    owner: str
    name: str
    sha: str
    number: int


@dataclass
class Notifications:
    """Head changes collected under the lock and delivered after it is released."""

    pending: list[HeadChange] = field(default_factory=list)

    def take(self) -> list[HeadChange]:
        """Return and forget the pending changes."""
        taken, self.pending = self.pending, []
        return taken
