"""Reading a dulwich repository: typed ref names, resolving names, listing commits between refs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from dulwich.objects import ZERO_SHA, Commit, ObjectID
from dulwich.refs import Ref, check_ref_format
from dulwich.repo import Repo

from soda_tui.git.errors import GitError

_hex_oid = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

REMOTE_NAME = "origin"
HEADS = b"refs/heads/"
TAGS = b"refs/tags/"
REMOTES = f"refs/remotes/{REMOTE_NAME}/".encode()
HEAD = Ref(b"HEAD")


@dataclass(frozen=True)
class CommitInfo:
    """A commit as the dashboard and PR bodies show it."""

    oid: str
    subject: str
    author: str
    authored_at: datetime


def as_ref(*parts: bytes | str) -> Ref:
    """A dulwich ref name from its parts (`as_ref(HEADS, "main")`)."""
    return Ref(b"".join(part.encode("utf-8") if isinstance(part, str) else part for part in parts))


def as_oid(value: bytes | str) -> ObjectID:
    """A dulwich object id from hex text."""
    return ObjectID(value.encode("ascii") if isinstance(value, str) else value)


def tip(repo: Repo, ref: Ref) -> ObjectID | None:
    """Where `ref` points (symbolic refs followed), or None when it does not exist."""
    try:
        return repo.refs[ref]
    except KeyError:
        return None


def has_object(repo: Repo, oid: bytes) -> bool:
    """Whether the object store holds `oid`."""
    return ObjectID(oid) in repo.object_store


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


def resolve(repo: Repo, name: str) -> ObjectID | None:
    """The commit `name` points at (full ref, branch, origin/branch, tag or hex oid), or None."""
    for prefix in (b"", HEADS, b"refs/remotes/", REMOTES, TAGS):
        found = tip(repo, as_ref(prefix, name))
        if found is not None:
            return peel(repo, found)
    if _hex_oid.fullmatch(name) and has_object(repo, as_oid(name)):
        return peel(repo, as_oid(name))
    return None


def resolve_or_fail(repo: Repo, name: str, what: str) -> ObjectID:
    """Like `resolve`, but a GitError naming `what` when the name points nowhere."""
    oid = resolve(repo, name)
    if oid is None:
        raise GitError(f"{what} {name!r} is not in the workspace; fetch first or check the name")
    return oid


def peel(repo: Repo, oid: ObjectID) -> ObjectID:
    """Follow annotated tags down to the commit they name."""
    obj = repo.object_store[oid]
    while obj.type_name == b"tag":
        obj = repo.object_store[obj.object[1]]  # type: ignore[attr-defined]
    return obj.id


def commits_between(
    repo: Repo, include: Iterable[ObjectID], exclude: Iterable[ObjectID]
) -> list[CommitInfo]:
    """Commits reachable from `include` but not from `exclude`, newest first (like `git log`)."""
    wanted = list(include)
    if not wanted:
        return []
    known = [oid for oid in exclude if has_object(repo, oid)]
    walker = repo.get_walker(include=wanted, exclude=known)
    return [commit_info(entry.commit) for entry in walker]


def refs_under(repo: Repo, prefix: bytes) -> dict[Ref, ObjectID]:
    """Every ref under `prefix` (full names) with its oid."""
    base = as_ref(prefix.rstrip(b"/"))
    return {as_ref(base, b"/", name): oid for name, oid in repo.refs.as_dict(base).items()}


def names_under(repo: Repo, prefix: bytes) -> dict[str, ObjectID]:
    """Refs under `prefix` by their short name (`main` for refs/heads/main)."""
    base = as_ref(prefix.rstrip(b"/"))
    return {name.decode("utf-8"): oid for name, oid in repo.refs.as_dict(base).items()}


def local_branches(repo: Repo) -> dict[str, ObjectID]:
    """Local branch names and their tips."""
    return names_under(repo, HEADS)


def tracking_tip(repo: Repo, branch: str) -> ObjectID | None:
    """Where the remote's `branch` was at the last fetch or push."""
    return names_under(repo, REMOTES).get(branch)


def short(oid: bytes | str | None) -> str:
    """An abbreviated oid for messages ("nothing" for a missing or all-zero one)."""
    if not oid or oid in (ZERO_SHA, ZERO_SHA.decode("ascii")):
        return "nothing"
    text = oid.decode("ascii") if isinstance(oid, bytes) else oid
    return text[:10]


def ref_for(prefix: bytes, name: str, what: str) -> Ref:
    """The full ref for a branch or tag name; GitError when git would not accept the name."""
    ref = as_ref(prefix, name)
    if not name or not check_ref_format(ref):
        raise GitError(f"{name!r} is not a valid {what} name")
    return ref
