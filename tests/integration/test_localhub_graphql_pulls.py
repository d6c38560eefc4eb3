"""localhub pull requests: opening, heads, merges (3 methods), closing keywords, conflicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_localhub_graphql_support import (  # noqa: F401
    Checkout,
    call,
    clock_fixture,
    data,
    errors,
    node_id,
    repo_id,
    state_fixture,
)

from soda_tui.localhub.state import LocalHubState

OPEN = """mutation($r: ID!, $head: String!, $base: String!, $title: String!, $body: String,
                  $draft: Boolean) {
  createPullRequest(input: {repositoryId: $r, headRefName: $head, baseRefName: $base, title: $title,
                            body: $body, draft: $draft}) {
    pullRequest { id number headRefOid } } }"""
PULL = """query($n: Int!) { repository(owner: "acme", name: "api") { pullRequest(number: $n) {
  id number title state merged mergedAt closed isDraft mergeable mergeStateStatus reviewDecision
  headRefName headRefOid baseRefName baseRefOid url mergeCommit { oid }
  statusCheckRollup { state }
  commits(first: 10) { totalCount nodes { commit { oid messageHeadline } } }
  closingIssuesReferences(first: 5) { nodes { number state } } } } }"""
MERGE = """mutation($p: ID!, $m: PullRequestMergeMethod, $h: GitObjectID) {
  mergePullRequest(input: {pullRequestId: $p, mergeMethod: $m, expectedHeadOid: $h}) {
    pullRequest { state merged mergeCommit { oid }
                  closingIssuesReferences(first: 5) { nodes { number state } } } } }"""


@pytest.fixture
def checkout(state: LocalHubState, tmp_path: Path, git_env: dict[str, str]) -> Checkout:
    """acme/api with a README and an `app.txt`, cloned into a working copy."""
    state.create_repository(
        "acme", "api", files={"README.md": "# api\n", "app.txt": "one\ntwo\nthree\n"}
    )
    return Checkout(state, "acme", "api", tmp_path / "work", git_env)


def _open(
    state: LocalHubState,
    head: str,
    title: str = "Add feature",
    body: str = "",
    base: str = "main",
    **extra: Any,
) -> dict:
    variables = {
        "r": repo_id(state, "acme", "api"),
        "head": head,
        "base": base,
        "title": title,
        "body": body,
        **extra,
    }
    return data(state, OPEN, variables)["createPullRequest"]["pullRequest"]


def _pull(state: LocalHubState, number: int) -> dict:
    return data(state, PULL, {"n": number})["repository"]["pullRequest"]


def _issue_state(state: LocalHubState, number: int) -> tuple[str, str | None]:
    query = """query($n: Int!) {
      repository(owner: "acme", name: "api") { issue(number: $n) { state stateReason } } }"""
    issue = data(state, query, {"n": number})
    return issue["repository"]["issue"]["state"], issue["repository"]["issue"]["stateReason"]


def _feature(checkout: Checkout, branch: str = "feature", start: str = "origin/main") -> list[str]:
    checkout.branch(branch, start)
    first = checkout.commit("feature.txt", "feature\n", "Add feature file")
    second = checkout.commit("feature.txt", "feature v2\n", "Polish feature\n\nCloses #1")
    checkout.push(branch)
    return [first, second]


def _main_moves_on(checkout: Checkout) -> str:
    checkout.branch("main")
    oid = checkout.commit("other.txt", "other\n", "Unrelated change on main")
    checkout.push("main")
    return oid


def test_open_pull_request_reports_head_commits_links_and_notifies(
    state: LocalHubState, checkout: Checkout
) -> None:
    heads: list[tuple[str, str, str, int]] = []
    state.on_pr_head_changed = lambda owner, name, sha, number: heads.append(
        (owner, name, sha, number)
    )
    state.create_issue("acme", "api", "Ship the feature")
    commits = _feature(checkout)
    opened = _open(state, "feature", body="Fixes #1\n\n- Add feature file")
    assert (
        opened["id"].startswith("PR_")
        and opened["number"] == 2
        and opened["headRefOid"] == commits[1]
    )
    assert heads == [("acme", "api", commits[1], 2)]
    pull = _pull(state, 2)
    assert pull["state"] == "OPEN" and not pull["merged"] and not pull["isDraft"]
    assert (pull["headRefName"], pull["baseRefName"]) == ("feature", "main")
    assert pull["baseRefOid"] == checkout.git("rev-parse", "origin/main")
    assert pull["mergeable"] == "MERGEABLE" and pull["mergeStateStatus"] == "CLEAN"
    assert pull["reviewDecision"] is None and pull["statusCheckRollup"] is None
    assert [node["commit"]["oid"] for node in pull["commits"]["nodes"]] == commits
    assert pull["commits"]["nodes"][1]["commit"]["messageHeadline"] == "Polish feature"
    assert pull["closingIssuesReferences"]["nodes"] == [{"number": 1, "state": "OPEN"}]
    assert pull["url"] == "http://127.0.0.1/acme/api/pull/2"
    linked = data(
        state,
        """{ repository(owner: "acme", name: "api") { issue(number: 1) {
              closedByPullRequestsReferences(first: 5) { nodes { number } } } } }""",
    )
    assert linked["repository"]["issue"]["closedByPullRequestsReferences"]["nodes"] == [
        {"number": 2}
    ]


def test_create_pull_request_refusals(state: LocalHubState, checkout: Checkout) -> None:
    repository = repo_id(state, "acme", "api")
    checkout.branch("empty")
    checkout.push("empty")
    variables = {"r": repository, "base": "main", "title": "T"}
    (nothing,) = errors(state, OPEN, {**variables, "head": "empty"})
    assert nothing == {
        "type": "UNPROCESSABLE",
        "path": ["createPullRequest"],
        "locations": [{"line": 3, "column": 3}],
        "message": "No commits between main and empty",
    }
    _feature(checkout)
    _open(state, "feature")
    (again,) = errors(state, OPEN, {**variables, "head": "feature"})
    assert again["message"] == "A pull request already exists for acme:feature."
    (missing,) = errors(state, OPEN, {**variables, "head": "nope"})
    assert missing["type"] == "UNPROCESSABLE" and "Head ref must be a branch" in missing["message"]
    (untitled,) = errors(state, OPEN, {**variables, "head": "feature", "base": "main", "title": ""})
    assert untitled["type"] == "UNPROCESSABLE"


def test_head_ref_oid_follows_pushes_and_keeps_the_last_head_after_merge(
    state: LocalHubState, checkout: Checkout
) -> None:
    heads: list[tuple[str, int]] = []
    state.on_pr_head_changed = lambda owner, name, sha, number: heads.append((sha, number))
    commits = _feature(checkout)
    _open(state, "feature")
    newer = checkout.commit("feature.txt", "feature v3\n", "More")
    changes = checkout.push("feature")
    assert [(change.ref, change.after) for change in changes] == [("refs/heads/feature", newer)]
    assert _pull(state, 1)["headRefOid"] == newer and heads[-1] == (newer, 1)
    checkout.git("reset", "-q", "--hard", "HEAD~2")
    rewritten = checkout.commit("feature.txt", "rewritten\n", "Rewrite")
    checkout.push("feature", force=True)
    assert _pull(state, 1)["headRefOid"] == rewritten and heads[-1] == (rewritten, 1)
    pull_id = _pull(state, 1)["id"]
    data(state, MERGE, {"p": pull_id, "m": "MERGE", "h": rewritten})
    checkout.git("push", "-q", "origin", "--delete", "feature")
    after = _pull(state, 1)
    assert after["headRefOid"] == rewritten and after["state"] == "MERGED"
    assert [node["commit"]["oid"] for node in after["commits"]["nodes"]] == [commits[0], rewritten]


def test_squash_merge_writes_one_commit_and_closes_the_keyword_issue(
    state: LocalHubState, checkout: Checkout
) -> None:
    state.create_issue("acme", "api", "Ship the feature")
    state.create_issue("acme", "api", "Unrelated")
    commits = _feature(checkout)
    base = _main_moves_on(checkout)
    pull = _open(state, "feature", title="Add feature", body="Fixes #1")
    merged = data(state, MERGE, {"p": pull["id"], "m": "SQUASH", "h": commits[1]})[
        "mergePullRequest"
    ]["pullRequest"]
    main = checkout.log("refs/heads/main", "%H")[0]
    assert (
        merged["state"] == "MERGED" and merged["merged"] and merged["mergeCommit"] == {"oid": main}
    )
    assert merged["closingIssuesReferences"]["nodes"] == [{"number": 1, "state": "CLOSED"}]
    assert checkout.parents(main) == [base]
    assert checkout.log("refs/heads/main", "%B")[:4] == [
        "Add feature (#3)",
        "",
        "* Add feature file",
        "",
    ]
    assert "* Polish feature" in checkout.log("refs/heads/main", "%B")
    assert checkout.show("refs/heads/main", "feature.txt") == "feature v2\n"
    assert checkout.show("refs/heads/main", "other.txt") == "other\n"
    assert _issue_state(state, 1) == ("CLOSED", "COMPLETED")
    assert _issue_state(state, 2) == ("OPEN", None)
    after = _pull(state, 3)
    assert (
        after["mergedAt"] == "2026-01-01T00:00:00Z"
        and after["closed"]
        and after["mergeable"] == "UNKNOWN"
    )


def test_merge_commit_has_both_parents_and_githubs_message(
    state: LocalHubState, checkout: Checkout
) -> None:
    commits = _feature(checkout)
    base = _main_moves_on(checkout)
    pull = _open(state, "feature", title="Add feature")
    data(state, MERGE, {"p": pull["id"], "m": "MERGE"})
    main = checkout.log("refs/heads/main", "%H")[0]
    assert checkout.parents(main) == [base, commits[1]]
    assert checkout.log("refs/heads/main", "%s")[0] == "Merge pull request #1 from acme/feature"
    assert checkout.log("refs/heads/main", "%b")[0] == "Add feature"


def test_rebase_merge_replays_each_commit_onto_the_base(
    state: LocalHubState, checkout: Checkout
) -> None:
    commits = _feature(checkout)
    base = _main_moves_on(checkout)
    pull = _open(state, "feature")
    merged = data(state, MERGE, {"p": pull["id"], "m": "REBASE"})["mergePullRequest"]["pullRequest"]
    history = [line.split("|") for line in checkout.log("refs/heads/main", "%H|%P|%an|%s")]
    assert [(author, subject) for _, _, author, subject in history[:3]] == [
        ("Soda Tester", "Polish feature"),
        ("Soda Tester", "Add feature file"),
        ("Soda Tester", "Unrelated change on main"),
    ]
    top, second = history[0], history[1]
    assert second[1] == base and top[1] == second[0]
    assert top[0] not in commits and merged["mergeCommit"]["oid"] == top[0]
    assert checkout.show("refs/heads/main", "feature.txt") == "feature v2\n"
    assert checkout.show("refs/heads/main", "other.txt") == "other\n"


def test_closing_keywords_are_ignored_outside_the_default_branch(
    state: LocalHubState, checkout: Checkout
) -> None:
    state.create_issue("acme", "api", "Ship the feature")
    checkout.branch("develop")
    checkout.push("develop")
    _feature(checkout, start="origin/develop")
    pull = _open(state, "feature", base="develop", body="Fixes #1")
    assert _pull(state, 2)["closingIssuesReferences"]["nodes"] == []
    data(state, MERGE, {"p": pull["id"], "m": "SQUASH"})
    assert _issue_state(state, 1) == ("OPEN", None)
    assert checkout.show("refs/heads/develop", "feature.txt") == "feature v2\n"


def test_a_keyword_in_a_commit_message_closes_on_merge(
    state: LocalHubState, checkout: Checkout
) -> None:
    state.create_issue("acme", "api", "Ship the feature")
    _feature(checkout)
    pull = _open(state, "feature", body="No keyword in the body")
    data(state, MERGE, {"p": pull["id"], "m": "MERGE"})
    assert _issue_state(state, 1) == ("CLOSED", "COMPLETED")


def test_conflicting_pull_request_reports_it_and_refuses_to_merge(
    state: LocalHubState, checkout: Checkout
) -> None:
    checkout.branch("feature")
    checkout.commit("app.txt", "one\nTWO from feature\nthree\n", "Feature edits line two")
    checkout.push("feature")
    checkout.branch("main")
    checkout.commit("app.txt", "one\nTWO from main\nthree\n", "Main edits line two")
    checkout.push("main")
    before = checkout.log("refs/heads/main", "%H")
    pull = _open(state, "feature")
    assert _pull(state, 1)["mergeable"] == "CONFLICTING"
    assert _pull(state, 1)["mergeStateStatus"] == "DIRTY"
    for method in ("MERGE", "SQUASH", "REBASE"):
        (refused,) = errors(state, MERGE, {"p": pull["id"], "m": method})
        assert (
            refused["type"] == "UNPROCESSABLE"
            and refused["message"] == "Pull Request is not mergeable"
        )
    assert checkout.log("refs/heads/main", "%H") == before and _pull(state, 1)["state"] == "OPEN"
    # Resolving on the branch makes it mergeable again.
    checkout.branch("feature", start="origin/feature")
    checkout.git("merge", "-q", "origin/main", "-X", "theirs", "-m", "Merge main")
    checkout.push("feature")
    assert _pull(state, 1)["mergeable"] == "MERGEABLE"


def test_expected_head_oid_mismatch_is_refused(state: LocalHubState, checkout: Checkout) -> None:
    commits = _feature(checkout)
    pull = _open(state, "feature")
    before = checkout.log("refs/heads/main", "%H")
    (refused,) = errors(state, MERGE, {"p": pull["id"], "m": "SQUASH", "h": commits[0]})
    assert refused["type"] == "UNPROCESSABLE"
    assert refused["message"] == "Head branch was modified. Review and try the merge again."
    assert checkout.log("refs/heads/main", "%H") == before and _pull(state, 1)["state"] == "OPEN"


def test_merged_closed_and_draft_pull_requests_do_not_merge(
    state: LocalHubState, checkout: Checkout
) -> None:
    _feature(checkout)
    first = _open(state, "feature")
    data(state, MERGE, {"p": first["id"]})
    (twice,) = errors(state, MERGE, {"p": first["id"]})
    assert twice["message"] == "Pull request is already merged"
    _feature(checkout, "second")
    second = _open(state, "second")
    closed = data(
        state,
        """mutation($p: ID!) {
          closePullRequest(input: {pullRequestId: $p}) { pullRequest { state closed } } }""",
        {"p": second["id"]},
    )
    assert closed["closePullRequest"]["pullRequest"] == {"state": "CLOSED", "closed": True}
    (shut,) = errors(state, MERGE, {"p": second["id"]})
    assert shut["message"] == "Pull request is closed"
    reopened = data(
        state,
        """mutation($p: ID!) {
          reopenPullRequest(input: {pullRequestId: $p}) { pullRequest { state } } }""",
        {"p": second["id"]},
    )
    assert reopened["reopenPullRequest"]["pullRequest"]["state"] == "OPEN"
    _feature(checkout, "third")
    draft = _open(state, "third", draft=True)
    assert _pull(state, 3)["isDraft"] and _pull(state, 3)["mergeStateStatus"] == "DRAFT"
    (drafted,) = errors(state, MERGE, {"p": draft["id"]})
    assert drafted["message"] == "Pull request is still a draft"
    data(
        state,
        """mutation($p: ID!) {
          markPullRequestReadyForReview(input: {pullRequestId: $p}) {
            pullRequest { isDraft } } }""",
        {"p": draft["id"]},
    )
    assert data(state, MERGE, {"p": draft["id"], "m": "SQUASH"})["mergePullRequest"]["pullRequest"][
        "merged"
    ]


def test_deleting_the_head_branch_closes_the_open_pull_request(
    state: LocalHubState, checkout: Checkout
) -> None:
    _feature(checkout)
    _open(state, "feature")
    before = state.refs_snapshot("acme", "api")
    checkout.git("push", "-q", "origin", "--delete", "feature")
    state.after_push("acme", "api", before)
    assert _pull(state, 1)["state"] == "CLOSED"


def test_compare_reports_ahead_behind_and_commits(state: LocalHubState, checkout: Checkout) -> None:
    commits = _feature(checkout)
    _main_moves_on(checkout)
    query = """query($h: String!) { repository(owner: "acme", name: "api") {
      defaultBranchRef { compare(headRef: $h) { aheadBy behindBy status
        commits(first: 10) { totalCount nodes { oid messageHeadline } } } } } }"""
    diverged = data(state, query, {"h": "feature"})["repository"]["defaultBranchRef"]["compare"]
    assert (diverged["aheadBy"], diverged["behindBy"], diverged["status"]) == (2, 1, "DIVERGED")
    assert [node["oid"] for node in diverged["commits"]["nodes"]] == commits
    same = data(state, query, {"h": "refs/heads/main"})["repository"]["defaultBranchRef"]["compare"]
    assert (same["aheadBy"], same["behindBy"], same["status"]) == (0, 0, "IDENTICAL")
    assert data(state, query, {"h": "nope"})["repository"]["defaultBranchRef"]["compare"] is None


def test_associated_pull_requests_of_a_branch(state: LocalHubState, checkout: Checkout) -> None:
    _feature(checkout)
    _open(state, "feature")
    refs = data(
        state,
        """{ repository(owner: "acme", name: "api") {
             refs(refPrefix: "refs/heads/", first: 10) { nodes { name
               associatedPullRequests(first: 5, states: [OPEN]) {
                 totalCount nodes { number } } } } } }""",
    )["repository"]["refs"]["nodes"]
    assert {node["name"]: node["associatedPullRequests"]["totalCount"] for node in refs} == {
        "feature": 1,
        "main": 0,
    }


def test_closed_by_references_hides_merged_pull_requests_unless_asked(
    state: LocalHubState, checkout: Checkout
) -> None:
    state.create_issue("acme", "api", "Ship the feature")
    _feature(checkout)
    pull = _open(state, "feature", body="Closes #1")
    data(state, MERGE, {"p": pull["id"], "m": "SQUASH"})
    query = """{ repository(owner: "acme", name: "api") { issue(number: 1) {
      open: closedByPullRequestsReferences(first: 5) { nodes { number } }
      all: closedByPullRequestsReferences(first: 5, includeClosedPrs: true) {
        nodes { number state merged } } } } }"""
    issue = data(state, query)["repository"]["issue"]
    assert issue["open"]["nodes"] == []
    assert issue["all"]["nodes"] == [{"number": 2, "state": "MERGED", "merged": True}]
