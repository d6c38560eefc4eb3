"""What soda-tui's workspace knows that GitHub does not: unpushed commits, commit lists, diffstats.

Read-only: these functions open the clone with dulwich and never change a ref or a file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from dulwich.diff_tree import tree_changes
from dulwich.graph import find_merge_base
from dulwich.objects import Blob, Commit, ObjectID
from dulwich.repo import Repo

from soda_tui.git.errors import GitError
from soda_tui.git.history import (
    HEADS,
    CommitInfo,
    as_oid,
    as_ref,
    commit_info,
    commits_between,
    has_object,
    local_branches,
    tip,
    tracking_tip,
)
from soda_tui.git.workspace import Workspace
from soda_tui.recovery.classify import LocalBranch
from soda_tui.recovery.patterns import is_agent_branch

MAX_DIFF_BYTES = 1_000_000  # larger blobs count as binary: a diffstat is not worth the memory


@dataclass(frozen=True)
class FileStat:
    """One file's line changes in a diffstat (binary files have no line counts)."""

    path: str
    added: int
    removed: int
    binary: bool = False


def local_agent_work(
    workspace: Workspace, patterns: tuple[str, ...], default_branch: str
) -> dict[str, LocalBranch]:
    """The workspace's agent branches with commits no branch or tag on the remote has."""
    if not workspace.exists():
        return {}
    remote_tips = [as_oid(oid) for oid in workspace.remote_refs().values()]
    found: dict[str, LocalBranch] = {}
    with Repo(str(workspace.path)) as repo:
        base = tracking_tip(repo, default_branch)
        for name, branch_tip in sorted(local_branches(repo).items()):
            if not is_agent_branch(name, patterns):
                continue
            unpushed = commits_between(repo, [branch_tip], remote_tips)
            if not unpushed:
                continue
            ahead = commits_between(repo, [branch_tip], [base] if base else [])
            head = commit_info(repo[branch_tip])  # type: ignore[arg-type]
            found[name] = LocalBranch(
                name=name,
                tip=branch_tip.decode("ascii"),
                unpushed=len(unpushed),
                ahead=len(ahead),
                subject=head.subject,
                author=head.author,
                committed_at=head.authored_at,
            )
    return found


def known_default_branch(workspace: Workspace) -> str | None:
    """The default branch the workspace learned at its last fetch (no network), if it has one."""
    if not workspace.exists():
        return None
    try:
        return workspace.default_branch()
    except GitError:
        return None  # a guess only: the scan corrects it from GitHub


@dataclass(frozen=True)
class BranchDetail:
    """A branch's commits ahead of the default branch and what they change."""

    commits: tuple[CommitInfo, ...]
    files: tuple[FileStat, ...]
    unpushed: tuple[CommitInfo, ...]

    @property
    def added(self) -> int:
        """Lines added in all files."""
        return sum(stat.added for stat in self.files)

    @property
    def removed(self) -> int:
        """Lines removed in all files."""
        return sum(stat.removed for stat in self.files)


def branch_detail(
    path: Path, branch: str, default_branch: str, remote_tips: list[str], *, local: bool
) -> BranchDetail:
    """Commits and diffstat of `branch` (the remote's copy, or the local one when `local`)."""
    with Repo(str(path)) as repo:
        local_tip = tip(repo, as_ref(HEADS, branch))
        head = local_tip if local else tracking_tip(repo, branch)
        if head is None:
            head = local_tip
        if head is None:
            return BranchDetail((), (), ())
        base = tracking_tip(repo, default_branch)
        commits = commits_between(repo, [head], [base] if base else [])
        files = diffstat(repo, base, head) if base else ()
        unpushed: list[CommitInfo] = []
        if local_tip is not None:
            unpushed = commits_between(repo, [local_tip], [as_oid(oid) for oid in remote_tips])
        return BranchDetail(tuple(commits), tuple(files), tuple(unpushed))


def diffstat(repo: Repo, base: ObjectID, head: ObjectID) -> tuple[FileStat, ...]:
    """Line changes per file between the merge base of `base` and `head`, and `head`."""
    bases = find_merge_base(repo, [head, base])
    start = bases[0] if bases else None
    head_commit = repo[head]
    assert isinstance(head_commit, Commit)
    start_tree = None
    if start is not None:
        start_commit = repo[start]
        assert isinstance(start_commit, Commit)
        start_tree = start_commit.tree
    stats = []
    for change in tree_changes(repo.object_store, start_tree, head_commit.tree):
        old_sha = change.old.sha if change.old is not None else None
        new_sha = change.new.sha if change.new is not None else None
        entry = change.new if change.new is not None and change.new.path else change.old
        path = (entry.path if entry is not None else None) or b""
        old_lines, old_binary = _lines(repo, old_sha)
        new_lines, new_binary = _lines(repo, new_sha)
        name = path.decode("utf-8", "replace")
        if old_binary or new_binary:
            stats.append(FileStat(name, 0, 0, binary=True))
            continue
        added = removed = 0
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                removed += i2 - i1
            if tag in ("replace", "insert"):
                added += j2 - j1
        stats.append(FileStat(name, added, removed))
    return tuple(sorted(stats, key=lambda stat: stat.path))


def _lines(repo: Repo, sha: bytes | None) -> tuple[list[bytes], bool]:
    if sha is None or not has_object(repo, sha):
        return [], False
    blob = repo[sha]
    if not isinstance(blob, Blob):
        return [], True  # a submodule entry
    data = blob.as_raw_string()
    if len(data) > MAX_DIFF_BYTES or b"\0" in data[:8000]:
        return [], True
    return data.splitlines(), False
