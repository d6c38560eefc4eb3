"""localhub GraphQL mutations on issues, labels, comments, repositories and refs."""

from __future__ import annotations

from pathlib import Path

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


def _issue(state: LocalHubState, number: int) -> dict:
    return data(state, ISSUE, {"n": number})["repository"]["issue"]  # type: ignore[no-any-return]


def _repo(state: LocalHubState) -> str:
    state.create_repository("acme", "api")
    return repo_id(state, "acme", "api")


def test_create_repository_makes_an_empty_repository_for_the_viewer(state: LocalHubState) -> None:
    created = data(
        state,
        """mutation { createRepository(input: {name: "fresh", visibility: PRIVATE, clientMutationId: "m1"}) {
             clientMutationId repository { nameWithOwner isPrivate defaultBranchRef { name } owner { login } } } }""",
    )["createRepository"]
    assert created == {
        "clientMutationId": "m1",
        "repository": {
            "nameWithOwner": "soda-dev/fresh",
            "isPrivate": True,
            "defaultBranchRef": None,
            "owner": {"login": "soda-dev"},
        },
    }
    assert state.bare_repo_path("soda-dev", "fresh") is not None
    (taken,) = errors(state, 'mutation { createRepository(input: {name: "fresh", visibility: PUBLIC}) { clientMutationId } }')
    assert taken["type"] == "UNPROCESSABLE" and taken["path"] == ["createRepository"]


def test_first_push_to_an_empty_repository_becomes_its_default_branch(
    state: LocalHubState, tmp_path: Path, git_env: dict[str, str]
) -> None:
    data(state, 'mutation { createRepository(input: {name: "fresh", visibility: PUBLIC}) { clientMutationId } }')
    checkout = Checkout(state, "soda-dev", "fresh", tmp_path / "work", git_env)
    checkout.git("switch", "-q", "-c", "trunk")
    oid = checkout.commit("a.txt", "a\n", "first")
    checkout.push("trunk")
    repo = data(state, '{ repository(owner: "soda-dev", name: "fresh") { defaultBranchRef { name target { oid } } } }')
    assert repo["repository"]["defaultBranchRef"] == {"name": "trunk", "target": {"oid": oid}}


def test_create_issue_with_labels_and_issue_numbers_shared_with_pull_requests(state: LocalHubState) -> None:
    repository = _repo(state)
    label = state.ensure_label("acme", "api", "route:ready")
    created = data(
        state,
        """mutation($r: ID!, $l: [ID!]) { createIssue(input: {repositoryId: $r, title: "Do it", body: "now", labelIds: $l}) {
             issue { number title body state author { login } labels(first: 5) { nodes { name } } url } } }""",
        {"r": repository, "l": [label]},
    )["createIssue"]["issue"]
    assert created == {
        "number": 1,
        "title": "Do it",
        "body": "now",
        "state": "OPEN",
        "author": {"login": "soda-dev"},
        "labels": {"nodes": [{"name": "route:ready"}]},
        "url": "http://127.0.0.1/acme/api/issues/1",
    }
    assert state.create_issue("acme", "api", "Second") == 2
    (blank,) = errors(state, 'mutation($r: ID!) { createIssue(input: {repositoryId: $r, title: " "}) { issue { id } } }', {"r": repository})
    assert blank["type"] == "UNPROCESSABLE" and blank["message"] == "Title can't be blank"


