"""The working tree's uncommitted state: listing it, and saving all of it as a commit under a ref.

dulwich's own stash leaves untracked files behind, and an agent's new files are usually
untracked, so the snapshot here walks the working tree itself: every tracked file as it is on
disk and every untracked file that is not ignored.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

from dulwich import porcelain
from dulwich.index import commit_tree
from dulwich.objects import Blob, Commit, ObjectID
from dulwich.repo import Repo

from soda_tui.git.errors import GitError

SNAPSHOT_IDENTITY = b"soda-tui <soda-tui@localhost>"
_GITLINK = 0o160000
_SYMLINK = 0o120000


def changed_paths(repo: Repo) -> list[str]:
    """Paths with staged, unstaged or untracked (not ignored) changes, sorted."""
    report = porcelain.status(repo, untracked_files="normal")
    raw: list[bytes | str] = []
    for group in report.staged.values():
        raw.extend(group)
    raw.extend(report.unstaged)
    raw.extend(report.untracked)
    return sorted(
        {item.decode("utf-8", "replace") if isinstance(item, bytes) else item for item in raw}
    )


def _tracked(repo: Repo) -> dict[bytes, tuple[ObjectID, int]]:
    index = repo.open_index()
    tracked: dict[bytes, tuple[ObjectID, int]] = {}
    for path, entry in index.items():
        sha = getattr(entry, "sha", None)
        mode = getattr(entry, "mode", None)
        if sha is None or mode is None:
            # A conflicted entry: the file on disk is what matters, so treat it as untracked.
            continue
        tracked[path] = (sha, mode)
    return tracked


def _blob_for(repo: Repo, absolute: str) -> tuple[ObjectID, int] | None:
    info = os.lstat(absolute)
    if stat.S_ISLNK(info.st_mode):
        data, mode = os.fsencode(os.readlink(absolute)), _SYMLINK
    elif stat.S_ISREG(info.st_mode):
        with open(absolute, "rb") as handle:
            data = handle.read()
        mode = 0o100755 if info.st_mode & 0o111 else 0o100644
    else:
        return None
    blob = Blob.from_string(data)
    repo.object_store.add_object(blob)
    return blob.id, mode


def working_tree_tree(repo: Repo) -> ObjectID:
    """Store every tracked and every non-ignored untracked file as a tree; return its id."""
    from dulwich.ignore import IgnoreFilterManager

    root = repo.path
    tracked = _tracked(repo)
    tracked_dirs = {os.path.dirname(path) for path in tracked}
    for directory in list(tracked_dirs):
        while directory:
            directory = os.path.dirname(directory)
            tracked_dirs.add(directory)
    ignores = IgnoreFilterManager.from_repo(repo)
    entries: list[tuple[bytes, ObjectID, int]] = []
    for path, (sha, mode) in tracked.items():
        if mode == _GITLINK:
            entries.append((path, sha, mode))
    for current, dirnames, filenames in os.walk(root):
        relative_dir = os.path.relpath(current, root)
        relative_dir = "" if relative_dir == "." else relative_dir
        kept = []
        for name in sorted(dirnames):
            relative = os.path.join(relative_dir, name)
            if name == ".git" or os.path.exists(os.path.join(current, name, ".git")):
                continue
            if os.fsencode(relative) not in tracked_dirs and ignores.is_ignored(relative + "/"):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            relative = os.path.join(relative_dir, name)
            key = os.fsencode(relative)
            if key not in tracked and ignores.is_ignored(relative):
                continue
            stored = _blob_for(repo, os.path.join(current, name))
            if stored is not None:
                entries.append((key, stored[0], stored[1]))
    return commit_tree(repo.object_store, entries)


def snapshot_commit(repo: Repo, message: str, when: datetime) -> ObjectID:
    """A commit (on no branch) of the whole working tree, whose parent is HEAD."""
    try:
        head = repo.head()
    except KeyError:
        raise GitError(
            f"the workspace {repo.path} has no commit yet, so its changes cannot be saved"
        ) from None
    commit = Commit()
    commit.tree = working_tree_tree(repo)
    commit.parents = [head]
    commit.author = commit.committer = SNAPSHOT_IDENTITY
    commit.author_time = commit.commit_time = int(when.timestamp())
    commit.author_timezone = commit.commit_timezone = 0
    commit.encoding = b"UTF-8"
    commit.message = message.encode("utf-8") + b"\n"
    repo.object_store.add_object(commit)
    return commit.id


def discard_changes(repo: Repo) -> None:
    """Reset index and tree to HEAD and delete untracked files (only after a snapshot)."""
    porcelain.reset(repo, "hard", "HEAD")
    porcelain.clean(repo, target_dir=str(Path(repo.path)))
