"""Hostile issues and branch names: shell bait, control characters, huge bodies, empty slugs,
edits aimed outside the workspace, and branch names with `..` or absolute paths.

Nothing may run through a shell (no `pwned-*` file appears anywhere), nothing may be written
outside its directory, and every command ends in a clear line and a consistent state.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from soda_tui.agents.journal import Journal
from soda_tui.core.secrets import Secret
from soda_tui.git.errors import GitError
from soda_tui.git.workspace import Workspace
from soda_tui.localhub import LocalHub
from tests.proof.support import (
    CliWorld,
    agent_commits,
    assert_landed_once,
    lost_commits,
    make_cli_world,
    one_line,
)

PWNED = f"pwned-{uuid.uuid4().hex[:12]}"
SHELL_BAIT = (
    f"$(touch {PWNED}-dollar) `touch {PWNED}-tick`; touch {PWNED}-semi && touch {PWNED}-and"
    f" | tee {PWNED}-pipe > {PWNED}-redirect"
)
HOSTILE_TITLE = (
    f"Fix {SHELL_BAIT} \x1b]0;owned\x07\x1b[31mred\x1b[0m ünï©ødé 🚀 'q' \"dq\" \ttab\x00nul\rCR"
)
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.fixture
def hub(localhub_factory: Callable[..., LocalHub]) -> LocalHub:
    return localhub_factory(ci=False)


def _assert_no_bait(*roots: Path) -> None:
    """No file named after the bait exists under `roots`, in /tmp or in the working directory."""
    for root in roots:
        found = [path for path in root.rglob(f"{PWNED}*")]
        assert found == [], found
    for shallow in (Path("/tmp"), Path.cwd(), Path.home()):
        assert list(shallow.glob(f"{PWNED}*")) == []


def _ok(world: CliWorld, *args: str) -> str:
    result = world.soda(*args)
    assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout


def test_a_hostile_title_and_a_megabyte_body_go_through_the_loop_as_plain_data(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/hostile")
    line = f"{SHELL_BAIT} \x1b[2J ünï 🚀 <script>alert(1)</script>\n"
    body = line * (1_048_576 // len(line.encode()) + 1)
    number = world.create_issue(HOSTILE_TITLE, body)

    popped = _ok(world, "pop")
    # The title reaches the terminal with its control characters shown, never obeyed.
    assert not RAW_CONTROL.search(popped.rstrip("\n")) and popped.count("\n") == 1
    assert "\\x1b[31mred" in popped and "\\x00nul\\x0dCR" in popped
    ran = json.loads(_ok(world, "run", "--quiet", "--json"))
    branch = ran["branch"]
    assert re.fullmatch(rf"agent001/{number}-[a-z0-9-]{{1,30}}", branch), branch
    assert ran["issue"]["title"] == HOSTILE_TITLE  # --json escapes instead of dropping
    bottled = _ok(world, "bottle")
    assert not RAW_CONTROL.search(bottled.rstrip("\n"))
    _ok(world, "land")

    view = world.view()
    assert_landed_once(view, number)
    assert view.graphql(
        "query($o: String!, $n: String!) { repository(owner: $o, name: $n) {"
        " pullRequests(first: 5) { nodes { title } } } }"
    )["pullRequests"]["nodes"] == [{"title": HOSTILE_TITLE}]
    prompts = list(world.paths.runs_dir.rglob("prompt*"))
    assert prompts and max(p.stat().st_size for p in prompts) > 1_000_000
    assert lost_commits(view, agent_commits(world.workspace)) == []
    _assert_no_bait(tmp_path)


def test_placeholders_reach_a_custom_agent_as_single_arguments(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    agent = tmp_path / "record-argv.py"
    agent.write_text(
        f"#!{sys.executable}\n"
        "import json, os, subprocess, sys\n"
        "record = {'argv': sys.argv[1:], 'title': os.environ.get('SODA_ISSUE_TITLE')}\n"
        "with open('argv.json', 'w', encoding='utf-8') as handle:\n"
        "    json.dump(record, handle)\n"
        "subprocess.run(['git', 'add', 'argv.json'], check=True)\n"
        "subprocess.run(['git', '-c', 'user.name=a', '-c', 'user.email=agent@proof.invalid',\n"
        "                'commit', '-qm', 'record the arguments'], check=True)\n",
        encoding="utf-8",
    )
    agent.chmod(0o755)
    command = f'{{ command = ["{agent}", "{{issue_title}}", "{{branch}}", "{{repo}}"] }}'
    world = make_cli_world(hub, hub_token, tmp_path, "acme/args", agent=command)
    number = world.create_issue(HOSTILE_TITLE, SHELL_BAIT)
    _ok(world, "worker", "--ticks", "1")

    recorded = json.loads((world.workspace / "argv.json").read_text(encoding="utf-8"))
    # NUL cannot travel in argv or the environment; everything else arrives untouched.
    expected_title = HOSTILE_TITLE.replace("\x00", "")
    branch = world.view().pulls()[0]["headRefName"]
    assert recorded == {"argv": [expected_title, branch, "acme/args"], "title": expected_title}
    assert_landed_once(world.view(), number)
    assert lost_commits(world.view(), agent_commits(world.workspace, "agent@proof.invalid")) == []
    _assert_no_bait(tmp_path)


def test_a_title_that_slugs_to_nothing_gets_a_branch_named_by_its_number(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/emoji")
    number = world.create_issue("🚀🔥 ¿¡!? — 日本語のタイトル ***", "Make it ✨")
    _ok(world, "worker", "--ticks", "1")
    view = world.view()
    assert [pull["headRefName"] for pull in view.pulls()] == [f"agent001/{number}"]
    assert_landed_once(view, number)
    assert lost_commits(view, agent_commits(world.workspace)) == []


@pytest.mark.parametrize("target", ["../../{bait}-relative.txt", "{root}/{bait}-absolute.txt"])
def test_agent_edits_aimed_outside_the_workspace_are_refused_and_the_issue_blocked(
    hub: LocalHub, hub_token: str, tmp_path: Path, target: str
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/escape")
    path = target.format(bait=PWNED, root=tmp_path)
    number = world.create_issue("Write somewhere", f"soda-demo: edit {path} gotcha")
    _ok(world, "worker", "--ticks", "1")
    issue = world.view().issue(number)
    assert issue["labels"] == {"route:blocked"}
    assert len(issue["comments"]) == 1 and "outside the workspace" in issue["comments"][0]
    assert world.view().pulls() == []
    assert f"agent001/{number}-write-somewhere" in world.view().branches()  # branch kept
    _assert_no_bait(tmp_path)


BAD_BRANCHES = ["../../escape", "/abs/escape", "agent001/1-../../x", "a/./b", "..", "x.lock"]


def test_workspace_refuses_branch_names_with_dots_or_absolute_paths(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/refs")
    workspace = Workspace(tmp_path / "ws" / "clone", hub.git_url("acme", "refs"), Secret(hub_token))
    workspace.ensure_clone()
    head = workspace.head_oid()
    hub_refs = world.view().refs("refs/")
    before = sorted(str(path) for path in tmp_path.rglob("*") if "localhub" not in str(path))
    attempts: list[Callable[[str], object]] = [
        lambda name: workspace.create_branch(name, head),
        workspace.checkout,
        workspace.push,
        lambda name: workspace.push_tag(name, head),
        workspace.delete_remote_branch,
        workspace.remote_branch_oid,
    ]
    for name in BAD_BRANCHES:
        for attempt in attempts:
            with pytest.raises(GitError, match="is not a valid"):
                attempt(name)
    after = sorted(str(path) for path in tmp_path.rglob("*") if "localhub" not in str(path))
    assert after == before
    assert world.view().refs("refs/") == hub_refs


def _journal_with(world: CliWorld, active: dict | None, history: list[dict]) -> None:
    world.journal_file.parent.mkdir(parents=True, exist_ok=True)
    world.journal_file.write_text(
        json.dumps({"version": 1, "active": active, "history": history}), encoding="utf-8"
    )


def _entry(action: str, number: int, branch: str, finished: bool) -> dict:
    entry = {
        "action": action,
        "issue_number": number,
        "started_at": "2026-01-01T00:00:00+00:00",
        "facts": {"branch": branch, "title": "Edited", "issue_id": "I_x", "base_oid": "0" * 40},
        "steps": [],
    }
    if finished:
        entry |= {"finished_at": "2026-01-01T00:00:01+00:00", "outcome": "done"}
    return entry


def test_a_journal_that_names_a_hostile_branch_is_set_aside_before_any_write(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/journal")
    number = world.create_issue("Steer me")
    hub_refs = world.view().refs("refs/")
    _journal_with(world, _entry("pop", number, f"../../../../{PWNED}", False), [])

    refused = world.soda("pop")
    assert refused.returncode == 3
    assert "not that issue's agent branch" in one_line(refused.stderr)
    assert world.view().issue(number)["labels"] == {"route:ready"}  # not claimed
    assert world.view().refs("refs/") == hub_refs
    assert Journal(world.journal_file).load() is None

    # A finished entry with a hostile branch is ignored: run uses the issue's real branch.
    _ok(world, "pop")
    _journal_with(world, None, [_entry("pop", number, f"/tmp/{PWNED}", True)])
    _ok(world, "run", "--quiet")
    assert f"agent001/{number}-steer-me" in world.view().branches()
    _ok(world, "bottle")
    _ok(world, "land")
    assert_landed_once(world.view(), number)
    _assert_no_bait(tmp_path)
