"""localhub GraphQL mutations on issues, labels, comments, repositories and refs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

ISSUE = """query($n: Int!) { repository(owner: "acme", name: "api") { issue(number: $n) {
  number title body state stateReason(enableDuplicate: true) closed closedAt
  author { login } labels(first: 10) { nodes { name } }
  comments(first: 10) { totalCount nodes { body author { login } url } } } } }"""
CREATE_REPO = """mutation($name: String!, $visibility: RepositoryVisibility!, $m: String) {
  createRepository(input: {name: $name, visibility: $visibility, clientMutationId: $m}) {
    clientMutationId
    repository { nameWithOwner isPrivate defaultBranchRef { name } owner { login } } } }"""
DEFAULT_BRANCH = """query($o: String!, $n: String!) {
  repository(owner: $o, name: $n) { defaultBranchRef { name target { oid } } } }"""
CREATE_ISSUE = """mutation($r: ID!, $t: String!, $b: String, $l: [ID!]) {
  createIssue(input: {repositoryId: $r, title: $t, body: $b, labelIds: $l}) {
    issue { number title body state author { login } url
            labels(first: 5) { nodes { name } } } } }"""
UPDATE_ISSUE = """mutation($i: ID!, $t: String, $b: String, $s: IssueState) {
  updateIssue(input: {id: $i, title: $t, body: $b, state: $s}) {
    issue { title body state stateReason } } }"""
CLOSE_ISSUE = """mutation($i: ID!, $r: IssueClosedStateReason) {
  closeIssue(input: {issueId: $i, stateReason: $r}) {
    issue { state stateReason closed closedAt } } }"""
REOPEN_ISSUE = "mutation($i: ID!) { reopenIssue(input: {issueId: $i}) { issue { state } } }"
CREATE_LABEL = """mutation($r: ID!, $n: String!, $c: String!) {
  createLabel(input: {repositoryId: $r, name: $n, color: $c, description: "agent state"}) {
    label { id name color description } } }"""
ADD_LABELS = """mutation($i: ID!, $l: [ID!]!) {
  addLabelsToLabelable(input: {labelableId: $i, labelIds: $l}) { clientMutationId } }"""
REMOVE_LABELS = """mutation($i: ID!, $l: [ID!]!) {
  removeLabelsFromLabelable(input: {labelableId: $i, labelIds: $l}) { clientMutationId } }"""
SWAP_LABELS = """mutation($i: ID!, $add: [ID!]!, $remove: [ID!]!) {
  addLabelsToLabelable(input: {labelableId: $i, labelIds: $add}) { clientMutationId }
  removeLabelsFromLabelable(input: {labelableId: $i, labelIds: $remove}) {
    labelable { ... on Issue { number labels(first: 10) { nodes { name } } } } } }"""
ADD_COMMENT = """mutation($i: ID!, $b: String!) {
  addComment(input: {subjectId: $i, body: $b}) {
    commentEdge { cursor node { id body url author { login } } }
    subject { id ... on Issue { number } } } }"""
LAST_COMMENT = """{ repository(owner: "acme", name: "api") {
  issue(number: 1) { comments(last: 1) { nodes { body } } } } }"""
CREATE_REF = """mutation($r: ID!, $n: String!, $o: GitObjectID!) {
  createRef(input: {repositoryId: $r, name: $n, oid: $o}) {
    ref { id name prefix target { oid } } } }"""
UPDATE_REF = """mutation($id: ID!, $o: GitObjectID!, $f: Boolean) {
  updateRef(input: {refId: $id, oid: $o, force: $f}) { ref { target { oid } } } }"""
DELETE_REF = "mutation($id: ID!) { deleteRef(input: {refId: $id}) { clientMutationId } }"
REF = """query($n: String!) { repository(owner: "acme", name: "api") {
  ref(qualifiedName: $n) { id } defaultBranchRef { target { oid } } } }"""


def _issue(state: LocalHubState, number: int) -> Any:
    return data(state, ISSUE, {"n": number})["repository"]["issue"]


def _repo(state: LocalHubState) -> str:
    state.create_repository("acme", "api")
    return repo_id(state, "acme", "api")


def test_create_repository_makes_an_empty_repository_for_the_viewer(state: LocalHubState) -> None:
    created = data(state, CREATE_REPO, {"name": "fresh", "visibility": "PRIVATE", "m": "m1"})
    assert created["createRepository"] == {
        "clientMutationId": "m1",
        "repository": {
            "nameWithOwner": "soda-dev/fresh",
            "isPrivate": True,
            "defaultBranchRef": None,
            "owner": {"login": "soda-dev"},
        },
    }
    assert state.bare_repo_path("soda-dev", "fresh") is not None
    (taken,) = errors(state, CREATE_REPO, {"name": "fresh", "visibility": "PUBLIC"})
    assert taken["type"] == "UNPROCESSABLE" and taken["path"] == ["createRepository"]


def test_first_push_to_an_empty_repository_becomes_its_default_branch(
    state: LocalHubState, tmp_path: Path, git_env: dict[str, str]
) -> None:
    data(state, CREATE_REPO, {"name": "fresh", "visibility": "PUBLIC"})
    checkout = Checkout(state, "soda-dev", "fresh", tmp_path / "work", git_env)
    checkout.git("switch", "-q", "-c", "trunk")
    oid = checkout.commit("a.txt", "a\n", "first")
    checkout.push("trunk")
    repo = data(state, DEFAULT_BRANCH, {"o": "soda-dev", "n": "fresh"})["repository"]
    assert repo["defaultBranchRef"] == {"name": "trunk", "target": {"oid": oid}}


def test_create_issue_with_labels_and_numbers_shared_with_the_helper(state: LocalHubState) -> None:
    repository = _repo(state)
    label = state.ensure_label("acme", "api", "route:ready")
    variables = {"r": repository, "t": "Do it", "b": "now", "l": [label]}
    assert data(state, CREATE_ISSUE, variables)["createIssue"]["issue"] == {
        "number": 1,
        "title": "Do it",
        "body": "now",
        "state": "OPEN",
        "author": {"login": "soda-dev"},
        "labels": {"nodes": [{"name": "route:ready"}]},
        "url": "http://127.0.0.1/acme/api/issues/1",
    }
    assert state.create_issue("acme", "api", "Second") == 2
    (blank,) = errors(state, CREATE_ISSUE, {"r": repository, "t": " "})
    assert blank["type"] == "UNPROCESSABLE" and blank["message"] == "Title can't be blank"


def test_update_issue_title_body_and_state(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Old", "old body")
    issue = node_id(state, "acme", "api", "issue", 1)
    variables = {"i": issue, "t": "New", "b": "new body", "s": "CLOSED"}
    assert data(state, UPDATE_ISSUE, variables)["updateIssue"]["issue"] == {
        "title": "New",
        "body": "new body",
        "state": "CLOSED",
        "stateReason": "COMPLETED",
    }
    reopened = data(state, UPDATE_ISSUE, {"i": issue, "s": "OPEN"})["updateIssue"]["issue"]
    assert (reopened["state"], reopened["stateReason"], reopened["title"]) == (
        "OPEN",
        "REOPENED",
        "New",
    )


def test_close_and_reopen_issue_with_state_reasons(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Nope")
    issue = node_id(state, "acme", "api", "issue", 1)
    closed = data(state, CLOSE_ISSUE, {"i": issue, "r": "NOT_PLANNED"})["closeIssue"]["issue"]
    assert closed == {
        "state": "CLOSED",
        "stateReason": "NOT_PLANNED",
        "closed": True,
        "closedAt": "2026-01-01T00:00:00Z",
    }
    data(state, REOPEN_ISSUE, {"i": issue})
    assert _issue(state, 1)["stateReason"] == "REOPENED" and _issue(state, 1)["closedAt"] is None
    data(state, CLOSE_ISSUE, {"i": issue, "r": "DUPLICATE"})
    plain = data(
        state, '{ repository(owner: "acme", name: "api") { issue(number: 1) { stateReason } } }'
    )
    assert plain["repository"]["issue"]["stateReason"] == "NOT_PLANNED"
    assert _issue(state, 1)["stateReason"] == "DUPLICATE"
    data(state, REOPEN_ISSUE, {"i": issue})
    assert (
        data(state, CLOSE_ISSUE, {"i": issue})["closeIssue"]["issue"]["stateReason"] == "COMPLETED"
    )


def test_create_label_and_refuse_a_duplicate_or_bad_colour(state: LocalHubState) -> None:
    repository = _repo(state)
    label = data(state, CREATE_LABEL, {"r": repository, "n": "agent001", "c": "1D76DB"})
    created = label["createLabel"]["label"]
    assert created["id"].startswith("LA_")
    assert (created["name"], created["color"], created["description"]) == (
        "agent001",
        "1d76db",
        "agent state",
    )
    (duplicate,) = errors(state, CREATE_LABEL, {"r": repository, "n": "AGENT001", "c": "ededed"})
    assert duplicate["type"] == "UNPROCESSABLE"
    assert duplicate["message"] == "Name has already been taken"
    (colour,) = errors(state, CREATE_LABEL, {"r": repository, "n": "other", "c": "#ededed"})
    assert colour["type"] == "UNPROCESSABLE"


def test_swap_labels_in_one_request_like_pop(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Work", labels=["route:ready"])
    issue = node_id(state, "acme", "api", "issue", 1)
    agent = state.ensure_label("acme", "api", "agent001")
    ready = state.ensure_label("acme", "api", "route:ready")
    swapped = data(state, SWAP_LABELS, {"i": issue, "add": [agent], "remove": [ready]})
    assert swapped["removeLabelsFromLabelable"]["labelable"] == {
        "number": 1,
        "labels": {"nodes": [{"name": "agent001"}]},
    }
    # Adding twice and removing an absent label are both harmless.
    data(state, ADD_LABELS, {"i": issue, "l": [agent]})
    data(state, REMOVE_LABELS, {"i": issue, "l": [ready]})
    assert _issue(state, 1)["labels"]["nodes"] == [{"name": "agent001"}]


def test_labels_from_another_repository_or_unknown_ids_are_refused(state: LocalHubState) -> None:
    _repo(state)
    state.create_repository("acme", "web")
    state.create_issue("acme", "api", "Work")
    foreign = state.ensure_label("acme", "web", "bug")
    issue = node_id(state, "acme", "api", "issue", 1)
    (other_repo,) = errors(state, ADD_LABELS, {"i": issue, "l": [foreign]})
    assert other_repo["type"] == "UNPROCESSABLE"
    (unknown,) = errors(state, ADD_LABELS, {"i": issue, "l": ["LA_bm9wZQ"]})
    assert unknown["type"] == "NOT_FOUND"


def test_add_comment_returns_the_edge_and_the_subject(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Talk")
    issue = node_id(state, "acme", "api", "issue", 1)
    added = data(state, ADD_COMMENT, {"i": issue, "b": "Landed in abc123"})["addComment"]
    node = added["commentEdge"]["node"]
    assert node["id"].startswith("IC_") and node["body"] == "Landed in abc123"
    assert node["url"].startswith("http://127.0.0.1/acme/api/issues/1#issuecomment-")
    assert added["subject"] == {"id": issue, "number": 1}
    comments = _issue(state, 1)["comments"]
    assert comments["totalCount"] == 1 and comments["nodes"][0]["author"] == {"login": "soda-dev"}
    last = data(state, LAST_COMMENT)["repository"]["issue"]["comments"]["nodes"]
    assert last == [{"body": "Landed in abc123"}]
    (blank,) = errors(state, ADD_COMMENT, {"i": issue, "b": "  "})
    assert blank["type"] == "UNPROCESSABLE"


def test_refs_create_update_and_delete(
    state: LocalHubState, tmp_path: Path, git_env: dict[str, str]
) -> None:
    repository = _repo(state)
    checkout = Checkout(state, "acme", "api", tmp_path / "work", git_env)
    base = checkout.git("rev-parse", "HEAD")
    variables = {"r": repository, "n": "refs/heads/agent001/1-work", "o": base}
    created = data(state, CREATE_REF, variables)["createRef"]["ref"]
    assert (created["name"], created["prefix"]) == ("agent001/1-work", "refs/heads/")
    assert created["target"]["oid"] == base
    checkout.branch("agent001/1-work")
    ahead = checkout.commit("work.txt", "work\n", "Work")
    checkout.push("agent001/1-work")
    checkout.branch("side", start=base)
    side = checkout.commit("side.txt", "side\n", "Side")
    checkout.push("side")

    def move(oid: str, force: bool) -> Any:
        return data(state, UPDATE_REF, {"id": created["id"], "o": oid, "f": force})

    (not_ff,) = errors(state, UPDATE_REF, {"id": created["id"], "o": side, "f": False})
    assert not_ff["type"] == "UNPROCESSABLE" and not_ff["message"] == "Update is not a fast forward"
    assert move(side, True)["updateRef"]["ref"]["target"]["oid"] == side
    assert move(base, True)["updateRef"]["ref"]["target"]["oid"] == base
    assert move(ahead, False)["updateRef"]["ref"]["target"]["oid"] == ahead
    data(state, DELETE_REF, {"id": created["id"]})
    assert data(state, REF, {"n": "refs/heads/agent001/1-work"})["repository"]["ref"] is None
    (again,) = errors(state, DELETE_REF, {"id": created["id"]})
    assert again["type"] == "NOT_FOUND"


def test_create_ref_refusals(state: LocalHubState) -> None:
    repository = _repo(state)
    oid = data(state, REF, {"n": "main"})["repository"]["defaultBranchRef"]["target"]["oid"]
    for name, value in [
        ("main", oid),
        ("refs/heads/main", oid),
        ("refs/heads/x", "0" * 40),
        ("refs/heads/a..b", oid),
    ]:
        (refused,) = errors(state, CREATE_REF, {"r": repository, "n": name, "o": value})
        assert refused["type"] == "UNPROCESSABLE", name
    tag = call(state, CREATE_REF, {"r": repository, "n": "refs/tags/v1", "o": oid})
    assert tag["data"]["createRef"]["ref"]["prefix"] == "refs/tags/"


def test_mutation_on_the_wrong_kind_of_node_is_not_found(state: LocalHubState) -> None:
    repository = _repo(state)
    (wrong,) = errors(state, CLOSE_ISSUE, {"i": repository})
    assert wrong["type"] == "NOT_FOUND" and repository in wrong["message"]
