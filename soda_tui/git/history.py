"""Reading history from a dulwich repository: resolving names and listing commits between refs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from dulwich.objects import Commit
from dulwich.repo import Repo

from soda_tui.git.errors import GitError

_hex_oid = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

REMOTE_NAME = "origin"
HEADS = b"refs/heads/"
TAGS = b"refs/tags/"
REMOTES = f"refs/remotes/{REMOTE_NAME}/".encode()


@dataclass(frozen=True)
class CommitInfo:
    """A commit as the dashboard and PR bodies show it."""

    oid: str
    subject: str
    author: str
    authored_at: datetime


def commit_info(commit: Commit) -> CommitInfo:
    """The display facts of a dulwich commit."""
    message = commit.message.decode("utf-8", "replace")
    subject = message.strip().splitlines()[0] if message.strip() else ""
    zone = timezone(timedelta(seconds=commit.author_timezone))
    return CommitInfo(
        oid=commit.id.decode("ascii"),
        subject=subject,
        author=commit.author.decode("utf-8", "replace"),
        authored_at=datetime.fromtimestamp(commit.author_time, zone),
    )


def resolve(repo: Repo, name: str) -> bytes | None:
    """The commit `name` points at (full ref, branch, origin/branch, tag or hex oid), or None."""
    raw = name.encode("utf-8")
    candidates = [raw, HEADS + raw, b"refs/remotes/" + raw, REMOTES + raw, TAGS + raw]
    for candidate in candidates:
        try:
            oid = repo.refs[candidate]
        except KeyError:
            continue
        return peel(repo, oid)
    if _hex_oid.fullmatch(name) and raw in repo.object_store:
        return peel(repo, raw)
    return None


def resolve_or_fail(repo: Repo, name: str, what: str) -> bytes:
    """Like `resolve`, but a GitError naming `what` when the name points nowhere."""
    oid = resolve(repo, name)
    if oid is None:
        raise GitError(f"{what} {name!r} is not in the workspace; fetch first or check the name")
    return oid


def peel(repo: Repo, oid: bytes) -> bytes:
    """Follow annotated tags down to the commit they name."""
    obj = repo.object_store[oid]
    while obj.type_name == b"tag":
        obj = repo.object_store[obj.object[1]]  # type: ignore[attr-defined]
    return obj.id


def commits_between(
    repo: Repo, include: Iterable[bytes], exclude: Iterable[bytes]
) -> list[CommitInfo]:
    """Commits reachable from `include` but not from `exclude`, oldest first."""
    wanted = list(include)
    if not wanted:
        return []
    known = [oid for oid in exclude if oid in repo.object_store]
    walker = repo.get_walker(include=wanted, exclude=known)
    found = [commit_info(entry.commit) for entry in walker]
    found.reverse()
    return found


def local_branches(repo: Repo) -> dict[str, bytes]:
    """Local branch names and their tips."""
    return {
        name.decode("utf-8"): oid for name, oid in repo.refs.as_dict(HEADS.rstrip(b"/")).items()
    }


def refs_under(repo: Repo, prefix: bytes) -> dict[bytes, bytes]:
    """Every ref under `prefix` (full names) with its oid, symbolic refs left out."""
    base = prefix.rstrip(b"/")
    return {base + b"/" + name: oid for name, oid in repo.refs.as_dict(base).items()}
