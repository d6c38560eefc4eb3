"""run: start the repository's agent on the claimed issue; done means exit 0 and commits ahead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from soda_tui.agents.events import AgentEvent
from soda_tui.agents.faultpoints import fault_point
from soda_tui.agents.journal import Journal
from soda_tui.agents.presets import AgentConfigError, AgentLaunchSpec, build_launch
from soda_tui.agents.prompt import IssueContext, write_prompt_file
from soda_tui.agents.runner import AgentRunner
from soda_tui.core.naming import AGENT_LABEL
from soda_tui.loop.blocking import block_issue
from soda_tui.loop.claims import IssueDetail, find_working, load_detail
from soda_tui.loop.context import RepoContext
from soda_tui.loop.parking import park
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.telemetry.agent_spans import begin_agent_run
from soda_tui.telemetry.spans import traced_action

EventSink = Callable[[AgentEvent], None]


async def prepare_branch(ctx: RepoContext, detail: IssueDetail) -> None:
    """Clone or fetch the workspace and check out the issue's branch at its newest commit."""
    workspace = await ctx.up_to_date_workspace()
    remote = await ctx.in_thread(workspace.remote_branch_oid, detail.branch)
    local_branches = await ctx.in_thread(workspace.local_branches)
    if detail.branch not in local_branches:
        start = remote or detail.default_oid
        await ctx.in_thread(workspace.create_branch, detail.branch, start)
    await ctx.in_thread(workspace.checkout, detail.branch)


@traced_action("run")
async def run(
    ctx: RepoContext,
    issue_number: int | None = None,
    on_event: EventSink | None = None,
    runner_box: list[AgentRunner] | None = None,
) -> ActionResult:
    """Run the agent on the issue the repository holds and judge the outcome."""
    number = await find_working(ctx, issue_number)
    detail = await load_detail(ctx, number)
    issue = detail.issue
    if issue.state != "OPEN" or AGENT_LABEL not in issue.labels:
        raise ActionRefused(f"#{number} is not claimed by the agent (no agent001): pop it first")
    journal = ctx.journal()
    entry = journal.begin("run", number, branch=detail.branch, title=issue.title)
    facts = entry.facts
    if not journal.step_done("agent"):
        await _run_agent(ctx, detail, journal, on_event, runner_box)
        facts = journal.entry.facts if journal.entry else facts
    return await _judge(ctx, detail, journal, facts)


async def _run_agent(
    ctx: RepoContext,
    detail: IssueDetail,
    journal: Journal,
    on_event: EventSink | None,
    runner_box: list[AgentRunner] | None,
) -> None:
    """Launch the agent on the issue's branch and journal how it ended (raises when cancelled)."""
    number, issue = detail.issue.number, detail.issue
    await prepare_branch(ctx, detail)
    run_dir = ctx.paths.run_log_dir(str(ctx.repo)) / f"{number}-{ctx.clock.now():%Y%m%dT%H%M%S}"
    run_dir.mkdir(parents=True, exist_ok=True)
    issue_context = IssueContext(
        repo=str(ctx.repo),
        number=number,
        # argv and the environment cannot carry NUL: a title holding one would crash the launch.
        title=issue.title.replace("\x00", ""),
        body=issue.body,
        comments=tuple((author, body) for _id, author, body in detail.comments),
        branch=detail.branch,
        base_branch=detail.default_branch,
        url=issue.url,
    )
    prompt_file = write_prompt_file(issue_context, run_dir)
    workspace_path = ctx.paths.workspace(str(ctx.repo))
    spec = AgentLaunchSpec.from_settings(ctx.config.agent)
    try:
        launch = build_launch(
            spec, issue_context, prompt_file, workspace_path, github_token=ctx.token
        )
    except AgentConfigError as error:
        journal.finish()
        raise ActionRefused(f"{ctx.repo}: {error}", Exit.USAGE) from None
    agent_trace = begin_agent_run(
        repo=str(ctx.repo),
        issue=number,
        title=issue.title,
        branch=detail.branch,
        preset=spec.preset,
        model=spec.model,
    )
    runner = AgentRunner(
        launch,
        workspace=workspace_path,
        log_path=run_dir / "agent.log",
        clock=ctx.clock,
        timeout_s=spec.timeout_s,
        stall_s=spec.stall_s,
        on_event=agent_trace.observe(on_event),
    )
    if runner_box is not None:
        runner_box.append(runner)
    result = await agent_trace.run(runner)
    if result.outcome == "cancelled":
        # Cancelled by the user or a shutdown: the issue stays claimed and its work stays put.
        journal.finish("cancelled")
        raise ActionRefused(
            f"#{number}: the agent was cancelled; the issue stays claimed (agent001), "
            "run it again or recover it"
        )
    if result.outcome == "not_found":
        # A missing agent is a setup problem, not the issue's: keep the claim, block nothing.
        journal.finish("not_found")
        raise ActionRefused(f"{ctx.repo}: {result.reason}", Exit.USAGE)
    fault_point("run.after_agent")
    ahead = await ctx.in_thread(ctx.workspace().commits_ahead, detail.branch, detail.default_branch)
    journal.record(
        "agent",
        outcome=result.outcome,
        reason=result.reason,
        exit_code=result.exit_code,
        ahead=len(ahead),
        log_path=str(result.log_path),
        tail=result.tail[-40:],
        reset_at=result.usage_limit_reset.isoformat() if result.usage_limit_reset else None,
    )


