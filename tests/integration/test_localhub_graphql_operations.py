"""The product's own operation documents (github/operations) drive a whole loop on localhub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_localhub_graphql_support import Checkout, clock_fixture, data, state_fixture  # noqa: F401

from soda_tui.core.naming import branch_name
from soda_tui.localhub.state import LocalHubState

OPERATIONS = Path(__file__).resolve().parents[2] / "soda_tui/github/operations"
NEEDED = [
    "RepoSetup",
    "QueuePeek",
    "ClaimIssue",
    "IssueDetail",
    "OpenPullRequest",
    "LandCheck",
    "MergePullRequest",
    "FinishLanding",
    "StatusBoard",
]


def _run(state: LocalHubState, operation: str, **variables: Any) -> Any:
    return data(state, (OPERATIONS / f"{operation}.graphql").read_text(encoding="utf-8"), variables)


def _search(repo: str, *terms: str) -> str:
    return " ".join([f"repo:{repo} is:issue is:open", *terms])


def test_pop_bottle_land_with_the_products_operations(
    state: LocalHubState, tmp_path: Path, git_env: dict[str, str]
) -> None:
    missing = [name for name in NEEDED if not (OPERATIONS / f"{name}.graphql").is_file()]
    if missing:
        pytest.skip(f"operation documents not written yet: {', '.join(missing)}")
    state.create_repository("acme", "api")
    for label in ("route:ready", "agent001", "route:review", "route:blocked"):
        state.ensure_label("acme", "api", label)
    state.create_issue("acme", "api", "Older task", labels=["route:ready"])
    state.create_issue(
        "acme", "api", "Fix the login page", labels=["route:ready", "route:priority-high"]
    )
    setup = _run(state, "RepoSetup", owner="acme", name="api")
    assert (
        setup["repository"]["viewerPermission"] == "ADMIN"
        and setup["repository"]["labels"]["totalCount"] == 5
    )

    peek = _run(
        state,
        "QueuePeek",
        owner="acme",
        name="api",
        working=_search("acme/api", "label:agent001"),
        unblocker=_search("acme/api", "label:route:unblocker", "-label:agent001"),
        readyToMerge=_search("acme/api", "label:route:ready_to_merge", "-label:agent001"),
        veryHigh=_search("acme/api", "label:route:priority-very-high", "-label:agent001"),
        high=_search(
            "acme/api", "label:route:priority-high", "-label:agent001", "sort:created-asc"
        ),
        medium=_search("acme/api", "label:route:priority-medium", "-label:agent001"),
        low=_search("acme/api", "label:route:priority-low", "-label:agent001"),
        ready=_search("acme/api", "label:route:ready", "-label:agent001", "sort:created-asc"),
    )
    assert [node["number"] for node in peek["high"]["nodes"]] == [2]
    assert peek["ready"]["issueCount"] == 2 and peek["working"]["issueCount"] == 0
    repo = peek["repository"]
    issue = peek["high"]["nodes"][0]
    branch = branch_name(2, issue["title"])

    _run(
        state,
        "ClaimIssue",
        issueId=issue["id"],
        addLabelIds=[repo["agentLabel"]["id"]],
        removeLabelIds=[repo["readyLabel"]["id"]],
        repositoryId=repo["id"],
        branchRef=f"refs/heads/{branch}",
        oid=repo["defaultBranchRef"]["target"]["oid"],
    )
    checkout = Checkout(state, "acme", "api", tmp_path / "work", git_env)
    checkout.branch(branch, start=f"origin/{branch}")
    head = checkout.commit("login.txt", "fixed\n", "Fix the login page")
    checkout.push(branch)
    detail = _run(state, "IssueDetail", owner="acme", name="api", number=2, branch=branch)
    assert detail["repository"]["ref"]["target"]["oid"] == head
    assert detail["repository"]["pullRequests"]["nodes"] == []

    opened = _run(
        state,
        "OpenPullRequest",
        repositoryId=repo["id"],
        base="main",
        head=branch,
        title=issue["title"],
        body="Fixes #2\n\n- Fix the login page",
    )["createPullRequest"]["pullRequest"]
    assert opened["headRefOid"] == head
    state.create_status("acme", "api", head, "success", "localhub/ci")
    board = _run(
        state,
        "StatusBoard",
        owner="acme",
        name="api",
        queued=_search("acme/api", "label:route:ready", "-label:agent001"),
        working=_search("acme/api", "label:agent001"),
        blocked=_search("acme/api", "label:route:blocked"),
        review=_search("acme/api", "label:route:review"),
    )
    assert board["working"]["issueCount"] == 1 and board["queued"]["issueCount"] == 1
    pr_row = board["repo"]["pullRequests"]["nodes"][0]
    assert pr_row["mergeable"] == "MERGEABLE"
    assert pr_row["commits"]["nodes"][0]["commit"]["statusCheckRollup"] == {"state": "SUCCESS"}

    check = _run(state, "LandCheck", owner="acme", name="api", issue=2)["repository"]
    (candidate,) = check["issue"]["closedByPullRequestsReferences"]["nodes"]
    assert candidate["mergeable"] == "MERGEABLE" and candidate["headRef"]["target"]["oid"] == head
    merged = _run(
        state,
        "MergePullRequest",
        pullRequestId=candidate["id"],
        method="SQUASH",
        expectedHeadOid=head,
    )["mergePullRequest"]["pullRequest"]
    assert merged["merged"] and merged["closingIssuesReferences"]["nodes"][0]["state"] == "CLOSED"

    _run(
        state,
        "FinishLanding",
        issueId=issue["id"],
        removeLabelIds=[repo["agentLabel"]["id"]],
        comment=f"Landed in {merged['mergeCommit']['oid']}",
        refId=candidate["headRef"]["id"],
        close=False,
        relabel=True,
        addComment=True,
        deleteBranch=True,
    )
    final = _run(state, "LandCheck", owner="acme", name="api", issue=2)["repository"]["issue"]
    assert final["state"] == "CLOSED" and final["stateReason"] == "COMPLETED"
    assert [label["name"] for label in final["labels"]["nodes"]] == ["route:priority-high"]
    assert final["comments"]["nodes"][-1]["body"].startswith("Landed in ")
    assert state.refs_snapshot("acme", "api").keys() == {"refs/heads/main"}
