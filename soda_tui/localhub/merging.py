"""Three-way merges on bare repositories: mergeability and the MERGE, SQUASH and REBASE methods.

Tree merges use `git merge-tree --write-tree` (git's own merge-ort, so conflicts are exactly
git's). git 2.39 has no `--merge-base`, so replaying a commit C (parent P) onto B merges two
throw-away commits with trees B and C whose only parent is P: their merge base is then P.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dulwich.repo import Repo

from soda_tui.localhub.gitstore import commit_info, commits_between, identity, write_commit
from soda_tui.localhub.models import HubUnprocessable, LocalHubError

LOCALHUB_COMMITTER = identity("localhub", "noreply@localhub.invalid")
_GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


@dataclass(frozen=True)
class TreeMerge:
    """The result of merging two commits' trees."""

    tree: str
    conflicts: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """Whether the merge had no conflicts."""
        return not self.conflicts


@dataclass(frozen=True)
class MergePlan:
    """Everything a pull request merge needs."""

    method: str
    base_tip: str
    head_tip: str
    number: int
    title: str
    head_label: str
    merger_login: str
    author_login: str
    when: datetime
    commit_headline: str | None = None
    commit_body: str | None = None
    author_email: str | None = None


def merge_trees(git_dir: Path, ours: str, theirs: str) -> TreeMerge:
    """Merge `theirs` into `ours` without touching any ref; conflicts are listed, not raised."""
    result = subprocess.run(
        [
            "git",
            "--git-dir",
            str(git_dir),
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            ours,
            theirs,
        ],
        capture_output=True,
        text=True,
        env=_GIT_ENV,
        check=False,
    )
    if result.returncode not in (0, 1):
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise LocalHubError(f"git merge-tree failed: {detail[-1] if detail else 'no output'}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode == 0:
        return TreeMerge(tree=lines[0], conflicts=())
    # Exit 1 always means a conflict, even if git named no file (a rename/delete, say).
    return TreeMerge(tree=lines[0], conflicts=tuple(lines[1:]) or ("(unnamed)",))


def is_mergeable(git_dir: Path, base_tip: str, head_tip: str) -> bool:
    """Whether merging `head_tip` into `base_tip` is free of conflicts."""
    return merge_trees(git_dir, base_tip, head_tip).clean


def _replay_tree(repo: Repo, git_dir: Path, onto: str, commit: str, parent: str) -> TreeMerge:
    """Merge the change `parent..commit` onto `onto` (a cherry-pick, tree only)."""
    stamp = datetime.fromtimestamp(0, tz=UTC)
    onto_tree = commit_info(repo, onto).tree
    commit_tree = commit_info(repo, commit).tree
    ours = write_commit(
        repo,
        tree=onto_tree,
        parents=[parent],
        message="localhub replay base\n",
        author=LOCALHUB_COMMITTER,
        committer=LOCALHUB_COMMITTER,
        when=stamp,
    )
    theirs = write_commit(
        repo,
        tree=commit_tree,
        parents=[parent],
        message="localhub replay change\n",
        author=LOCALHUB_COMMITTER,
        committer=LOCALHUB_COMMITTER,
        when=stamp,
    )
    return merge_trees(git_dir, ours, theirs)


def _user_identity(login: str, email: str | None = None) -> bytes:
    return identity(login, email or f"{login}@users.noreply.localhub.invalid")


def perform_merge(repo: Repo, git_dir: Path, plan: MergePlan) -> str:
    """Write the commits of a merge and return the new base tip (the caller moves the ref)."""
    if plan.method == "REBASE":
        return _rebase(repo, git_dir, plan)
    merged = merge_trees(git_dir, plan.base_tip, plan.head_tip)
    if not merged.clean:
        raise HubUnprocessable("Pull Request is not mergeable")
    if plan.method == "SQUASH":
        headline = plan.commit_headline or f"{plan.title} (#{plan.number})"
        subjects = [
            commit_info(repo, oid).headline
            for oid in commits_between(repo, plan.head_tip, plan.base_tip)
        ]
        default_body = "\n\n".join(f"* {subject}" for subject in subjects)
        body = plan.commit_body if plan.commit_body is not None else default_body
        return write_commit(
            repo,
            tree=merged.tree,
            parents=[plan.base_tip],
            message=_message(headline, body),
            author=_user_identity(plan.author_login, plan.author_email),
            committer=LOCALHUB_COMMITTER,
            when=plan.when,
        )
    headline = plan.commit_headline or f"Merge pull request #{plan.number} from {plan.head_label}"
    body = plan.commit_body if plan.commit_body is not None else plan.title
    return write_commit(
        repo,
        tree=merged.tree,
        parents=[plan.base_tip, plan.head_tip],
        message=_message(headline, body),
        author=_user_identity(plan.merger_login, plan.author_email),
        committer=LOCALHUB_COMMITTER,
        when=plan.when,
    )


def _rebase(repo: Repo, git_dir: Path, plan: MergePlan) -> str:
    tip = plan.base_tip
    for oid in commits_between(repo, plan.head_tip, plan.base_tip):
        info = commit_info(repo, oid)
        # Like `git rebase`, merge commits inside the branch are dropped, their changes kept.
        if len(info.parents) != 1:
            continue
        replayed = _replay_tree(repo, git_dir, tip, oid, info.parents[0])
        if not replayed.clean:
            raise HubUnprocessable("This branch can't be rebased")
        tip = write_commit(
            repo,
            tree=replayed.tree,
            parents=[tip],
            message=info.message,
            author=identity(info.author.name, info.author.email),
            committer=LOCALHUB_COMMITTER,
            when=plan.when,
            author_when=(info.author.timestamp, info.author.tz_offset),
        )
    return tip


def _message(headline: str, body: str) -> str:
    return f"{headline}\n\n{body}\n" if body.strip() else f"{headline}\n"
