"""Recovery actions on one item: open a recovery PR, re-queue the issue, archive the branch, ignore.

Each multi-step action is journaled (see target.recovery_journal) so running it again after a
crash finishes it without doing anything twice. Nothing is deleted unless it was archived first:
archive pushes `archive/<branch>` at the branch's head, checks on the remote that the tag points
there, and only then deletes the branch with a lease on that head. Commits that exist only in
soda-tui's workspace are kept under `refs/soda/preserved/...` before any action touches them.
"""

from __future__ import annotations

from datetime import datetime

from soda_tui.agents.faultpoints import fault_point
from soda_tui.agents.journal import Journal
from soda_tui.core.naming import archive_tag
from soda_tui.core.secrets import redact
from soda_tui.git.errors import GitError, PushRejected
from soda_tui.github.errors import GitHubError, GraphQLError
from soda_tui.loop.context import RepoContext
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.recovery.ignore import IgnoreStore
from soda_tui.recovery.models import DESTRUCTIVE_ACTIONS, OrphanItem, RecoveryAction
from soda_tui.recovery.target import (
    Target,
    item_facts,
    item_from_facts,
    read_target,
    recovery_journal,
)

REQUEUED_MARKER = "<!-- soda-tui:requeued"
NO_ISSUE = 0  # the journal needs an issue number; a branch without an issue is journaled as 0


def describe(item: OrphanItem, action: RecoveryAction) -> str:
    """What `action` would do to `item`, in one line (the dry run and the confirmation say it)."""
    branch = item.branch or ""
    number = item.issue_number
    if action is RecoveryAction.ARCHIVE:
        where = "" if item.location == "local" else ", then delete the branch"
        if item.pull is not None and item.pull.state == "OPEN" and item.location == "remote":
            where += f" (which closes pull request #{item.pull.number})"
        return (
            f"archive {branch}: push tag {archive_tag(branch)} at {str(item.head_oid)[:10]}{where}"
        )
    if action is RecoveryAction.PR:
        fixes = f" (Fixes #{number})" if number else ""
        return f"open a recovery pull request from {branch}{fixes}"
    if action is RecoveryAction.REQUEUE:
        return f"re-queue #{number}: labels back to route:ready, claim removed, comment"
    return f"ignore {item.key} from now on"


async def perform(
    ctx: RepoContext,
    item: OrphanItem,
    action: RecoveryAction,
    *,
    confirmed: bool = False,
    ignore: IgnoreStore | None = None,
) -> ActionResult:
    """Carry out `action` on `item`; destructive actions refuse unless `confirmed`."""
    if action not in item.actions:
        raise ActionRefused(
            f"{action.value} does not apply to {item.key} ({item.kind.value}); "
            f"choose one of: {', '.join(a.value for a in item.actions)}",
            Exit.USAGE,
        )
    if action in DESTRUCTIVE_ACTIONS and not confirmed:
        raise ActionRefused(
            f"{describe(item, action)}: this needs confirmation (--yes, or answer the prompt)",
            Exit.USAGE,
        )
    if action is RecoveryAction.IGNORE:
        store = ignore or IgnoreStore(ctx.paths.ignored_file)
        return ignore_item(store, item, ctx.clock.now())
    journal = recovery_journal(ctx)
    entry = journal.load()
    if entry is not None and (entry.action, entry.facts.get("key")) != (action.value, item.key):
        await resume_unfinished(ctx)
    runner = {
        RecoveryAction.ARCHIVE: _archive,
        RecoveryAction.PR: _open_pr,
        RecoveryAction.REQUEUE: _requeue,
    }[action]
    journal.begin(action.value, item.issue_number or NO_ISSUE, **item_facts(item))
    try:
        return await runner(ctx, journal, item)
    except ActionRefused as refusal:
        journal.finish(f"refused: {refusal.message}")
        raise


async def resume_unfinished(ctx: RepoContext) -> ActionResult | None:
    """Finish a recovery action a crash interrupted; None when there was none."""
    journal = recovery_journal(ctx)
    entry = journal.load()
    if entry is None:
        return None
    item = item_from_facts(ctx.repo, entry.facts)
    runner = {"archive": _archive, "pr": _open_pr, "requeue": _requeue}.get(entry.action)
    if runner is None:
        journal.finish(f"dropped: unknown recovery action {entry.action!r}")
        return None
    try:
        return await runner(ctx, journal, item)
    except ActionRefused as refusal:
        journal.finish(f"refused: {refusal.message}")
        raise


def ignore_item(store: IgnoreStore, item: OrphanItem, now: datetime) -> ActionResult:
    """Remember to leave `item` out of future scans (`--include-ignored` shows it again)."""
    added = store.add(item.key, now)
    message = f"{item.key} is ignored from now on" if added else f"{item.key} was already ignored"
    return ActionResult("recover", str(item.repo), Exit.DONE, message, _data("ignore", item))


