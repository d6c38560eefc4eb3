"""Bare repositories on disk, read and written with dulwich (refs, commits, history walks)."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from dulwich.graph import find_merge_base
from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import Repo
from dulwich.walk import ORDER_TOPO

ZERO_OID = "0" * 40


@dataclass(frozen=True)
class GitActor:
    """A commit author or committer."""

    name: str
    email: str
    timestamp: int
    tz_offset: int

    @property
    def date(self) -> datetime:
        """The time, in the actor's own zone."""
        zone = timezone(timedelta(seconds=self.tz_offset))
        return datetime.fromtimestamp(self.timestamp, tz=zone)


@dataclass(frozen=True)
class CommitInfo:
    """What the GraphQL Commit type shows about one commit."""

    oid: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author: GitActor
    committer: GitActor

    @property
    def headline(self) -> str:
        """The first line of the message."""
        return self.message.split("\n", 1)[0].strip()

    @property
    def body(self) -> str:
        """The message after the headline and its blank line."""
        return self.message.split("\n", 1)[1].strip() if "\n" in self.message else ""


def _actor(identity: bytes, when: int, tz: int) -> GitActor:
    text = identity.decode("utf-8", "replace")
    name, _, rest = text.partition("<")
    return GitActor(name.strip(), rest.rstrip(">").strip(), when, tz)


def identity(name: str, email: str) -> bytes:
    """A git identity line `Name <email>`."""
    return f"{name} <{email}>".encode()


