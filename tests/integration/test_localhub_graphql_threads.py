"""localhub under concurrent callers: one lock, unique numbers, callbacks outside the lock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from test_localhub_graphql_support import (  # noqa: F401
    Checkout,
    clock_fixture,
    data,
    repo_id,
    state_fixture,
)

from soda_tui.localhub.state import LocalHubState

CREATE_ISSUE = """mutation($r: ID!, $t: String!) {
  createIssue(input: {repositoryId: $r, title: $t}) { issue { number } } }"""


def test_concurrent_mutations_get_unique_numbers(state: LocalHubState) -> None:
    state.create_repository("acme", "api")
    repository = repo_id(state, "acme", "api")

    def create(index: int) -> int:
        result = data(state, CREATE_ISSUE, {"r": repository, "t": f"Issue {index}"})
        return int(result["createIssue"]["issue"]["number"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(create, range(80)))
    assert sorted(numbers) == list(range(1, 81))
    count = data(
        state, '{ repository(owner: "acme", name: "api") { issues(first: 1) { totalCount } } }'
    )
    assert count["repository"]["issues"]["totalCount"] == 80


def test_head_change_callbacks_run_after_the_lock_is_released(
    state: LocalHubState, tmp_path: Path, git_env: dict[str, str]
) -> None:
    state.create_repository("acme", "api")
    checkout = Checkout(state, "acme", "api", tmp_path / "work", git_env)
    checkout.branch("feature")
    checkout.commit("f.txt", "f\n", "Feature")
    checkout.push("feature")
    seen: list[str] = []

    def on_head(owner: str, name: str, sha: str, number: int) -> None:
        # A CI runner reads state from its own thread; that must not wait for our lock.
        reader = threading.Thread(
            target=lambda: seen.append(data(state, "{ viewer { login } }")["viewer"]["login"])
        )
        reader.start()
        reader.join(timeout=30)
        seen.append(f"{owner}/{name}#{number}@{sha[:7]}")

    state.on_pr_head_changed = on_head
    opened = data(
        state,
        """mutation($r: ID!) { createPullRequest(input: {repositoryId: $r, headRefName: "feature",
             baseRefName: "main", title: "Feature"}) { pullRequest { number headRefOid } } }""",
        {"r": repo_id(state, "acme", "api")},
    )["createPullRequest"]["pullRequest"]
    assert seen == ["soda-dev", f"acme/api#{opened['number']}@{opened['headRefOid'][:7]}"]


def test_a_failing_callback_does_not_fail_the_push(
    state: LocalHubState, tmp_path: Path, git_env: dict[str, str]
) -> None:
    state.create_repository("acme", "api")
    checkout = Checkout(state, "acme", "api", tmp_path / "work", git_env)
    checkout.branch("feature")
    checkout.commit("f.txt", "f\n", "Feature")
    checkout.push("feature")
    data(
        state,
        """mutation($r: ID!) { createPullRequest(input: {repositoryId: $r, headRefName: "feature",
             baseRefName: "main", title: "Feature"}) { clientMutationId } }""",
        {"r": repo_id(state, "acme", "api")},
    )

    def broken(owner: str, name: str, sha: str, number: int) -> None:
        raise RuntimeError("subscriber bug")

    state.on_pr_head_changed = broken
    newer = checkout.commit("f.txt", "g\n", "More")
    changes = checkout.push("feature")
    assert [change.after for change in changes] == [newer]
    head = data(
        state,
        '{ repository(owner: "acme", name: "api") { pullRequest(number: 1) { headRefOid } } }',
    )
    assert head["repository"]["pullRequest"]["headRefOid"] == newer
