"""The per-repo journal: resume semantics, atomic writes, corrupt files, bounded history."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from soda_tui.agents import faultpoints
from soda_tui.agents.faultpoints import InjectedCrash
from soda_tui.agents.journal import (
    FAULT_BEFORE_REPLACE,
    JOURNAL_VERSION,
    ActionInProgress,
    Journal,
    JournalCorrupt,
    NoActionInProgress,
)
from soda_tui.core.clock import FakeClock
from soda_tui.core.secrets import Secret


@pytest.fixture(autouse=True)
def _no_armed_points() -> None:
    faultpoints.disarm()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journals" / "acme__api.json"


def test_a_fresh_journal_has_nothing_in_flight(journal_path: Path) -> None:
    journal = Journal(journal_path)
    assert journal.load() is None
    assert journal.entry is None
    assert journal.facts == {}
    assert not journal.step_done("claimed")
    assert journal.history() == []
    assert not journal_path.exists()


def test_steps_and_facts_are_recorded_and_written(journal_path: Path, clock: FakeClock) -> None:
    journal = Journal(journal_path, clock=clock)
    entry = journal.begin("bottle", 12, branch="agent001/12-fix-it")
    assert entry.action == "bottle" and entry.issue_number == 12
    assert entry.started_at == clock.now().isoformat()
    clock.advance(5)
    journal.record("pushed", head_oid="a" * 40)
    journal.record("pr_opened", pr_number=7)
    assert journal.step_done("pushed") and journal.step_done("pr_opened")
    assert not journal.step_done("labels_swapped")
    assert journal.facts == {"branch": "agent001/12-fix-it", "head_oid": "a" * 40, "pr_number": 7}
    stored = json.loads(journal_path.read_text())
    assert stored["version"] == JOURNAL_VERSION
    assert stored["active"]["action"] == "bottle"
    assert [step["step"] for step in stored["active"]["steps"]] == ["pushed", "pr_opened"]
    assert stored["active"]["steps"][0]["at"] == clock.now().isoformat()


def test_rerunning_the_same_action_resumes_it(journal_path: Path) -> None:
    first_run = Journal(journal_path)
    first_run.begin("bottle", 12, branch="agent001/12-fix-it")
    first_run.record("pushed", head_oid="b" * 40)
    first_run.record("pr_opened", pr_number=7)
    # A new process after a crash: a new Journal on the same file.
    second_run = Journal(journal_path)
    resumed = second_run.begin("bottle", 12, branch="agent001/12-renamed", comment_body="x")
    assert resumed.steps == ("pushed", "pr_opened")
    assert resumed.facts["pr_number"] == 7
    # What was really done wins over what the re-run guessed; new facts are added.
    assert resumed.facts["branch"] == "agent001/12-fix-it"
    assert resumed.facts["comment_body"] == "x"
    assert second_run.step_done("pr_opened")


def test_recording_a_step_twice_keeps_one_step(journal_path: Path) -> None:
    journal = Journal(journal_path)
    journal.begin("land", 3)
    journal.record("merged", merge_oid="c" * 40)
    entry = journal.record("merged", merge_oid="c" * 40, comment_id="IC_1")
    assert entry.steps == ("merged",)
    assert entry.facts == {"merge_oid": "c" * 40, "comment_id": "IC_1"}


def test_another_action_is_refused_while_one_is_unfinished(journal_path: Path) -> None:
    Journal(journal_path).begin("bottle", 12)
    with pytest.raises(ActionInProgress) as raised:
        Journal(journal_path).begin("pop", 13)
    message = str(raised.value)
    assert "bottle on issue #12" in message and "pop on issue #13" in message
    assert "soda-tui sync" in message and "\n" not in message
    with pytest.raises(ActionInProgress):
        Journal(journal_path).begin("bottle", 13)


def test_a_stale_journal_object_sees_what_another_one_wrote(journal_path: Path) -> None:
    dashboard = Journal(journal_path)
    headless = Journal(journal_path)
    assert dashboard.entry is None
    headless.begin("pop", 4)
    with pytest.raises(ActionInProgress):
        dashboard.begin("pop", 5)
    assert dashboard.entry is not None and dashboard.entry.issue_number == 4


def test_recording_without_an_action_is_an_error(journal_path: Path) -> None:
    with pytest.raises(NoActionInProgress, match="no action is in progress"):
        Journal(journal_path).record("pushed")


def test_finish_moves_the_action_to_history(journal_path: Path, clock: FakeClock) -> None:
    journal = Journal(journal_path, clock=clock)
    journal.begin("pop", 4, branch="agent001/4-x")
    journal.record("claimed")
    finished = journal.finish()
    assert finished is not None and finished.finished and finished.outcome == "done"
    assert journal.entry is None
    assert Journal(journal_path).load() is None
    history = Journal(journal_path).history()
    assert [(item.action, item.issue_number, item.steps) for item in history] == [
        ("pop", 4, ("claimed",))
    ]
    assert journal.finish() is None  # finishing twice is harmless after a crash
    assert Journal(journal_path).branch_for_issue(4) == "agent001/4-x"
    assert Journal(journal_path).branch_for_issue(5) is None
    Journal(journal_path).begin("bottle", 5)  # a new action may start now


def test_succeeded_runs_come_from_the_latest_run_of_each_issue(journal_path: Path) -> None:
    journal = Journal(journal_path)
    for number, outcome, ahead in [
        (1, "succeeded", 2),
        (2, "succeeded", 0),
        (3, "failed", 1),
        (4, "succeeded", 1),
        (4, "timed_out", 1),
        (5, "failed", 0),
        (5, "succeeded", 3),
    ]:
        journal.begin("run", number)
        journal.record("agent", outcome=outcome, ahead=ahead)
        journal.finish()
    journal.begin("bottle", 6)
    journal.record("agent", outcome="succeeded", ahead=1)
    journal.finish()
    assert Journal(journal_path).succeeded_runs() == {1, 5}


def test_history_is_bounded(journal_path: Path) -> None:
    journal = Journal(journal_path, history_limit=3)
    for number in range(1, 6):
        journal.begin("pop", number)
        journal.finish(outcome="done" if number % 2 else "abandoned")
    history = Journal(journal_path).history()
    assert [item.issue_number for item in history] == [3, 4, 5]
    assert [item.outcome for item in history] == ["done", "abandoned", "done"]
    assert len(json.loads(journal_path.read_text())["history"]) == 3


def test_a_crash_between_write_and_rename_leaves_the_old_file(journal_path: Path) -> None:
    journal = Journal(journal_path)
    journal.begin("bottle", 12)
    journal.record("pushed", head_oid="d" * 40)
    before = journal_path.read_bytes()
    faultpoints.arm(FAULT_BEFORE_REPLACE)
    with pytest.raises(InjectedCrash):
        journal.record("pr_opened", pr_number=9)
    assert faultpoints.hits(FAULT_BEFORE_REPLACE) == 1
    faultpoints.disarm()
    assert journal_path.read_bytes() == before
    reloaded = Journal(journal_path).load()
    assert reloaded is not None and reloaded.steps == ("pushed",)
    assert sorted(path.name for path in journal_path.parent.iterdir()) == [
        journal_path.name,
        f"{journal_path.name}.lock",
    ]


_CHILD = """
import sys
from pathlib import Path
from soda_tui.agents.journal import Journal
Journal(Path(sys.argv[1])).record("pr_opened", pr_number=9)
"""


def test_a_killed_writer_leaves_the_old_file_and_the_next_write_cleans_up(
    journal_path: Path,
) -> None:
    journal = Journal(journal_path)
    journal.begin("bottle", 12)
    journal.record("pushed", head_oid="e" * 40)
    before = journal_path.read_bytes()
    environment = {**os.environ, **faultpoints.environment_for(FAULT_BEFORE_REPLACE, "kill")}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(journal_path)],
        env=environment,
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert journal_path.read_bytes() == before
    leftovers = list(journal_path.parent.glob(f".{journal_path.name}.*.tmp"))
    assert len(leftovers) == 1 and b"pr_opened" in leftovers[0].read_bytes()
    # Re-running the step finishes the job, and the stale temp file goes away.
    resumed = Journal(journal_path)
    resumed.begin("bottle", 12)
    assert not resumed.step_done("pr_opened")
    resumed.record("pr_opened", pr_number=9)
    assert Journal(journal_path).step_done("pr_opened")
    assert not list(journal_path.parent.glob(f".{journal_path.name}.*.tmp"))


VALID = json.dumps(
    {
        "version": 1,
        "active": {"action": "land", "issue_number": 2, "started_at": "x", "facts": {}},
        "history": [],
    }
)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00\xffgarbage", "not UTF-8"),
        (b"this is not json", "not valid JSON"),
        (VALID.encode()[: len(VALID) // 2], "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "not an object"),
        (VALID.replace('"version": 1', '"version": 2').encode(), "version 2, expected 1"),
        (b'{"active": null, "history": []}', "version None"),
        (VALID.replace('"action": "land", ', "").encode(), "no action"),
        (VALID.replace('"issue_number": 2', '"issue_number": "2"').encode(), "no issue number"),
        (b'{"version": 1, "active": null, "history": {}}', "history is not a list"),
    ],
)
def test_an_unreadable_journal_is_moved_aside_and_named(
    journal_path: Path, clock: FakeClock, content: bytes, reason: str
) -> None:
    journal_path.parent.mkdir(parents=True)
    journal_path.write_bytes(content)
    with pytest.raises(JournalCorrupt) as raised:
        Journal(journal_path, clock=clock).load()
    error = raised.value
    aside = journal_path.with_name(f"{journal_path.name}.corrupt-20260101T000000Z")
    assert error.moved_to == aside
    assert aside.read_bytes() == content
    assert not journal_path.exists()
    message = str(error)
    assert str(journal_path) in message and aside.name in message
    assert reason in message and "soda-tui sync" in message and "\n" not in message
    # The next start is clean, and nothing reads the broken file by mistake.
    assert Journal(journal_path, clock=clock).load() is None


def test_two_corrupt_files_in_the_same_second_both_survive(
    journal_path: Path, clock: FakeClock
) -> None:
    journal_path.parent.mkdir(parents=True)
    for content in (b"first", b"second"):
        journal_path.write_bytes(content)
        with pytest.raises(JournalCorrupt):
            Journal(journal_path, clock=clock).begin("pop", 1)
    kept = sorted(p.read_bytes() for p in journal_path.parent.glob("*.corrupt-*"))
    assert kept == [b"first", b"second"]


def test_facts_must_be_plain_json_and_never_a_secret(journal_path: Path) -> None:
    journal = Journal(journal_path)
    journal.begin("bottle", 1)
    token = Secret("ghp_journal_secret_value_123")
    with pytest.raises(TypeError, match="plain JSON"):
        journal.record("pushed", token=token)
    with pytest.raises(ValueError, match="must not contain a secret"):
        journal.record("pushed", note=f"pushed with {token.reveal()}")
    assert token.reveal() not in journal_path.read_text()
    assert not journal.step_done("pushed")


def test_fault_points_cost_nothing_unarmed_and_crash_when_armed() -> None:
    faultpoints.fault_point("bottle.after_pr")  # unarmed: nothing happens
    with faultpoints.armed("bottle.after_pr"):
        with pytest.raises(InjectedCrash) as raised:
            try:
                faultpoints.fault_point("bottle.after_pr")
            except Exception:  # a crash must get through generic error handling
                pytest.fail("InjectedCrash was caught by `except Exception`")
        assert raised.value.point == "bottle.after_pr"
        faultpoints.fault_point("bottle.before_pr")  # other points stay quiet
    faultpoints.fault_point("bottle.after_pr")


def test_fault_points_are_armed_from_the_environment() -> None:
    faultpoints.load_from_environment({"SODA_FAULT_POINT": "a.one, b.two", "SODA_FAULT_MODE": ""})
    for name in ("a.one", "b.two"):
        with pytest.raises(InjectedCrash):
            faultpoints.fault_point(name)
    with pytest.raises(ValueError, match="SODA_FAULT_MODE"):
        faultpoints.load_from_environment({"SODA_FAULT_POINT": "x", "SODA_FAULT_MODE": "explode"})
    assert faultpoints.environment_for("p", "kill") == {
        "SODA_FAULT_POINT": "p",
        "SODA_FAULT_MODE": "kill",
    }