def _park_for_usage_limit(ctx: RepoContext, facts: dict[str, Any]) -> datetime:
    """Park the repository until the agent's usage limit resets (an hour when it did not say)."""
    reset_text = facts.get("reset_at")
    until = (
        datetime.fromisoformat(reset_text) if reset_text else ctx.clock.now() + timedelta(hours=1)
    )
    park(ctx.paths.state_dir, ctx.repo, until, facts.get("reason") or "agent usage limit")
    return until


async def _judge(
    ctx: RepoContext, detail: IssueDetail, journal: Journal, facts: dict[str, Any]
) -> ActionResult:
    """Done, parked or blocked, from what the journal recorded of the agent's run."""
    number = detail.issue.number
    outcome, ahead = facts["outcome"], int(facts["ahead"])
    data = {
        "issue": {"number": number, "title": detail.issue.title},
        "branch": detail.branch,
        "outcome": outcome,
        "commits_ahead": ahead,
        "log": facts.get("log_path"),
    }
    if ahead:
        # Work on GitHub is work that survives this machine (PRODUCT.md section 7).
        await ctx.in_thread(ctx.workspace().push, detail.branch)
        journal.record("pushed")
    if outcome == "usage_limited":
        until = _park_for_usage_limit(ctx, facts)
        journal.finish()
        return ActionResult(
            "run",
            str(ctx.repo),
            Exit.NOTHING,
            f"agent hit its usage limit: {ctx.repo} parked until {until:%H:%M %Z}",
            {**data, "parked_until": until.isoformat()},
        )
    if outcome == "succeeded" and ahead:
        if facts.get("reset_at"):
            # It finished, but the agent said its limit is spent: no new run until the reset.
            data["parked_until"] = _park_for_usage_limit(ctx, facts).isoformat()
        journal.finish()
        return ActionResult(
            "run",
            str(ctx.repo),
            Exit.DONE,
            f"#{number} done: {ahead} commit(s) ahead on {detail.branch}; bottle it",
            data,
        )
    reason = facts.get("reason") or outcome
    if outcome == "succeeded":
        reason = "the agent exited 0 but made no commit"
    await block_issue(ctx, detail, journal, reason, list(facts.get("tail") or []))
    journal.finish()
    return ActionResult(
        "run",
        str(ctx.repo),
        Exit.NOTHING,
        f"#{number} blocked: {reason}",
        {**data, "blocked": True, "reason": reason},
    )
