"""localhub's CI runner: `.localhub/ci` on each PR head, statuses pending then success/failure."""

from __future__ import annotations

import functools
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from soda_tui.localhub import LocalHub

# Generous timeouts: the machine is shared, and slowness is not what these tests check.
http_get = functools.partial(httpx.get, timeout=30.0)

ROLLUP = """
query Rollup($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      headRefOid
      statusCheckRollup {
        state
        contexts(first: 10) {
          nodes { ... on StatusContext { context state description targetUrl } }
        }
      }
    }
  }
}
"""
REPO_ID = "query RepoId($o: String!, $n: String!) { repository(owner: $o, name: $n) { id } }"
OPEN_PR = """
mutation OpenPR($repo: ID!, $head: String!) {
  createPullRequest(input: {repositoryId: $repo, baseRefName: "main", headRefName: $head,
                            title: "Try CI"}) {
    pullRequest { number }
  }
}
"""


def gated_script(gate: Path, tail: str) -> str:
    """A CI script that waits until the test creates `gate`, then runs `tail`."""
    return f'while [ ! -e "{gate}" ]; do sleep 0.05; done\n{tail}\n'


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.05)


def open_pr(
    hub: LocalHub,
    token: str,
    git_env: dict[str, str],
    workdir: Path,
    hub_graphql: Callable[..., Any],
) -> int:
    """Push a branch with one commit to acme/api and open a PR from it; return its number."""
    url = hub.git_url("acme", "api").replace("http://", f"http://x-access-token:{token}@")
    checkout = workdir / "api"

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=checkout, env=git_env, check=True, capture_output=True)

    subprocess.run(["git", "clone", "-q", url, str(checkout)], env=git_env, check=True)
    git("checkout", "-q", "-b", "feature")
    (checkout / "feature.txt").write_text("feature\n")
    git("add", "feature.txt")
    git("commit", "-q", "-m", "Add feature")
    git("push", "-q", "origin", "feature")
    repo_id = hub_graphql(REPO_ID, {"o": "acme", "n": "api"}, hub=hub)["repository"]["id"]
    created = hub_graphql(OPEN_PR, {"repo": repo_id, "head": "feature"}, hub=hub)
    return created["createPullRequest"]["pullRequest"]["number"]


def rollup(hub_graphql: Callable[..., Any], hub: LocalHub, number: int) -> dict[str, Any] | None:
    """The PR's status rollup (None when its head has no statuses)."""
    data = hub_graphql(ROLLUP, {"owner": "acme", "name": "api", "number": number}, hub=hub)
    return data["repository"]["pullRequest"]["statusCheckRollup"]


def rollup_state(hub_graphql: Callable[..., Any], hub: LocalHub, number: int) -> str | None:
    """Just the rollup state."""
    found = rollup(hub_graphql, hub, number)
    return found["state"] if found else None


def test_passing_script_posts_pending_then_success(
    localhub: LocalHub,
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    gate = tmp_path / "go"
    script = gated_script(gate, 'echo "checks ran in $PWD"; test -f feature.txt')
    make_repo(localhub, "acme/api", files={"README.md": "hi\n", ".localhub/ci": script})
    number = open_pr(localhub, hub_token, git_env, tmp_path, hub_graphql)
    wait_for(lambda: rollup_state(hub_graphql, localhub, number) == "PENDING")
    gate.touch()
    assert localhub.ci is not None
    assert localhub.ci.wait_idle(60)
    found = rollup(hub_graphql, localhub, number)
    assert found is not None
    assert found["state"] == "SUCCESS"
    [context] = found["contexts"]["nodes"]
    assert context["context"] == "localhub/ci"
    assert context["description"].startswith("Passed")
    log = http_get(context["targetUrl"])
    assert log.status_code == 200
    assert "checks ran in" in log.text


def test_failing_script_posts_pending_then_failure(
    localhub: LocalHub,
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    gate = tmp_path / "go"
    script = gated_script(gate, "echo boom; exit 3")
    make_repo(localhub, "acme/api", files={"README.md": "hi\n", ".localhub/ci": script})
    number = open_pr(localhub, hub_token, git_env, tmp_path, hub_graphql)
    wait_for(lambda: rollup_state(hub_graphql, localhub, number) == "PENDING")
    gate.touch()
    assert localhub.ci is not None
    assert localhub.ci.wait_idle(60)
    found = rollup(hub_graphql, localhub, number)
    assert found is not None
    assert found["state"] == "FAILURE"
    [context] = found["contexts"]["nodes"]
    assert "exit code 3" in context["description"]
    assert "boom" in http_get(context["targetUrl"]).text


def test_no_script_posts_nothing(
    localhub: LocalHub,
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    make_repo(localhub, "acme/api", files={"README.md": "no ci here\n"})
    number = open_pr(localhub, hub_token, git_env, tmp_path, hub_graphql)
    assert localhub.ci is not None
    wait_for(lambda: localhub.ci is not None and len(localhub.ci.results) >= 1)
    assert localhub.ci.wait_idle(60)
    assert [result.state for result in localhub.ci.results] == [None]
    assert rollup(hub_graphql, localhub, number) is None


def test_script_that_runs_too_long_fails_with_a_timeout(
    localhub_factory: Callable[..., LocalHub],
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    hub = localhub_factory(ci_timeout_seconds=1)
    never = tmp_path / "never-created"
    make_repo(hub, "acme/api", files={".localhub/ci": gated_script(never, "exit 0")})
    number = open_pr(hub, hub_token, git_env, tmp_path, hub_graphql)
    wait_for(lambda: hub.ci is not None and len(hub.ci.results) >= 1)
    found = rollup(hub_graphql, hub, number)
    assert found is not None
    assert found["state"] == "FAILURE"
    assert "Timed out" in found["contexts"]["nodes"][0]["description"]


def test_stop_cancels_a_running_job_and_says_so(
    localhub_factory: Callable[..., LocalHub],
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    data_dir = tmp_path / "hub"
    hub = localhub_factory(data_dir=data_dir)
    never = tmp_path / "never-created"
    make_repo(hub, "acme/api", files={".localhub/ci": gated_script(never, "exit 0")})
    number = open_pr(hub, hub_token, git_env, tmp_path, hub_graphql)
    wait_for(lambda: rollup_state(hub_graphql, hub, number) == "PENDING")
    hub.stop()
    again = localhub_factory(data_dir=data_dir, ci=False)
    found = rollup(hub_graphql, again, number)
    assert found is not None
    assert found["state"] == "ERROR"
    assert "localhub stopped" in found["contexts"]["nodes"][0]["description"]