def test_update_issue_title_body_and_state(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Old", "old body")
    issue = node_id(state, "acme", "api", "issue", 1)
    updated = data(
        state,
        """mutation($i: ID!) { updateIssue(input: {id: $i, title: "New", body: "new body", state: CLOSED}) {
             issue { title body state stateReason } } }""",
        {"i": issue},
    )["updateIssue"]["issue"]
    assert updated == {"title": "New", "body": "new body", "state": "CLOSED", "stateReason": "COMPLETED"}
    reopened = data(state, "mutation($i: ID!) { updateIssue(input: {id: $i, state: OPEN}) { issue { state stateReason } } }", {"i": issue})
    assert reopened["updateIssue"]["issue"] == {"state": "OPEN", "stateReason": "REOPENED"}


def test_close_and_reopen_issue_with_state_reasons(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Nope")
    issue = node_id(state, "acme", "api", "issue", 1)
    closed = data(
        state,
        "mutation($i: ID!) { closeIssue(input: {issueId: $i, stateReason: NOT_PLANNED}) { issue { state stateReason closed closedAt } } }",
        {"i": issue},
    )["closeIssue"]["issue"]
    assert closed == {"state": "CLOSED", "stateReason": "NOT_PLANNED", "closed": True, "closedAt": "2026-01-01T00:00:00Z"}
    data(state, "mutation($i: ID!) { reopenIssue(input: {issueId: $i}) { issue { state } } }", {"i": issue})
    assert _issue(state, 1)["stateReason"] == "REOPENED" and _issue(state, 1)["closedAt"] is None
    data(state, "mutation($i: ID!) { closeIssue(input: {issueId: $i, stateReason: DUPLICATE}) { clientMutationId } }", {"i": issue})
    plain = data(state, '{ repository(owner: "acme", name: "api") { issue(number: 1) { stateReason } } }')
    assert plain["repository"]["issue"]["stateReason"] == "NOT_PLANNED"
    assert _issue(state, 1)["stateReason"] == "DUPLICATE"


def test_create_label_and_refuse_a_duplicate_or_bad_colour(state: LocalHubState) -> None:
    repository = _repo(state)
    mutation = """mutation($r: ID!, $n: String!, $c: String!) {
      createLabel(input: {repositoryId: $r, name: $n, color: $c, description: "agent state"}) { label { id name color description } } }"""
    label = data(state, mutation, {"r": repository, "n": "agent001", "c": "1D76DB"})["createLabel"]["label"]
    assert label["id"].startswith("LA_")
    assert (label["name"], label["color"], label["description"]) == ("agent001", "1d76db", "agent state")
    (duplicate,) = errors(state, mutation, {"r": repository, "n": "AGENT001", "c": "ededed"})
    assert duplicate["type"] == "UNPROCESSABLE" and duplicate["message"] == "Name has already been taken"
    (colour,) = errors(state, mutation, {"r": repository, "n": "other", "c": "#ededed"})
    assert colour["type"] == "UNPROCESSABLE"


def test_swap_labels_in_one_request_like_pop(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Work", labels=["route:ready"])
    issue = node_id(state, "acme", "api", "issue", 1)
    agent = state.ensure_label("acme", "api", "agent001")
    ready = state.ensure_label("acme", "api", "route:ready")
    swapped = data(
        state,
        """mutation($i: ID!, $add: [ID!]!, $remove: [ID!]!) {
          addLabelsToLabelable(input: {labelableId: $i, labelIds: $add}) { clientMutationId }
          removeLabelsFromLabelable(input: {labelableId: $i, labelIds: $remove}) {
            labelable { ... on Issue { number labels(first: 10) { nodes { name } } } } } }""",
        {"i": issue, "add": [agent], "remove": [ready]},
    )
    assert swapped["removeLabelsFromLabelable"]["labelable"] == {"number": 1, "labels": {"nodes": [{"name": "agent001"}]}}
    # Adding twice and removing an absent label are both harmless.
    data(state, "mutation($i: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $i, labelIds: $l}) { clientMutationId } }", {"i": issue, "l": [agent]})
    data(state, "mutation($i: ID!, $l: [ID!]!) { removeLabelsFromLabelable(input: {labelableId: $i, labelIds: $l}) { clientMutationId } }", {"i": issue, "l": [ready]})
    assert _issue(state, 1)["labels"]["nodes"] == [{"name": "agent001"}]


def test_labels_from_another_repository_or_unknown_ids_are_refused(state: LocalHubState) -> None:
    _repo(state)
    state.create_repository("acme", "web")
    state.create_issue("acme", "api", "Work")
    foreign = state.ensure_label("acme", "web", "bug")
    issue = node_id(state, "acme", "api", "issue", 1)
    mutation = "mutation($i: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $i, labelIds: $l}) { clientMutationId } }"
    (other_repo,) = errors(state, mutation, {"i": issue, "l": [foreign]})
    assert other_repo["type"] == "UNPROCESSABLE"
    (unknown,) = errors(state, mutation, {"i": issue, "l": ["LA_bm9wZQ"]})
    assert unknown["type"] == "NOT_FOUND"


def test_add_comment_returns_the_edge_and_the_subject(state: LocalHubState) -> None:
    _repo(state)
    state.create_issue("acme", "api", "Talk")
    issue = node_id(state, "acme", "api", "issue", 1)
    added = data(
        state,
        """mutation($i: ID!) { addComment(input: {subjectId: $i, body: "Landed in abc123"}) {
             commentEdge { cursor node { id body url author { login } } } subject { id ... on Issue { number } } } }""",
        {"i": issue},
    )["addComment"]
    node = added["commentEdge"]["node"]
    assert node["id"].startswith("IC_") and node["body"] == "Landed in abc123"
    assert node["url"].startswith("http://127.0.0.1/acme/api/issues/1#issuecomment-")
    assert added["subject"] == {"id": issue, "number": 1}
    comments = _issue(state, 1)["comments"]
    assert comments["totalCount"] == 1 and comments["nodes"][0]["author"] == {"login": "soda-dev"}
    last = data(state, '{ repository(owner: "acme", name: "api") { issue(number: 1) { comments(last: 1) { nodes { body } } } } }')
    assert last["repository"]["issue"]["comments"]["nodes"] == [{"body": "Landed in abc123"}]


def test_refs_create_update_and_delete(state: LocalHubState, tmp_path: Path, git_env: dict[str, str]) -> None:
    repository = _repo(state)
    checkout = Checkout(state, "acme", "api", tmp_path / "work", git_env)
    base = checkout.git("rev-parse", "HEAD")
    created = data(
        state,
        """mutation($r: ID!, $o: GitObjectID!) { createRef(input: {repositoryId: $r, name: "refs/heads/agent001/1-work", oid: $o}) {
             ref { id name prefix target { oid } } } }""",
        {"r": repository, "o": base},
    )["createRef"]["ref"]
    assert (created["name"], created["prefix"], created["target"]["oid"]) == ("agent001/1-work", "refs/heads/", base)
    checkout.branch("agent001/1-work")
    ahead = checkout.commit("work.txt", "work\n", "Work")
    checkout.push("agent001/1-work")
    checkout.branch("side", start=base)
    side = checkout.commit("side.txt", "side\n", "Side")
    checkout.push("side")
    update = "mutation($id: ID!, $o: GitObjectID!, $f: Boolean) { updateRef(input: {refId: $id, oid: $o, force: $f}) { ref { target { oid } } } }"
    (not_ff,) = errors(state, update, {"id": created["id"], "o": side, "f": False})
    assert not_ff["type"] == "UNPROCESSABLE" and not_ff["message"] == "Update is not a fast forward"
    forced = data(state, update, {"id": created["id"], "o": side, "f": True})
    assert forced["updateRef"]["ref"]["target"]["oid"] == side
    rewound = data(state, update, {"id": created["id"], "o": base, "f": True})
    assert rewound["updateRef"]["ref"]["target"]["oid"] == base
    assert data(state, update, {"id": created["id"], "o": ahead, "f": False})["updateRef"]["ref"]["target"]["oid"] == ahead
    data(state, "mutation($id: ID!) { deleteRef(input: {refId: $id}) { clientMutationId } }", {"id": created["id"]})
    gone = data(state, '{ repository(owner: "acme", name: "api") { ref(qualifiedName: "refs/heads/agent001/1-work") { id } } }')
    assert gone["repository"]["ref"] is None
    (again,) = errors(state, "mutation($id: ID!) { deleteRef(input: {refId: $id}) { clientMutationId } }", {"id": created["id"]})
    assert again["type"] == "NOT_FOUND"


def test_create_ref_refusals(state: LocalHubState) -> None:
    repository = _repo(state)
    head = data(state, '{ repository(owner: "acme", name: "api") { defaultBranchRef { target { oid } } } }')
    oid = head["repository"]["defaultBranchRef"]["target"]["oid"]
    mutation = "mutation($r: ID!, $n: String!, $o: GitObjectID!) { createRef(input: {repositoryId: $r, name: $n, oid: $o}) { ref { id } } }"
    for name, value in [("main", oid), ("refs/heads/main", oid), ("refs/heads/x", "0" * 40), ("refs/heads/a..b", oid)]:
        (refused,) = errors(state, mutation, {"r": repository, "n": name, "o": value})
        assert refused["type"] == "UNPROCESSABLE", name
    assert call(state, mutation, {"r": repository, "n": "refs/tags/v1", "o": oid})["data"]["createRef"]["ref"]["id"]


def test_mutation_on_the_wrong_kind_of_node_is_not_found(state: LocalHubState) -> None:
    repository = _repo(state)
    (wrong,) = errors(state, "mutation($i: ID!) { closeIssue(input: {issueId: $i}) { clientMutationId } }", {"i": repository})
    assert wrong["type"] == "NOT_FOUND" and repository in wrong["message"]
