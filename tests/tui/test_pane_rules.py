"""The pane's rules without a screen: badges, why an action cannot run, alerts, clocks, buffers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from soda_tui.agents.events import TokenUsage
from soda_tui.core.models import RepoName
from soda_tui.loop.board import OpenPull, RepoBoard
from soda_tui.tui.model import (
    OutputBuffer,
    PaneState,
    badge,
    checks_text,
    elapsed_text,
    format_age,
    format_duration,
    log_line_text,
    refusal,
    result_alert,
)

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
REPO = "acme/api"


def board(**fields: object) -> RepoBoard:
    return RepoBoard(repo=RepoName.parse(REPO), found=True, **fields)  # type: ignore[arg-type]


def pull(checks: str | None = "SUCCESS", number: int = 7) -> OpenPull:
    return OpenPull(
        number,
        "Fix it",
        "https://example.invalid/pull/7",
        "agent001/6-fix-it",
        checks,
        "MERGEABLE",
        False,
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (PaneState(REPO), "loading"),
        (PaneState(REPO, board=board()), "idle"),
        (PaneState(REPO, board=board(queued=2)), "idle"),
        (PaneState(REPO, board=board(working=(6, "Fix it"))), "claimed"),
        (PaneState(REPO, board=board(review=1, agent_pulls=(pull(),))), "review"),
        (PaneState(REPO, board=board(blocked=2)), "blocked"),
        (PaneState(REPO, board=board(working=(6, "Fix it")), agent_running=True), "working"),
        (PaneState(REPO, board=board(), driver="you", activity="land"), "landing"),
        (PaneState(REPO, board=board(), driver="autopilot", activity="pop"), "popping"),
        (PaneState(REPO, board=board(queued=1), driver="autopilot"), "idle"),
        (PaneState(REPO, board=board(), parked_until=NOW), "parked"),
        (PaneState(REPO, board=board(), error="push failed"), "error"),
        (PaneState(REPO, board=RepoBoard(repo=RepoName.parse(REPO), found=False)), "error"),
    ],
)
def test_the_badge_says_what_the_repository_is_doing(state: PaneState, expected: str) -> None:
    assert badge(state) == expected


def test_nothing_runs_before_the_first_refresh() -> None:
    reason = refusal("pop", PaneState(REPO))
    assert reason is not None and "wait for the first refresh" in reason


def test_one_action_per_repository_at_a_time() -> None:
    busy = PaneState(REPO, board=board(queued=3), driver="you", activity="bottle")
    for action in ("pop", "run", "bottle", "land"):
        reason = refusal(action, busy)
        assert reason is not None and "bottle is running" in reason
    assert refusal("autopilot", busy) is None


def test_pop_needs_a_queue_and_no_claimed_issue() -> None:
    assert "queue of acme/api is empty" in (refusal("pop", PaneState(REPO, board=board())) or "")
    claimed = PaneState(REPO, board=board(queued=2, working=(6, "Fix it")))
    assert "#6 is already claimed" in (refusal("pop", claimed) or "")
    assert refusal("pop", PaneState(REPO, board=board(queued=2))) is None


def test_run_and_bottle_need_a_claimed_issue_and_run_waits_out_a_park() -> None:
    idle = PaneState(REPO, board=board(queued=2))
    assert "pop one first" in (refusal("run", idle) or "")
    assert "pop one first" in (refusal("bottle", idle) or "")
    claimed = PaneState(REPO, board=board(working=(6, "Fix it")))
    assert refusal("run", claimed) is None and refusal("bottle", claimed) is None
    parked = claimed.with_changes(parked_until=NOW + timedelta(hours=1))
    assert "parked until 10:30" in (refusal("run", parked) or "")


def test_land_needs_an_open_agent_pull_request() -> None:
    assert "no open agent pull request" in (refusal("land", PaneState(REPO, board=board())) or "")
    assert refusal("land", PaneState(REPO, board=board(agent_pulls=(pull("PENDING"),)))) is None


def test_cancel_needs_a_running_agent_or_autopilot_and_unpark_a_park() -> None:
    assert "no agent is running" in (refusal("cancel", PaneState(REPO, board=board())) or "")
    popping = PaneState(REPO, board=board(), driver="you", activity="pop")
    assert "cannot be cancelled" in (refusal("cancel", popping) or "")
    assert refusal("cancel", popping.with_changes(activity="run", agent_running=True)) is None
    assert refusal("cancel", PaneState(REPO, board=board(), driver="autopilot")) is None
    assert "not parked" in (refusal("unpark", PaneState(REPO, board=board())) or "")
    assert refusal("unpark", PaneState(REPO, board=board(), parked_until=NOW)) is None


def test_a_missing_repository_refuses_with_the_fix() -> None:
    missing = PaneState(REPO, board=RepoBoard(repo=RepoName.parse(REPO), found=False))
    assert "not found on GitHub" in (refusal("pop", missing) or "")


def test_events_that_need_a_human_raise_alerts() -> None:
    landed = result_alert("land", True, "#6 landed", {})
    assert landed is not None and landed.title == "Landed" and landed.severity == "information"
    waiting = result_alert("land", False, "#6 not landed: CI is pending", {"waiting": True})
    assert waiting is not None and waiting.title == "Cannot land"
    blocked = result_alert(
        "run", False, "#6 blocked: exit 1", {"blocked": True, "reason": "exit 1"}
    )
    assert blocked is not None and blocked.title == "Agent blocked"
    limited = result_alert("run", False, "parked", {"parked_until": NOW.isoformat()})
    assert limited is not None and limited.title == "Usage limit"
    assert result_alert("pop", True, "popped #6", {}) is None
    assert result_alert("run", True, "#6 done", {}) is None


def test_durations_and_ages_read_at_a_glance() -> None:
    assert format_duration(45) == "45s"
    assert format_duration(12 * 60 + 3) == "12m 03s"
    assert format_duration(3 * 3600 + 7 * 60) == "3h 07m"
    assert format_duration(2 * 86400 + 4 * 3600) == "2d 04h"
    assert format_duration(-5) == "0s"
    assert [format_age(s) for s in (20, 120, 7200, 3 * 86400)] == ["now", "2m", "2h", "3d"]


def test_the_pane_clock_counts_up_the_step_and_down_the_park() -> None:
    running = PaneState(
        REPO,
        activity="run",
        activity_since=NOW - timedelta(minutes=7, seconds=12),
        usage=TokenUsage(input_tokens=1000, output_tokens=234, cost_usd=0.05),
    )
    assert elapsed_text(running, NOW) == "agent running for 7m 12s · 1,234 tokens $0.05"
    parked = PaneState(REPO, parked_until=NOW + timedelta(hours=1, minutes=23))
    assert elapsed_text(parked, NOW) == "parked, 1h 23m left"
    claimed = PaneState(
        REPO, board=board(working=(6, "x"), working_since=(NOW - timedelta(minutes=41)).isoformat())
    )
    assert elapsed_text(claimed, NOW) == "claimed 41m 00s ago"
    assert elapsed_text(PaneState(REPO, board=board()), NOW) == ""


def test_the_ci_line_shows_the_pull_request_and_its_checks() -> None:
    assert checks_text(None) == ""
    assert checks_text(pull("SUCCESS")) == "PR #7 CI ✓ success"
    assert checks_text(pull("FAILURE")) == "PR #7 CI ✗ failure"
    assert checks_text(pull(None)) == "PR #7 CI · no checks"
    conflicted = OpenPull(8, "x", "", "agent001/8-x", "PENDING", "CONFLICTING", True)
    assert checks_text(conflicted) == "PR #8 CI … pending · draft · conflicts"


def test_the_oldest_open_pull_request_is_the_one_shown() -> None:
    state = PaneState(REPO, board=board(agent_pulls=(pull(number=9), pull(number=7))))
    assert state.open_pull is not None and state.open_pull.number == 7


def test_output_is_bounded_and_drained_in_batches() -> None:
    output = OutputBuffer(max_lines=3)
    assert output.add("one") is True  # the first waiting line asks for a drain
    assert output.add("two") is False  # later ones ride along with it
    assert output.drain() == ["one", "two"]
    assert output.drain() == []
    for line in ("three", "four", "five"):
        output.add(line)
    output.drain()
    assert list(output.lines) == ["three", "four", "five"]
    output.add("six")
    output.start_run()  # a new run forgets drawn lines, keeps the waiting first line
    assert list(output.lines) == [] and output.drain() == ["six"] and output.source == "live"
    output.replace(["from disk"], "/runs/agent.log")
    assert list(output.lines) == ["from disk"] and output.source == "/runs/agent.log"


def test_log_lines_are_marked_like_the_run_log_file() -> None:
    assert log_line_text("stdout", "hello") == "hello"
    assert log_line_text("stderr", "oops") == "[stderr] oops"
    assert log_line_text("soda", "started") == "[soda] started"


def test_the_issue_line_shows_a_step_issue_only_while_the_step_runs() -> None:
    from soda_tui.core.models import RepoName
    from soda_tui.loop.board import RepoBoard
    from soda_tui.tui.model import PaneState
    from soda_tui.tui.widgets.repo_pane import issue_text

    board = RepoBoard(
        repo=RepoName("acme", "api"),
        found=True,
        review=1,
        review_issues=((2, "Add rate limiting"),),
    )
    running = PaneState(repo="acme/api", board=board, activity="land", activity_issue=3)
    assert issue_text(running) == "#3"
    done = running.with_changes(activity=None)
    assert issue_text(done) == "#2 Add rate limiting (in review)"
    idle = PaneState(
        repo="acme/api", board=RepoBoard(repo=RepoName("acme", "api"), found=True), activity_issue=3
    )
    assert issue_text(idle) == "nothing queued"
