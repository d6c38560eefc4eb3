"""Blocking an issue: a comment with the reason and log tail, then route:blocked (branch kept)."""

from __future__ import annotations

from soda_tui.agents.faultpoints import fault_point
from soda_tui.core.secrets import redact
from soda_tui.loop.claims import IssueDetail, has_marker
from soda_tui.loop.context import RepoContext

BLOCKED_MARKER = "<!-- soda-tui:blocked -->"


def blocked_comment(reason: str, tail: list[str], branch: str) -> str:
    """The comment that tells a human why the agent stopped."""
    shown = "\n".join(line[:300] for line in tail[-30:]) or "(no output)"
    fence = "````" if "```" in shown else "```"
    return redact(
        f"{BLOCKED_MARKER}\n**soda-tui: the agent could not finish this issue.**\n\n"
        f"Reason: {reason}\n\nThe branch `{branch}` is kept with any work done so far. "
        "Remove `route:blocked` and add `route:ready` to queue it again.\n\n"
        f"Last lines of the run:\n\n{fence}\n{shown}\n{fence}\n"
    )


async def block_issue(
    ctx: RepoContext, detail: IssueDetail, journal, reason: str, tail: list[str]
) -> None:
    """Comment once (found by marker when resuming) and swap agent001 for route:blocked."""
    if not journal.step_done("blocked_comment"):
        # When the newest comment is ours, a crashed run already posted it: never post twice.
        if not has_marker(detail.comments[-1:], BLOCKED_MARKER):
            fault_point("block.before_comment")
            await ctx.client.execute(
                "AddComment",
                {
                    "subjectId": detail.issue.node_id,
                    "body": blocked_comment(reason, tail, detail.branch),
                },
            )
            fault_point("block.after_comment_request")
        journal.record("blocked_comment")
    if not journal.step_done("blocked_labels"):
        add = [detail.label_ids["blockedLabel"]] if "blockedLabel" in detail.label_ids else []
        remove = [detail.label_ids["agentLabel"]] if "agentLabel" in detail.label_ids else []
        await ctx.client.execute(
            "SwapLabels",
            {"issueId": detail.issue.node_id, "addLabelIds": add, "removeLabelIds": remove},
            retry_safe=True,
        )
        journal.record("blocked_labels")
