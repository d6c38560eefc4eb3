"""localhub GraphQL reads: pagination, ordering, label filters, search, nodes, refs and errors."""

from __future__ import annotations

from typing import Any

from test_localhub_graphql_support import (  # noqa: F401
    call,
    clock_fixture,
    data,
    errors,
    node_id,
    seed_issues,
    state_fixture,
)

from soda_tui.core.clock import FakeClock
from soda_tui.localhub.models import IssueSpec
from soda_tui.localhub.state import LocalHubState
from tests.github_schema import MISSING_REASON, load_github_schema, validate_against_github

ISSUES = """
query Issues($first: Int, $last: Int, $after: String, $before: String, $labels: [String!],
             $states: [IssueState!], $order: IssueOrder) {
  repository(owner: "acme", name: "api") {
    issues(first: $first, last: $last, after: $after, before: $before, labels: $labels,
           states: $states, orderBy: $order) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { number } }
      nodes { number title }
    }
  }
}
"""


def _issues(state: LocalHubState, **variables: Any) -> dict[str, Any]:
    return data(state, ISSUES, variables)["repository"]["issues"]


def _numbers(connection: dict[str, Any]) -> list[int]:
    return [node["number"] for node in connection["nodes"]]


def test_forward_pagination_with_cursors_visits_every_issue_once(state: LocalHubState) -> None:
    seed_issues(state)
    first = _issues(state, first=3)
    assert _numbers(first) == [1, 2, 3] and first["totalCount"] == 7
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert [edge["node"]["number"] for edge in first["edges"]] == [1, 2, 3]
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = _issues(state, first=3, after=first["pageInfo"]["endCursor"])
    assert _numbers(second) == [4, 5, 6] and second["pageInfo"]["hasPreviousPage"]
    third = _issues(state, first=3, after=second["pageInfo"]["endCursor"])
    assert _numbers(third) == [7] and not third["pageInfo"]["hasNextPage"]


def test_backward_pagination_with_last_and_before(state: LocalHubState) -> None:
    seed_issues(state)
    tail = _issues(state, last=2)
    assert _numbers(tail) == [6, 7]
    assert tail["pageInfo"]["hasPreviousPage"] and not tail["pageInfo"]["hasNextPage"]
    earlier = _issues(state, last=2, before=tail["pageInfo"]["startCursor"])
    assert _numbers(earlier) == [4, 5] and earlier["pageInfo"]["hasNextPage"]


def test_order_by_created_at_desc_updated_at_and_comments(
    state: LocalHubState, clock: FakeClock
) -> None:
    seed_issues(state)
    assert _numbers(
        _issues(state, first=3, order={"field": "CREATED_AT", "direction": "DESC"})
    ) == [7, 6, 5]
    # Seeded issues were created on Jan 1-7; a comment after them makes issue 2 the latest update.
    clock.advance(10 * 24 * 3600)
    issue_two = node_id(state, "acme", "api", "issue", 2)
    data(
        state,
        """mutation($s: ID!) {
          addComment(input: {subjectId: $s, body: "bump"}) { clientMutationId } }""",
        {"s": issue_two},
    )
    by_update = _issues(state, first=2, order={"field": "UPDATED_AT", "direction": "DESC"})
    assert _numbers(by_update)[0] == 2
    by_comments = _issues(state, first=1, order={"field": "COMMENTS", "direction": "DESC"})
    assert _numbers(by_comments) == [2]


def test_labels_argument_matches_any_of_the_labels(state: LocalHubState) -> None:
    seed_issues(state)
    assert _numbers(_issues(state, first=10, labels=["ready"])) == [1, 3, 4, 6, 7]
    assert _numbers(_issues(state, first=10, labels=["ready", "blocked"])) == [1, 2, 3, 4, 5, 6, 7]
    assert _numbers(_issues(state, first=10, labels=["BLOCKED"])) == [2, 3, 5, 6]
    assert _issues(state, first=10, labels=["nonexistent"])["totalCount"] == 0


