"""localhub keeps everything across restarts: a new LocalHubState on the same data dir."""

from __future__ import annotations

from pathlib import Path

from test_localhub_graphql_support import LOGIN, REVIEWER, TOKEN, Checkout, data, repo_id

from soda_tui.core.clock import FakeClock
from soda_tui.localhub.state import LocalHubState

SNAPSHOT = """{ viewer { id login }
  repository(owner: "acme", name: "api") { id
    label(name: "route:ready") { id name color }
    issue(number: 1) { id number title state stateReason labels(first: 5) { nodes { id name } }
      comments(first: 5) { nodes { id body author { login } } } }
    pullRequest(number: 2) { id number state merged mergeCommit { oid } headRefOid reviewDecision
      statusCheckRollup { state
        contexts(first: 5) { nodes { ... on StatusContext { id context state } } } } }
    refs(refPrefix: "refs/heads/", first: 10) { nodes { id name target { oid } } } } }"""


def test_everything_survives_a_restart_with_the_same_ids(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    data_dir = tmp_path / "hub"
    first = LocalHubState(data_dir, clock=FakeClock())
    first.add_user(LOGIN, TOKEN)
    first.add_user(REVIEWER, "localhub-reviewer-token-0002")
    first.create_repository("acme", "api")
    first.set_branch_protection("acme", "api", 1)
    first.create_issue("acme", "api", "Ship it", labels=["route:ready"])
    checkout = Checkout(first, "acme", "api", tmp_path / "work", git_env)
    checkout.branch("feature")
    head = checkout.commit("f.txt", "f\n", "Feature")
    checkout.push("feature")
    pull = data(
        first,
        """mutation($r: ID!) { createPullRequest(input: {repositoryId: $r, headRefName: "feature",
             baseRefName: "main", title: "Ship it", body: "Fixes #1"}) { pullRequest { id } } }""",
        {"r": repo_id(first, "acme", "api")},
    )["createPullRequest"]["pullRequest"]["id"]
    first.create_status("acme", "api", head, "success", "localhub/ci")
    data(
        first,
        """mutation($p: ID!) {
          addPullRequestReview(input: {pullRequestId: $p, event: APPROVE}) {
            clientMutationId } }""",
        {"p": pull},
        login=REVIEWER,
    )
    issue = data(first, '{ repository(owner: "acme", name: "api") { issue(number: 1) { id } } }')[
        "repository"
    ]["issue"]["id"]
    data(
        first,
        """mutation($i: ID!) {
          addComment(input: {subjectId: $i, body: "Working on it"}) { clientMutationId } }""",
        {"i": issue},
    )
    data(
        first,
        """mutation($p: ID!) {
          mergePullRequest(input: {pullRequestId: $p, mergeMethod: SQUASH}) {
            clientMutationId } }""",
        {"p": pull},
    )
    before = data(first, SNAPSHOT)
    first.close()

    second = LocalHubState(data_dir, clock=FakeClock())
    assert second.login_for_token(TOKEN) == LOGIN and second.login_for_token("wrong-token") is None
    after = data(second, SNAPSHOT)
    assert after == before
    repo = after["repository"]
    assert repo["issue"]["state"] == "CLOSED" and repo["issue"]["stateReason"] == "COMPLETED"
    assert repo["pullRequest"]["merged"] and repo["pullRequest"]["reviewDecision"] == "APPROVED"
    assert repo["pullRequest"]["statusCheckRollup"]["state"] == "SUCCESS"
    assert [ref["name"] for ref in repo["refs"]["nodes"]] == ["feature", "main"]
    # Numbering continues where it stopped, shared by issues and pull requests.
    assert second.create_issue("acme", "api", "Next") == 3
    node = data(second, "query($i: ID!) { node(id: $i) { ... on Issue { title } } }", {"i": issue})
    assert node == {"node": {"title": "Ship it"}}
    second.close()


def test_tokens_are_stored_as_digests_only(tmp_path: Path) -> None:
    state = LocalHubState(tmp_path / "hub", clock=FakeClock())
    state.add_user(LOGIN, TOKEN)
    state.close()
    stored = b"".join(path.read_bytes() for path in (tmp_path / "hub").glob("localhub.sqlite3*"))
    assert TOKEN.encode() not in stored
    again = LocalHubState(tmp_path / "hub", clock=FakeClock())
    assert again.login_for_token(TOKEN) == LOGIN
    again.add_user(LOGIN, "a-rotated-token-value")
    assert (
        again.login_for_token(TOKEN) is None
        and again.login_for_token("a-rotated-token-value") == LOGIN
    )
    again.close()
