"""localhub commit statuses (statusCheckRollup) and reviews (reviewDecision)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_localhub_graphql_support import (  # noqa: F401
    REVIEWER,
    Checkout,
    clock_fixture,
    data,
    errors,
    repo_id,
    state_fixture,
)

from soda_tui.localhub.models import HubNotFound, HubUnprocessable
from soda_tui.localhub.state import LocalHubState

ROLLUP = """query { repository(owner: "acme", name: "api") {
  pullRequest(number: 1) { statusCheckRollup { state } mergeStateStatus
    commits(last: 1) { nodes { commit { oid statusCheckRollup { state
      contexts(first: 10) { totalCount nodes { __typename ... on StatusContext {
        context state description targetUrl isRequired(pullRequestNumber: 1) } } } } } } } }
  head: defaultBranchRef { target { ... on Commit { statusCheckRollup { state } } } } } }"""
REVIEW = """mutation($p: ID!, $e: PullRequestReviewEvent, $b: String) {
  addPullRequestReview(input: {pullRequestId: $p, event: $e, body: $b}) {
    pullRequestReview { id state author { login } submittedAt } } }"""
DECISION = """{ repository(owner: "acme", name: "api") {
  pullRequest(number: 1) { reviewDecision mergeStateStatus } } }"""


@pytest.fixture
def pull(state: LocalHubState, tmp_path: Path, git_env: dict[str, str]) -> dict[str, str]:
    """acme/api with PR #1 open from `feature`; returns its id and head oid."""
    state.create_repository("acme", "api")
    checkout = Checkout(state, "acme", "api", tmp_path / "work", git_env)
    checkout.branch("feature")
    head = checkout.commit("f.txt", "f\n", "Feature")
    checkout.push("feature")
    opened = data(
        state,
        """mutation($r: ID!) { createPullRequest(input: {repositoryId: $r, headRefName: "feature",
             baseRefName: "main", title: "Feature"}) { pullRequest { id } } }""",
        {"r": repo_id(state, "acme", "api")},
    )
    return {"id": opened["createPullRequest"]["pullRequest"]["id"], "head": head}


def _rollup(state: LocalHubState) -> dict:
    return data(state, ROLLUP)["repository"]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["success", "success"], "SUCCESS"),
        (["success", "pending"], "PENDING"),
        (["pending", "error", "success"], "ERROR"),
        (["error", "failure", "pending"], "FAILURE"),
    ],
)
def test_statuses_roll_up_like_github(
    state: LocalHubState, pull: dict[str, str], states: list[str], expected: str
) -> None:
    for index, status in enumerate(states):
        state.create_status("acme", "api", pull["head"], status, f"ci/{index}")
    repo = _rollup(state)
    assert repo["pullRequest"]["statusCheckRollup"] == {"state": expected}
    commit = repo["pullRequest"]["commits"]["nodes"][0]["commit"]
    assert commit["oid"] == pull["head"] and commit["statusCheckRollup"]["state"] == expected
    assert commit["statusCheckRollup"]["contexts"]["totalCount"] == len(states)
    clean = "CLEAN" if expected == "SUCCESS" else "UNSTABLE"
    assert repo["pullRequest"]["mergeStateStatus"] == clean


def test_no_statuses_means_a_null_rollup(state: LocalHubState, pull: dict[str, str]) -> None:
    repo = _rollup(state)
    assert repo["pullRequest"]["statusCheckRollup"] is None
    assert repo["pullRequest"]["commits"]["nodes"][0]["commit"]["statusCheckRollup"] is None
    assert repo["head"]["target"]["statusCheckRollup"] is None


def test_the_latest_status_per_context_wins(state: LocalHubState, pull: dict[str, str]) -> None:
    first = state.create_status(
        "acme", "api", pull["head"], "pending", "localhub/ci", "Running", "http://ci/1"
    )
    assert (
        first["state"] == "pending"
        and first["context"] == "localhub/ci"
        and first["node_id"].startswith("SC_")
    )
    state.create_status("acme", "api", pull["head"], "success", "lint")
    final = state.create_status(
        "acme", "api", pull["head"], "failure", "localhub/ci", "Tests failed", "http://ci/2"
    )
    assert final["id"] == first["id"] and final["description"] == "Tests failed"
    contexts = _rollup(state)["pullRequest"]["commits"]["nodes"][0]["commit"]["statusCheckRollup"]
    assert contexts["state"] == "FAILURE"
    assert contexts["contexts"]["nodes"] == [
        {
            "__typename": "StatusContext",
            "context": "localhub/ci",
            "state": "FAILURE",
            "description": "Tests failed",
            "targetUrl": "http://ci/2",
            "isRequired": False,
        },
        {
            "__typename": "StatusContext",
            "context": "lint",
            "state": "SUCCESS",
            "description": None,
            "targetUrl": None,
            "isRequired": False,
        },
    ]
    combined = state.combined_status("acme", "api", "feature")
    assert combined is not None and combined["state"] == "failure" and combined["total_count"] == 2