def test_states_filter_and_filter_by(state: LocalHubState) -> None:
    seed_issues(state)
    issue_one = node_id(state, "acme", "api", "issue", 1)
    data(
        state,
        "mutation($i: ID!) { closeIssue(input: {issueId: $i}) { issue { state } } }",
        {"i": issue_one},
    )
    assert _issues(state, first=10, states=["OPEN"])["totalCount"] == 6
    assert _numbers(_issues(state, first=10, states=["CLOSED"])) == [1]
    filtered = data(
        state,
        """{ repository(owner: "acme", name: "api") {
              issues(first: 10, filterBy: {labels: ["blocked"], states: [OPEN]}) {
                nodes { number } } } }""",
    )
    assert _numbers(filtered["repository"]["issues"]) == [2, 3, 5, 6]


def test_keyset_cursors_survive_items_leaving_the_filter(state: LocalHubState) -> None:
    seed_issues(state)
    first = _issues(state, first=2, labels=["ready"])
    assert _numbers(first) == [1, 3]
    # Taking `ready` off a listed issue (what pop does) must not shift the next page.
    ready = state.ensure_label("acme", "api", "ready")
    issue_one = node_id(state, "acme", "api", "issue", 1)
    data(
        state,
        """mutation($i: ID!, $l: [ID!]!) {
          removeLabelsFromLabelable(input: {labelableId: $i, labelIds: $l}) {
            clientMutationId } }""",
        {"i": issue_one, "l": [ready]},
    )
    second = _issues(state, first=2, labels=["ready"], after=first["pageInfo"]["endCursor"])
    assert _numbers(second) == [4, 6]


def test_invalid_cursor_is_a_github_error(state: LocalHubState) -> None:
    seed_issues(state)
    (error,) = errors(state, ISSUES, {"first": 2, "after": "bogus"})
    assert error["type"] == "INVALID_CURSOR_ARGUMENTS"
    assert error["message"] == "`bogus` does not appear to be a valid cursor."


def test_first_page_of_ten_thousand_issues_reads_one_page(state: LocalHubState) -> None:
    state.create_repository("acme", "big")
    state.create_issues_bulk(
        "acme",
        "big",
        [
            IssueSpec(title=f"Task {n}", labels=("route:ready",) if n % 2 else ())
            for n in range(10_000)
        ],
    )
    before = state.rows_fetched
    result = data(
        state,
        """{ repository(owner: "acme", name: "big") {
              issues(first: 100, states: [OPEN], labels: ["route:ready"]) {
                totalCount nodes { number } } } }""",
    )["repository"]["issues"]
    assert result["totalCount"] == 5_000
    assert [node["number"] for node in result["nodes"]] == list(range(2, 201, 2))
    # One page of rows plus a few lookups, never the table.
    assert state.rows_fetched - before < 300


def test_node_and_nodes_resolve_every_kind_of_id(state: LocalHubState) -> None:
    seed_issues(state)
    ids = data(
        state,
        """{ viewer { id login } repository(owner: "acme", name: "api") { id
              label(name: "ready") { id } issue(number: 1) { id }
              defaultBranchRef { id target { id oid } } } }""",
    )
    repo = ids["repository"]
    wanted = {
        repo["id"]: "Repository",
        repo["label"]["id"]: "Label",
        repo["issue"]["id"]: "Issue",
        repo["defaultBranchRef"]["id"]: "Ref",
        repo["defaultBranchRef"]["target"]["id"]: "Commit",
        ids["viewer"]["id"]: "User",
    }
    found = data(
        state, "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": list(wanted)}
    )
    assert [(node["__typename"], node["id"]) for node in found["nodes"]] == [
        (kind, key) for key, kind in wanted.items()
    ]
    assert repo["id"].startswith("R_") and repo["issue"]["id"].startswith("I_")
    assert repo["label"]["id"].startswith("LA_") and ids["viewer"]["id"].startswith("U_")
    body = call(
        state, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [repo["id"], "I_nope"]}
    )
    assert body["data"]["nodes"] == [{"id": repo["id"]}, None]
    assert body["errors"][0]["type"] == "NOT_FOUND" and body["errors"][0]["path"] == ["nodes", 1]