class GitRepos:
    """The bare repositories under `root` (`<owner>/<name>.git`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, owner: str, name: str) -> Path:
        """Where the bare repository of `owner/name` lives."""
        return self.root / owner / f"{name}.git"

    def init(self, owner: str, name: str, default_branch: str) -> Path:
        """Create an empty bare repository whose HEAD names the default branch."""
        path = self.path(owner, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        repo = Repo.init_bare(path, mkdir=True, default_branch=default_branch.encode())
        try:
            repo.refs.set_symbolic_ref(b"HEAD", f"refs/heads/{default_branch}".encode())
        finally:
            repo.close()
        return path

    @contextmanager
    def open(self, owner: str, name: str) -> Iterator[Repo]:
        """Open the repository; a fresh handle sees packs that pushes added meanwhile."""
        repo = Repo(str(self.path(owner, name)))
        try:
            yield repo
        finally:
            repo.close()


def read_refs(repo: Repo, prefix: str = "refs/") -> dict[str, str]:
    """Every ref whose full name starts with `prefix`, mapped to the oid it points at."""
    refs: dict[str, str] = {}
    for short, oid in repo.refs.as_dict(b"refs").items():
        full = "refs/" + short.decode("utf-8", "replace")
        if full.startswith(prefix):
            refs[full] = oid.decode("ascii")
    return refs


def resolve_ref(repo: Repo, full_name: str) -> str | None:
    """The oid `full_name` points at, or None when the ref does not exist."""
    try:
        return repo.refs[full_name.encode()].decode("ascii")
    except KeyError:
        return None


def has_commit(repo: Repo, oid: str) -> bool:
    """Whether `oid` names a commit in this repository."""
    if len(oid) != 40:
        return False
    try:
        return isinstance(repo[oid.encode("ascii")], Commit)
    except (KeyError, ValueError, UnicodeError):
        return False


def peel_to_commit(repo: Repo, oid: str) -> str | None:
    """The commit an oid names, following annotated tags; None for other objects."""
    try:
        obj = repo[oid.encode("ascii")]
        while not isinstance(obj, Commit):
            target = getattr(obj, "object", None)
            if target is None:
                return None
            obj = repo[target[1]]
    except KeyError:
        return None
    return obj.id.decode("ascii")


def commit_info(repo: Repo, oid: str) -> CommitInfo:
    """Read one commit."""
    commit = repo[oid.encode("ascii")]
    if not isinstance(commit, Commit):
        raise KeyError(oid)
    return CommitInfo(
        oid=oid,
        tree=commit.tree.decode("ascii"),
        parents=tuple(parent.decode("ascii") for parent in commit.parents),
        message=commit.message.decode("utf-8", "replace"),
        author=_actor(commit.author, commit.author_time, commit.author_timezone),
        committer=_actor(commit.committer, commit.commit_time, commit.commit_timezone),
    )


def commits_between(repo: Repo, head: str, base: str | None) -> list[str]:
    """Commits reachable from `head` but not from `base`, oldest first (like a PR's commits)."""
    exclude = [base.encode("ascii")] if base else []
    walker = repo.get_walker(include=[head.encode("ascii")], exclude=exclude, order=ORDER_TOPO)
    return [entry.commit.id.decode("ascii") for entry in walker][::-1]


def count_between(repo: Repo, head: str, base: str | None) -> int:
    """How many commits `head` has that `base` has not."""
    exclude = [base.encode("ascii")] if base else []
    return sum(1 for _ in repo.get_walker(include=[head.encode("ascii")], exclude=exclude))


def merge_base(repo: Repo, first: str, second: str) -> str | None:
    """The best common ancestor of two commits."""
    bases = find_merge_base(repo, [first.encode("ascii"), second.encode("ascii")])
    return bases[0].decode("ascii") if bases else None


def is_ancestor(repo: Repo, ancestor: str, descendant: str) -> bool:
    """Whether `ancestor` is reachable from `descendant` (a fast-forward is possible)."""
    return ancestor == descendant or merge_base(repo, ancestor, descendant) == ancestor


def write_commit(
    repo: Repo,
    *,
    tree: str,
    parents: list[str],
    message: str,
    author: bytes,
    committer: bytes,
    when: datetime,
    author_when: tuple[int, int] | None = None,
) -> str:
    """Store a commit object and return its oid (no ref moves)."""
    commit = Commit()
    commit.tree = tree.encode("ascii")
    commit.parents = [parent.encode("ascii") for parent in parents]
    commit.author = author
    commit.committer = committer
    stamp = int(when.astimezone(UTC).timestamp())
    commit.commit_time = stamp
    commit.commit_timezone = 0
    commit.author_time, commit.author_timezone = author_when or (stamp, 0)
    commit.encoding = b"UTF-8"
    commit.message = message.encode("utf-8")
    repo.object_store.add_object(commit)
    return commit.id.decode("ascii")


def write_tree(repo: Repo, files: dict[str, str]) -> str:
    """Store blobs and (nested) trees for `files` and return the root tree oid."""
    nested: dict[str, object] = {}
    for path, content in files.items():
        parts = [part for part in path.split("/") if part]
        node = nested
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"{path!r} puts a file where a directory is expected")
            node = child
        node[parts[-1]] = content

    def build(node: dict[str, object]) -> bytes:
        tree = Tree()
        for name, value in node.items():
            if isinstance(value, dict):
                tree.add(name.encode(), stat.S_IFDIR, build(value))
            else:
                blob = Blob.from_string(str(value).encode("utf-8"))
                repo.object_store.add_object(blob)
                mode = 0o100755 if name == "ci" and str(value).startswith("#!") else 0o100644
                tree.add(name.encode(), mode, blob.id)
        repo.object_store.add_object(tree)
        return tree.id

    return build(nested).decode("ascii")


def set_ref(repo: Repo, full_name: str, new: str, expected: str | None) -> bool:
    """Point `full_name` at `new` only if it still points at `expected` (None: must not exist)."""
    name = full_name.encode()
    if expected is None:
        return bool(repo.refs.add_if_new(name, new.encode("ascii")))
    return bool(repo.refs.set_if_equals(name, expected.encode("ascii"), new.encode("ascii")))


def delete_ref(repo: Repo, full_name: str, expected: str) -> bool:
    """Delete `full_name` only if it still points at `expected`."""
    return bool(repo.refs.remove_if_equals(full_name.encode(), expected.encode("ascii")))