def test_create_status_refuses_bad_states_unknown_commits_and_repositories(
    state: LocalHubState, pull: dict[str, str]
) -> None:
    with pytest.raises(HubUnprocessable):
        state.create_status("acme", "api", pull["head"], "green", "ci")
    with pytest.raises(HubUnprocessable, match="No commit found"):
        state.create_status("acme", "api", "f" * 40, "success", "ci")
    with pytest.raises(HubNotFound):
        state.create_status("acme", "nope", pull["head"], "success", "ci")
    assert state.commit_exists("acme", "api", pull["head"]) and not state.commit_exists(
        "acme", "api", "f" * 40
    )
    assert state.combined_status("acme", "api", "no-such-branch") is None


def test_review_decision_is_null_unless_reviews_are_required(
    state: LocalHubState, pull: dict[str, str]
) -> None:
    data(state, REVIEW, {"p": pull["id"], "e": "APPROVE"}, login=REVIEWER)
    assert data(state, DECISION)["repository"]["pullRequest"]["reviewDecision"] is None


def test_review_decision_follows_each_reviewers_latest_review(
    state: LocalHubState, pull: dict[str, str]
) -> None:
    state.set_branch_protection("acme", "api", required_approvals=1)
    decision = data(state, DECISION)["repository"]["pullRequest"]
    assert decision == {"reviewDecision": "REVIEW_REQUIRED", "mergeStateStatus": "BLOCKED"}
    merge = """mutation($p: ID!) {
      mergePullRequest(input: {pullRequestId: $p}) { pullRequest { merged } } }"""
    (blocked,) = errors(state, merge, {"p": pull["id"]})
    assert (
        blocked["message"]
        == "At least 1 approving review is required by reviewers with write access."
    )
    changes = data(
        state, REVIEW, {"p": pull["id"], "e": "REQUEST_CHANGES", "b": "Please fix"}, login=REVIEWER
    )
    review = changes["addPullRequestReview"]["pullRequestReview"]
    assert review["state"] == "CHANGES_REQUESTED" and review["author"] == {"login": REVIEWER}
    assert review["id"].startswith("PRR_")
    assert (
        data(state, DECISION)["repository"]["pullRequest"]["reviewDecision"] == "CHANGES_REQUESTED"
    )
    data(state, REVIEW, {"p": pull["id"], "e": "COMMENT", "b": "Looking again"}, login=REVIEWER)
    assert (
        data(state, DECISION)["repository"]["pullRequest"]["reviewDecision"] == "CHANGES_REQUESTED"
    )
    data(state, REVIEW, {"p": pull["id"], "e": "APPROVE"}, login=REVIEWER)
    assert data(state, DECISION)["repository"]["pullRequest"] == {
        "reviewDecision": "APPROVED",
        "mergeStateStatus": "CLEAN",
    }
    assert data(state, merge, {"p": pull["id"]})["mergePullRequest"]["pullRequest"]["merged"]


def test_two_required_approvals_need_two_reviewers(
    state: LocalHubState, pull: dict[str, str]
) -> None:
    state.set_branch_protection("acme", "api", required_approvals=2)
    state.add_user("third", "localhub-third-token-0003")
    data(state, REVIEW, {"p": pull["id"], "e": "APPROVE"}, login=REVIEWER)
    assert data(state, DECISION)["repository"]["pullRequest"]["reviewDecision"] == "REVIEW_REQUIRED"
    data(state, REVIEW, {"p": pull["id"], "e": "APPROVE"}, login="third")
    assert data(state, DECISION)["repository"]["pullRequest"]["reviewDecision"] == "APPROVED"


def test_authors_cannot_approve_their_own_pull_request(
    state: LocalHubState, pull: dict[str, str]
) -> None:
    (own,) = errors(state, REVIEW, {"p": pull["id"], "e": "APPROVE"})
    assert (
        own["type"] == "UNPROCESSABLE" and "Can not approve your own pull request" in own["message"]
    )
    (no_body,) = errors(state, REVIEW, {"p": pull["id"], "e": "REQUEST_CHANGES"}, login=REVIEWER)
    assert no_body["type"] == "UNPROCESSABLE"
    pending = data(state, REVIEW, {"p": pull["id"]}, login=REVIEWER)["addPullRequestReview"][
        "pullRequestReview"
    ]
    assert pending["state"] == "PENDING" and pending["submittedAt"] is None