def test_not_found_errors_have_githubs_shape(state: LocalHubState) -> None:
    seed_issues(state)
    body = call(state, '{ repository(owner: "acme", name: "nope") { id } }')
    assert body == {
        "data": {"repository": None},
        "errors": [
            {
                "type": "NOT_FOUND",
                "path": ["repository"],
                "locations": [{"line": 1, "column": 3}],
                "message": "Could not resolve to a Repository with the name 'acme/nope'.",
            }
        ],
    }
    (missing,) = errors(
        state, '{ repository(owner: "acme", name: "api") { issue(number: 99) { id } } }'
    )
    assert missing["message"] == "Could not resolve to an Issue with the number of 99."
    (bad_node,) = errors(state, '{ node(id: "garbage") { id } }')
    assert bad_node["type"] == "NOT_FOUND"


def test_connections_without_first_or_last_are_refused_like_github(state: LocalHubState) -> None:
    seed_issues(state)
    (missing,) = errors(
        state, '{ repository(owner: "acme", name: "api") { issues { totalCount } } }'
    )
    assert missing["type"] == "MISSING_PAGINATION_BOUNDARIES"
    assert missing["message"] == (
        "You must provide a `first` or `last` value to properly paginate the `issues` connection."
    )
    (too_many,) = errors(state, ISSUES, {"first": 101})
    assert too_many["type"] == "EXCESSIVE_PAGINATION"
    (nested,) = errors(
        state,
        '{ repository(owner: "acme", name: "api") { issue(number: 1) { labels { totalCount } } } }',
    )
    assert nested["type"] == "MISSING_PAGINATION_BOUNDARIES" and "`labels`" in nested["message"]
    assert call(state, ISSUES, {"first": 101}).get("data") is None


def test_fields_github_has_but_localhub_does_not_fail_validation(state: LocalHubState) -> None:
    seed_issues(state)
    query = (
        '{ repository(owner: "acme", name: "api") { issue(number: 1) { milestone { title } } } }'
    )
    if load_github_schema() is not None:
        assert validate_against_github(query) == []
    (error,) = errors(state, query)
    assert "milestone" in error["message"] and "data" not in call(state, query)
    (made_up,) = errors(state, "{ viewer { loginCount } }")
    assert "loginCount" in made_up["message"]


def test_github_example_operation_runs_on_localhub(state: LocalHubState) -> None:
    query = """query IssueAndLabelIds($owner: String!, $name: String!, $number: Int!,
                                      $label: String!) {
      repository(owner: $owner, name: $name) {
        id
        label(name: $label) { id name }
        issue(number: $number) {
          id state stateReason(enableDuplicate: true)
          labels(first: 50) { nodes { id name } }
          closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {
            nodes { number state } }
        }
      }
    }"""
    if load_github_schema() is None:
        print(MISSING_REASON)
    else:
        assert validate_against_github(query) == []
    seed_issues(state)
    result = data(state, query, {"owner": "acme", "name": "api", "number": 3, "label": "ready"})
    issue = result["repository"]["issue"]
    assert issue["state"] == "OPEN" and issue["stateReason"] is None
    assert [label["name"] for label in issue["labels"]["nodes"]] == ["ready", "blocked"]
    assert issue["closedByPullRequestsReferences"]["nodes"] == []


def test_labels_connection_with_query_and_order(state: LocalHubState) -> None:
    seed_issues(state)
    state.ensure_label("acme", "api", "route:review", "0e8a16", "bottled")
    labels = data(
        state,
        """{ repository(owner: "acme", name: "api") {
              all: labels(first: 10, orderBy: {field: NAME, direction: ASC}) {
                totalCount nodes { name } }
              matching: labels(first: 10, query: "route") {
                nodes { name color description } } } }""",
    )["repository"]
    assert [label["name"] for label in labels["all"]["nodes"]] == [
        "blocked",
        "ready",
        "route:review",
    ]
    assert labels["matching"]["nodes"] == [
        {"name": "route:review", "color": "0e8a16", "description": "bottled"}
    ]