def _data(action: str, item: OrphanItem, **extra: object) -> dict[str, object]:
    return {"recovery_action": action, "item": item.key, "branch": item.branch, **extra}


async def _preserve(ctx: RepoContext, journal: Journal, action: str) -> str | None:
    """Keep every commit only the workspace has under refs/soda/preserved (once per action)."""
    if journal.step_done("preserved"):
        return journal.facts.get("preserved")
    workspace = ctx.workspace()
    kept = None
    if workspace.exists():
        kept = await ctx.in_thread(workspace.preserve_local_work, f"recover {action}")
    journal.record("preserved", preserved=kept)
    return kept


async def _archive(ctx: RepoContext, journal: Journal, item: OrphanItem) -> ActionResult:
    branch, head = item.branch, item.head_oid
    if not branch or not head:
        raise ActionRefused(f"{item.key} has no branch to archive", Exit.USAGE)
    workspace = ctx.workspace()
    await ctx.in_thread(workspace.ensure_clone, ctx.progress)
    preserved = await _preserve(ctx, journal, "archive")
    await ctx.in_thread(workspace.fetch)
    remote = await ctx.in_thread(workspace.remote_refs)
    tag = journal.facts.get("tag") or _free_tag(branch, head, remote)
    journal.record("planned", tag=tag)
    tag_ref = f"refs/tags/{tag}"
    current = remote.get(f"refs/heads/{branch}")
    if current is not None and current != head:
        raise ActionRefused(
            f"{branch} moved to {current[:10]} since the scan (expected {head[:10]}); "
            "nothing was deleted: scan again"
        )
    if current is None and item.location == "remote" and remote.get(tag_ref) != head:
        raise ActionRefused(f"{branch} is no longer on the remote and was not archived by us")
    if remote.get(tag_ref) != head:
        await ctx.in_thread(workspace.push_tag, tag, head)
        fault_point("recover.archive.after_tag")
        remote = await ctx.in_thread(workspace.remote_refs)
    if remote.get(tag_ref) != head:
        raise ActionRefused(
            f"the tag {tag} on the remote does not point at {head[:10]}; {branch} was not deleted"
        )
    journal.record("tagged")
    fault_point("recover.archive.after_verify")
    deleted = False
    if item.location == "remote" and remote.get(f"refs/heads/{branch}") is not None:
        try:
            deleted = await ctx.in_thread(
                workspace.delete_remote_branch, branch, expected_remote_oid=head
            )
        except PushRejected as rejected:
            raise ActionRefused(f"{branch} was tagged but not deleted: {rejected.reason}") from None
    journal.record("deleted")
    journal.finish()
    what = f"archived {branch} as {tag} at {head[:10]}"
    if deleted:
        what += " and deleted the branch"
    if preserved:
        what += f"; local commits kept under {preserved}"
    return ActionResult(
        "recover",
        str(ctx.repo),
        Exit.DONE,
        what,
        _data("archive", item, tag=tag, head_oid=head, deleted=deleted, preserved=preserved),
    )


def _free_tag(branch: str, head: str, remote: dict[str, str]) -> str:
    """`archive/<branch>`, or a suffixed name when that tag already keeps another commit."""
    tag = archive_tag(branch)
    existing = remote.get(f"refs/tags/{tag}")
    return tag if existing in (None, head) else f"{tag}-{head[:10]}"


def recovery_body(item: OrphanItem, subjects: list[tuple[str, str]], fixes: int | None) -> str:
    """The recovery pull request's body: `Fixes #N` first (when the issue exists), why it was
    left behind, and its commits."""
    lines = [f"Fixes #{fixes}", ""] if fixes else []
    lines += [
        f"Recovered work from the branch `{item.branch}`, found left behind by "
        f"`soda-tui recover` ({item.reason}).",
        "",
        "Commits:",
        *[f"- {subject} ({oid[:7]})" for oid, subject in subjects],
        "",
        "Opened by soda-tui recover; review it like any other change.",
    ]
    return redact("\n".join(lines))


