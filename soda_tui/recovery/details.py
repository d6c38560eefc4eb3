"""The details of one item for the user deciding what to do: commits, diffstat, unpushed work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from soda_tui.git.errors import GitError
from soda_tui.loop.context import RepoContext
from soda_tui.recovery.local import BranchDetail, branch_detail
from soda_tui.recovery.models import UNKNOWN_STATE, OrphanItem


@dataclass(frozen=True)
class ItemDetail:
    """An item with its commits and diffstat read from the workspace (None when it has no branch)."""

    item: OrphanItem
    branch: BranchDetail | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        data: dict[str, Any] = {"item": self.item.to_json(), "problems": list(self.problems)}
        if self.branch is not None:
            data["commits"] = [
                {
                    "oid": commit.oid,
                    "subject": commit.subject,
                    "author": commit.author,
                    "authored_at": commit.authored_at.isoformat(),
                }
                for commit in self.branch.commits
            ]
            data["diffstat"] = {
                "files": [
                    {"path": s.path, "added": s.added, "removed": s.removed, "binary": s.binary}
                    for s in self.branch.files
                ],
                "added": self.branch.added,
                "removed": self.branch.removed,
            }
            data["unpushed"] = [
                {"oid": commit.oid, "subject": commit.subject} for commit in self.branch.unpushed
            ]
        return data

    def lines(self) -> list[str]:
        """The details as plain lines (headless `recover show` and the screen's pane)."""
        item = self.item
        out = [f"{item.key}  [{item.kind.value}]", f"  why: {item.reason}"]
        if item.issue is not None:
            title = f" {item.issue.title}" if item.issue.title else ""
            state = "" if item.issue.state == UNKNOWN_STATE else f" ({item.issue.state.lower()})"
            out.append(f"  issue: #{item.issue.number}{title}{state}")
        if item.pull is not None:
            pull = item.pull
            state = "merged" if pull.merged else pull.state.lower()
            out.append(f"  pull request: #{pull.number} {state} {pull.url}")
        if item.author:
            out.append(f"  author: {item.author}")
        if item.branch:
            out.append(f"  head: {str(item.head_oid)[:10]} {item.head_subject}")
        if self.branch is not None:
            out.append(f"  commits ahead: {len(self.branch.commits)}")
            out += [f"    {c.oid[:7]} {c.subject}" for c in self.branch.commits[:20]]
            if len(self.branch.commits) > 20:
                out.append(f"    … and {len(self.branch.commits) - 20} more")
            out.append(
                f"  diffstat: {len(self.branch.files)} file(s), "
                f"+{self.branch.added} -{self.branch.removed}"
            )
            for stat in self.branch.files[:30]:
                change = "binary" if stat.binary else f"+{stat.added} -{stat.removed}"
                out.append(f"    {stat.path} {change}")
            if self.branch.unpushed:
                out.append(f"  only in the workspace: {len(self.branch.unpushed)} commit(s)")
                out += [f"    {c.oid[:7]} {c.subject}" for c in self.branch.unpushed[:20]]
        out += [f"  note: {problem}" for problem in self.problems]
        return out


async def inspect_item(ctx: RepoContext, item: OrphanItem, default_branch: str) -> ItemDetail:
    """Fetch the workspace (cloning it the first time) and read the item's branch from it."""
    if item.branch is None:
        return ItemDetail(item)
    workspace = ctx.workspace()
    try:
        await ctx.in_thread(workspace.ensure_clone, ctx.progress)
        await ctx.in_thread(workspace.fetch)
        remote = await ctx.in_thread(workspace.remote_refs)
        detail = await ctx.in_thread(
            branch_detail,
            workspace.path,
            item.branch,
            default_branch,
            list(remote.values()),
            local=item.location == "local",
        )
    except GitError as error:
        return ItemDetail(item, None, (f"the workspace could not be read: {error.summary}",))
    return ItemDetail(item, detail)
