"""The span trees of the real loop against localhub: names, parents, attributes, error status."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from soda_tui.localhub import LocalHub
from soda_tui.loop.autopilot import Autopilot, WorkerUpdate
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.pop import pop
from soda_tui.loop.run import run
from soda_tui.telemetry.jsonl import read_records
from tests.integration.loop_support import FAILING_CI, LoopWorld, open_world, seed_repo
from tests.integration.test_telemetry_support import Recording, start_recording

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'
CLAUDE_LINES = [
    {"type": "system", "subtype": "init", "session_id": "s1", "model": "claude-sonnet-4-5"},
    {
        "type": "assistant",
        "message": {
            "id": "msg_01",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [
                {"type": "text", "text": "Running the tests."},
                {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "pytest -q"}},
            ],
            "usage": {"input_tokens": 12, "output_tokens": 40},
        },
        "session_id": "s1",
    },
    {
        "type": "assistant",
        "message": {
            "id": "msg_02",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [
                {"type": "tool_use", "id": "t2", "name": "Edit", "input": {"file_path": "done.txt"}}
            ],
            "usage": {"input_tokens": 20, "output_tokens": 60},
        },
        "session_id": "s1",
    },
    {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "result": "Done.",
        "session_id": "s1",
        "total_cost_usd": 0.2134,
        "usage": {
            "input_tokens": 150,
            "output_tokens": 2400,
            "cache_creation_input_tokens": 5100,
            "cache_read_input_tokens": 88000,
        },
    },
]
FAKE_CLAUDE = """\
import subprocess, sys, pathlib
sys.stdin.read()
pathlib.Path("done.txt").write_text("done\\n")
subprocess.run(["git", "add", "done.txt"], check=True)
subprocess.run(["git", "-c", "user.name=a", "-c", "user.email=a@b.c", "commit", "-qm", "claude"],
               check=True)
with open(sys.argv[0] + ".lines", encoding="utf-8") as lines:
    for line in lines:
        sys.stdout.write(line)
        sys.stdout.flush()