async def _open_pr(ctx: RepoContext, journal: Journal, item: OrphanItem) -> ActionResult:
    branch = item.branch
    if not branch:
        raise ActionRefused(f"{item.key} has no branch to open a pull request from", Exit.USAGE)
    workspace = ctx.workspace()
    await ctx.in_thread(workspace.ensure_clone, ctx.progress)
    preserved = await _preserve(ctx, journal, "pr")
    await ctx.in_thread(workspace.fetch)
    target = await read_target(ctx, branch, item.issue_number)
    if not journal.step_done("pushed") and (item.location == "local" or item.unpushed):
        try:
            await ctx.in_thread(workspace.push, branch)
        except PushRejected as rejected:
            if item.location == "local":
                raise ActionRefused(f"{branch} could not be pushed: {rejected.reason}") from None
        fault_point("recover.pr.after_push")
        journal.record("pushed")
        target = await read_target(ctx, branch, item.issue_number)
    if target.branch_oid is None:
        raise ActionRefused(f"{branch} is not on the remote any more; scan again")
    if target.open_pull is not None:
        number, url = target.open_pull
    elif journal.step_done("pull_request"):
        number, url = journal.facts["pull_number"], journal.facts["pull_url"]
    else:
        number, url = await _create_pull(ctx, item, target)
    journal.record("pull_request", pull_number=number, pull_url=url)
    fault_point("recover.pr.after_pull_request")
    if item.issue_number and target.issue_state == "OPEN" and not journal.step_done("labels"):
        review = target.label_ids.get("reviewLabel")
        if review is None:
            raise ActionRefused(
                f"{ctx.repo} has no route:review label: run `soda-tui init {ctx.repo}`", Exit.USAGE
            )
        remove = [
            target.label_ids[key]
            for key in ("agentLabel", "readyLabel", "blockedLabel")
            if key in target.label_ids
        ]
        await ctx.client.execute(
            "SwapLabels",
            {"issueId": target.issue_id, "addLabelIds": [review], "removeLabelIds": remove},
            retry_safe=True,
        )
    journal.record("labels")
    journal.finish()
    message = f"recovery pull request #{number} {url} opened from {branch}"
    if preserved:
        message += f"; local commits kept under {preserved}"
    return ActionResult(
        "recover",
        str(ctx.repo),
        Exit.DONE,
        message,
        _data("pr", item, pull_request={"number": number, "url": url}, preserved=preserved),
    )


async def _create_pull(ctx: RepoContext, item: OrphanItem, target: Target) -> tuple[int, str]:
    workspace = ctx.workspace()
    try:
        ahead = await ctx.in_thread(
            workspace.commits_ahead, f"origin/{item.branch}", target.default_branch
        )
    except GitError:
        ahead = []
    subjects = [(commit.oid, commit.subject) for commit in reversed(ahead)]
    title = target.issue_title or (item.issue.title if item.issue else "") or str(item.branch)
    variables = {
        "repositoryId": target.repository_id,
        "base": target.default_branch,
        "head": item.branch,
        "title": f"Recovered: {title}",
        "body": recovery_body(
            item, subjects, item.issue_number if target.issue_id is not None else None
        ),
    }
    try:
        data = await ctx.client.execute("OpenPullRequest", variables)
    except GitHubError as error:
        # The reply may have been lost after GitHub opened it: look before deciding it failed.
        again = await read_target(ctx, item.branch, item.issue_number)
        if again.open_pull is not None:
            return again.open_pull
        if isinstance(error, GraphQLError) and any(
            "No commits between" in part.get("message", "") for part in error.errors
        ):
            raise ActionRefused(
                f"GitHub sees no commits between {target.default_branch} and {item.branch}"
            ) from error
        raise
    pull = data["createPullRequest"]["pullRequest"]
    return int(pull["number"]), pull["url"]


async def _requeue(ctx: RepoContext, journal: Journal, item: OrphanItem) -> ActionResult:
    number = item.issue_number
    if not number:
        raise ActionRefused(f"{item.key} has no issue to re-queue", Exit.USAGE)
    preserved = await _preserve(ctx, journal, "requeue")
    target = await read_target(ctx, None, number)
    if target.issue_id is None:
        raise ActionRefused(f"{ctx.repo} has no issue #{number}", Exit.USAGE)
    if target.issue_state != "OPEN":
        raise ActionRefused(f"#{number} is closed: reopen it on GitHub before re-queueing it")
    ready = target.label_ids.get("readyLabel")
    if ready is None:
        raise ActionRefused(
            f"{ctx.repo} has no route:ready label: run `soda-tui init {ctx.repo}`", Exit.USAGE
        )
    if not journal.step_done("labels"):
        remove = [
            target.label_ids[key]
            for key in ("agentLabel", "reviewLabel", "blockedLabel")
            if key in target.label_ids
        ]
        await ctx.client.execute(
            "SwapLabels",
            {"issueId": target.issue_id, "addLabelIds": [ready], "removeLabelIds": remove},
            retry_safe=True,
        )
        fault_point("recover.requeue.after_labels")
        journal.record("labels")
    entry = journal.entry
    marker = f"{REQUEUED_MARKER} {entry.started_at if entry else ''} -->"
    if not journal.step_done("comment") and not any(marker in body for body in target.comments):
        kept = f" The branch `{item.branch}` is kept with its work." if item.branch else ""
        body = (
            f"{marker}\nRe-queued by `soda-tui recover`: {item.reason}.{kept} "
            "The next pop takes it from the queue again."
        )
        await ctx.client.execute("AddComment", {"subjectId": target.issue_id, "body": redact(body)})
        fault_point("recover.requeue.after_comment")
    journal.record("comment")
    journal.finish()
    message = f"#{number} is back in the queue (route:ready)"
    if preserved:
        message += f"; local commits kept under {preserved}"
    return ActionResult(
        "recover", str(ctx.repo), Exit.DONE, message, _data("requeue", item, issue=number)
    )
