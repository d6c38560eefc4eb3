"""localhub issue search and git refs through GraphQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from test_localhub_graphql_support import (  # noqa: F401
    Checkout,
    clock_fixture,
    data,
    errors,
    seed_issues,
    state_fixture,
)

from soda_tui.localhub.state import LocalHubState

SEARCH = """query($q: String!, $after: String) {
  search(query: $q, type: ISSUE, first: 10, after: $after) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ... on Issue { number } ... on PullRequest { number } }
  }
}"""


def _search(state: LocalHubState, query: str) -> list[int]:
    return [node["number"] for node in data(state, SEARCH, {"q": query})["search"]["nodes"]]


def test_search_qualifiers(state: LocalHubState) -> None:
    seed_issues(state)
    state.create_issue("acme", "api", "Crash on start", labels=["needs review"])
    state.create_repository("acme", "web")
    state.create_issue("acme", "web", "Elsewhere", labels=["ready"])
    repo = "repo:acme/api is:issue is:open"
    assert _search(state, f"{repo} label:ready label:blocked sort:created-asc") == [3, 6]
    assert _search(state, f"{repo} label:ready -label:blocked sort:created-asc") == [1, 4, 7]
    assert _search(state, f'{repo} label:"needs review"') == [8]
    assert _search(state, f"{repo} label:ready") == [7, 6, 4, 3, 1]
    assert _search(state, f"{repo} no:label") == []
    assert _search(state, f"{repo} crash") == [8]
    # Without repo: every repository; acme/web#1 ties with acme/api#1 on time, then id decides.
    assert _search(state, "is:issue label:ready sort:created-asc") == [1, 1, 3, 4, 6, 7]
    counted = data(state, SEARCH, {"q": f"{repo} label:blocked"})["search"]
    assert counted["issueCount"] == 4


def test_search_paginates_and_reports_unknown_repositories(state: LocalHubState) -> None:
    seed_issues(state)
    page = data(
        state, SEARCH.replace("first: 10", "first: 4"), {"q": "repo:acme/api sort:created-asc"}
    )["search"]
    assert [node["number"] for node in page["nodes"]] == [1, 2, 3, 4] and page["pageInfo"][
        "hasNextPage"
    ]
    rest = data(
        state,
        SEARCH.replace("first: 10", "first: 4"),
        {"q": "repo:acme/api sort:created-asc", "after": page["pageInfo"]["endCursor"]},
    )["search"]
    assert [node["number"] for node in rest["nodes"]] == [5, 6, 7]
    (error,) = errors(state, SEARCH, {"q": "repo:acme/missing"})
    assert error["type"] == "INVALID" and error["path"] == ["search"]
    (unsupported,) = errors(state, SEARCH, {"q": "repo:acme/api assignee:bob"})
    assert "assignee" in unsupported["message"]


def _make_branches(state: LocalHubState, count: int) -> str:
    bare = state.bare_repo_path("acme", "api")
    assert bare is not None
    head = subprocess.run(
        ["git", "--git-dir", str(bare), "rev-parse", "refs/heads/main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    commands = "".join(f"create refs/heads/agent001/{n:04d}-task {head}\n" for n in range(count))
    subprocess.run(
        ["git", "--git-dir", str(bare), "update-ref", "--stdin"],
        input=commands,
        text=True,
        check=True,
    )
    return head


def test_refs_paginate_through_a_thousand_branches(state: LocalHubState) -> None:
    seed_issues(state)
    head = _make_branches(state, 1000)
    query = """query($after: String) { repository(owner: "acme", name: "api") {
      refs(refPrefix: "refs/heads/agent001/", first: 100, after: $after,
           orderBy: {field: ALPHABETICAL, direction: ASC}) {
        totalCount pageInfo { hasNextPage endCursor } nodes { name prefix target { oid } } } } }"""
    names: list[str] = []
    after = None
    for _ in range(11):
        refs = data(state, query, {"after": after})["repository"]["refs"]
        assert refs["totalCount"] == 1000
        names += [node["name"] for node in refs["nodes"]]
        assert all(
            node["prefix"] == "refs/heads/agent001/" and node["target"]["oid"] == head
            for node in refs["nodes"]
        )
        if not refs["pageInfo"]["hasNextPage"]:
            break
        after = refs["pageInfo"]["endCursor"]
    assert names == [f"{n:04d}-task" for n in range(1000)]


def test_ref_lookup_and_descending_order(state: LocalHubState) -> None:
    seed_issues(state)
    _make_branches(state, 3)
    repo = data(
        state,
        """{ repository(owner: "acme", name: "api") {
              short: ref(qualifiedName: "main") { name prefix }
              full: ref(qualifiedName: "refs/heads/agent001/0001-task") { name prefix }
              missing: ref(qualifiedName: "nope") { name }
              refs(refPrefix: "refs/heads/", last: 2,
                   orderBy: {field: ALPHABETICAL, direction: DESC}) { nodes { name } } } }""",
    )["repository"]
    assert repo["short"] == {"name": "main", "prefix": "refs/heads/"}
    assert repo["full"] == {"name": "agent001/0001-task", "prefix": "refs/heads/"}
    assert repo["missing"] is None
    assert [node["name"] for node in repo["refs"]["nodes"]] == [
        "agent001/0001-task",
        "agent001/0000-task",
    ]


def test_tags_order_by_commit_date_and_annotated_tags_are_refused(
    state: LocalHubState, tmp_path: Path, git_env: dict[str, str]
) -> None:
    seed_issues(state)
    checkout = Checkout(state, "acme", "api", tmp_path / "work", git_env)
    for tag, stamp in (("newer", "2021-06-01T00:00:00Z"), ("older", "2020-06-01T00:00:00Z")):
        checkout.env = {**git_env, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}
        checkout.commit(f"{tag}.txt", tag, f"Commit for {tag}")
        checkout.git("tag", tag)
    checkout.push("--tags")
    query = """query($d: OrderDirection!) { repository(owner: "acme", name: "api") {
      refs(refPrefix: "refs/tags/", first: 10, orderBy: {field: TAG_COMMIT_DATE, direction: $d}) {
        nodes { name target { ... on Commit { committedDate } } } } } }"""
    ascending = data(state, query, {"d": "ASC"})["repository"]["refs"]["nodes"]
    assert [node["name"] for node in ascending] == ["older", "newer"]
    assert ascending[0]["target"]["committedDate"] == "2020-06-01T00:00:00Z"
    descending = data(state, query, {"d": "DESC"})["repository"]["refs"]["nodes"]
    assert [node["name"] for node in descending] == ["newer", "older"]
    checkout.git("tag", "-a", "v1", "-m", "Release 1")
    checkout.push("v1")
    annotated = '{ repository(owner: "acme", name: "api") { ref(qualifiedName: "v1") { id } } }'
    assert data(state, annotated)["repository"]["ref"]["id"].startswith("REF_")
    (refused,) = errors(state, annotated.replace("{ id }", "{ target { oid } }"))
    assert "annotated tag" in refused["message"]