"""


@pytest.fixture
def recording(tmp_path: Path) -> Iterator[Recording]:
    started = start_recording(tmp_path)
    yield started
    started.telemetry.shutdown()


@pytest.fixture
async def world(localhub: LocalHub, hub_token: str, tmp_path: Path) -> AsyncIterator[LoopWorld]:
    seed_repo(localhub, "acme/widgets")
    loop_world = open_world(localhub, hub_token, tmp_path, ["acme/widgets"], agent=FAST_DEMO)
    yield loop_world
    await loop_world.session.aclose()


def _attributes(span) -> dict:
    return dict(span.attributes or {})


async def test_full_loop_has_one_trace_per_action_with_requests_git_and_agent(
    world: LoopWorld, recording: Recording
) -> None:
    number = world.hub.state.create_issue(
        "acme", "widgets", "Add a widget counter", body="Count them.", labels=["route:ready"]
    )
    ctx = world.ctx()
    assert (await pop(ctx)).ok
    assert (await run(ctx)).ok
    assert (await bottle(ctx)).ok
    assert world.hub.ci.wait_idle(60)
    landed = await land(ctx)
    assert landed.ok, landed.message
    branch = f"agent001/{number}-add-a-widget-counter"

    for action in ("pop", "run", "bottle", "land"):
        span = recording.one(action)
        attributes = _attributes(span)
        assert span.parent is None, f"{action} should start its own trace"
        assert attributes["openinference.span.kind"] == "CHAIN"
        assert attributes["soda.repo"] == "acme/widgets"
        assert attributes["soda.issue.number"] == number
        assert attributes["soda.outcome"] == "done"
        assert span.status.status_code != StatusCode.ERROR

    popped = recording.one("pop")
    assert _attributes(popped)["soda.branch"] == branch
    assert _attributes(popped)["soda.issue.priority"]
    under_pop = [span.name for span in recording.children(popped)]
    assert under_pop[:2] == ["query QueuePeek", "mutation ClaimIssue"]
    assert {"git ensure clone", "git ls-remote", "git create_branch"} <= set(under_pop)
    assert "git fetch" not in under_pop  # a fresh clone is up to date: no fetch right after it

    claim = recording.one("mutation ClaimIssue")
    request = _attributes(claim)
    assert claim.kind == SpanKind.CLIENT
    assert request["http.request.method"] == "POST"
    assert request["url.full"] == world.hub.graphql_url
    assert request["server.address"] == "127.0.0.1"
    assert request["server.port"] == int(world.hub.graphql_url.split(":")[2].split("/")[0])
    assert request["http.response.status_code"] == 200
    assert request["graphql.operation.name"] == "ClaimIssue"
    assert request["graphql.operation.type"] == "mutation"
    assert request["soda.github.cost"] >= 1
    assert isinstance(request["soda.github.rate_limit.remaining"], int)
    assert "http.request.resend_count" not in request

    ran = recording.one("run")
    agent = recording.one("agent run")
    assert agent.parent is not None and agent.parent.span_id == ran.context.span_id
    agent_attributes = _attributes(agent)
    assert agent_attributes["openinference.span.kind"] == "AGENT"
    assert agent_attributes["soda.agent.preset"] == "demo"
    assert agent_attributes["soda.branch"] == branch
    assert agent_attributes["process.exit.code"] == 0
    assert agent_attributes["soda.agent.outcome"] == "succeeded"
    assert agent_attributes["soda.agent.duration_s"] >= 0
    assert _attributes(ran)["soda.run.outcome"] == "succeeded"
    push = next(span for span in recording.children(ran) if span.name == "git push")
    push_attributes = _attributes(push)
    assert push.kind == SpanKind.CLIENT
    assert push_attributes["soda.git.ref"] == branch
    assert push_attributes["url.full"] == world.ctx().remote_url
    assert push_attributes["server.address"] == "127.0.0.1"
    assert len(push_attributes["soda.git.result"]) == 40  # the pushed commit

    landed_span = recording.one("land")
    land_attributes = _attributes(landed_span)
    assert land_attributes["soda.land.outcome"] == "landed"
    assert land_attributes["soda.merge_commit"] == landed.data["merge_commit"]
    assert land_attributes["soda.time_to_land_s"] >= 0
    assert "mutation MergePullRequest" in [s.name for s in recording.children(landed_span)]

    latest = recording.telemetry.recorder.latest_run("acme/widgets")
    assert latest is not None and latest.command == "run" and latest.has_agent_run
    assert latest.issue == number

    recording.telemetry.shutdown()
    written = {record.name for record in read_records(recording.traces_dir)}
    assert {"pop", "run", "agent run", "bottle", "land", "mutation MergePullRequest"} <= written


async def test_land_refused_by_failing_ci_is_an_error_span(
    localhub: LocalHub, hub_token: str, tmp_path: Path, recording: Recording
) -> None:
    seed_repo(localhub, "acme/red", ci=FAILING_CI)
    world = open_world(localhub, hub_token, tmp_path, ["acme/red"], agent=FAST_DEMO)
    localhub.state.create_issue("acme", "red", "Break things", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        await run(ctx)
        await bottle(ctx)
        assert localhub.ci.wait_idle(60)
        result = await land(ctx)
    finally:
        await world.session.aclose()
    assert not result.ok
    span = recording.one("land")
    assert span.status.status_code == StatusCode.ERROR
    assert "CI is failure" in (span.status.description or "")
    assert _attributes(span)["soda.land.outcome"] == "refused"
    assert _attributes(span)["error.type"] == "gate"
    assert "mutation MergePullRequest" not in recording.names()


async def test_blocked_run_marks_the_run_and_the_agent_as_errors(
    world: LoopWorld, recording: Recording
) -> None:
    number = world.hub.state.create_issue(
        "acme", "widgets", "Cannot be done", body="soda-demo: fail", labels=["route:ready"]
    )
    ctx = world.ctx()
    await pop(ctx)
    result = await run(ctx)
    assert result.data.get("blocked")

    ran = recording.one("run")
    assert ran.status.status_code == StatusCode.ERROR
    assert (ran.status.description or "").startswith("blocked:")
    assert _attributes(ran)["soda.blocked"] is True
    agent = recording.one("agent run")
    assert agent.status.status_code == StatusCode.ERROR
    assert _attributes(agent)["soda.agent.outcome"] == "failed"
    assert _attributes(agent)["process.exit.code"] != 0
    comment = [s.name for s in recording.descendants(ran) if s.name.startswith("mutation")]
    assert "mutation AddComment" in comment
    view = recording.telemetry.recorder.latest_run("acme/widgets")
    assert view is not None and view.error_count >= 2 and view.issue == number


async def test_claude_agent_reports_tool_calls_and_tokens_as_child_spans(
    localhub: LocalHub,
    hub_token: str,
    tmp_path: Path,
    recording: Recording,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "claude"
    program.write_text(f"#!{sys.executable}\n{FAKE_CLAUDE}", encoding="utf-8")
    program.chmod(0o755)
    (bin_dir / "claude.lines").write_text(
        "".join(json.dumps(line) + "\n" for line in CLAUDE_LINES), encoding="utf-8"
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    seed_repo(localhub, "acme/claude")
    world = open_world(
        localhub,
        hub_token,
        tmp_path,
        ["acme/claude"],
        agent='{ preset = "claude-code", model = "claude-sonnet-4-5" }',
    )
    localhub.state.create_issue("acme", "claude", "Fix the tests", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        result = await run(ctx)
    finally:
        await world.session.aclose()
    assert result.ok, result.message

    agent = recording.one("agent run")
    children = recording.children(agent)
    tools = [span for span in children if span.name.startswith("tool ")]
    assert [span.name for span in tools] == ["tool Bash", "tool Edit"]
    bash = _attributes(tools[0])
    assert bash["openinference.span.kind"] == "TOOL"
    assert bash["tool.name"] == "Bash"
    assert bash["input.value"] == "pytest -q"
    assert all(span.end_time is not None for span in tools)

    llm = [span for span in children if span.name == "llm claude-sonnet-4-5"]
    assert len(llm) == 1
    usage = _attributes(llm[0])
    assert usage["openinference.span.kind"] == "LLM"
    assert usage["llm.system"] == "anthropic"
    assert usage["llm.model_name"] == "claude-sonnet-4-5"
    assert usage["llm.token_count.prompt"] == 150 + 5100 + 88000
    assert usage["llm.token_count.completion"] == 2400
    assert usage["llm.token_count.total"] == 150 + 5100 + 88000 + 2400
    assert usage["gen_ai.usage.input_tokens"] == 150 + 5100 + 88000
    assert usage["gen_ai.usage.output_tokens"] == 2400
    assert usage["llm.cost.total"] == pytest.approx(0.2134)
    agent_attributes = _attributes(agent)
    assert agent_attributes["soda.agent.tool_calls"] == 2
    assert agent_attributes["llm.token_count.completion"] == 2400
    assert agent_attributes["gen_ai.request.model"] == "claude-sonnet-4-5"


async def test_autopilot_step_spans_say_why_the_step_was_taken(
    world: LoopWorld, recording: Recording
) -> None:
    number = world.hub.state.create_issue(
        "acme", "widgets", "Count the gears", labels=["route:ready", "route:priority-high"]
    )
    updates: list[WorkerUpdate] = []
    autopilot = Autopilot(world.session, [world.repo], updates.append)
    await autopilot.tick()
    await autopilot.shutdown()

    step = recording.one("autopilot pop")
    attributes = _attributes(step)
    assert step.parent is None
    assert attributes["soda.worker"] is True
    assert attributes["soda.step.kind"] == "pop"
    assert attributes["soda.step.reason"]
    popped = recording.one("pop")
    assert popped.parent is not None and popped.parent.span_id == step.context.span_id
    assert _attributes(popped)["soda.issue.number"] == number
    assert _attributes(popped)["soda.issue.priority"] == "high"
    run_step = recording.one("autopilot run")
    assert recording.one("run").parent.span_id == run_step.context.span_id
    board = recording.named("board")
    assert board and all(span.parent is None for span in board)
    assert "query StatusBoard" in [s.name for s in recording.children(board[0])]
