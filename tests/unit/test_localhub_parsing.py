"""Pure parts of localhub: closing keywords, search syntax, node ids, cursors, cost."""

from __future__ import annotations

import graphql
import pytest

from soda_tui.localhub.closing import IssueReference, closing_references
from soda_tui.localhub.cost import analyze
from soda_tui.localhub.executor import load_schema
from soda_tui.localhub.ids import decode_node_id, encode_node_id
from soda_tui.localhub.models import HubUnprocessable, LocalHubError
from soda_tui.localhub.pagination import decode_cursor, encode_cursor
from soda_tui.localhub.resolvers_base import snake_case
from soda_tui.localhub.search_query import parse_search


@pytest.mark.parametrize(
    "keyword",
    ["close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"],
)
def test_each_closing_keyword_in_any_case_references_the_issue(keyword: str) -> None:
    assert closing_references(f"{keyword.upper()} #12") == [IssueReference(None, None, 12)]
    assert closing_references(f"This {keyword} #7.") == [IssueReference(None, None, 7)]


def test_closing_references_cover_other_repositories_colons_and_duplicates() -> None:
    text = "Fixes #1, fixes acme/web#2\nResolved: #3 and closes #1 again"
    assert closing_references(text) == [
        IssueReference(None, None, 1),
        IssueReference("acme", "web", 2),
        IssueReference(None, None, 3),
    ]


@pytest.mark.parametrize("text", ["See #4", "prefixes #4", "fixes#4", "fix issue 4", "Fixes #x"])
def test_text_without_a_closing_keyword_references_nothing(text: str) -> None:
    assert closing_references(text) == []


def test_search_parses_every_supported_qualifier() -> None:
    search = parse_search(
        'repo:acme/api is:open is:issue label:route:ready label:"needs review" '
        '-label:agent001 author:alice sort:created-asc crash "hard stop"'
    )
    assert search.repositories == [("acme", "api")]
    assert search.states == {"OPEN"} and search.kinds == {"issue"}
    assert search.label_groups == [["route:ready"], ["needs review"]]
    assert search.excluded_labels == ["agent001"]
    assert search.authors == ["alice"]
    assert (search.sort_column, search.descending) == ("created_at", False)
    assert search.words == ["crash", "hard", "stop"]


def test_search_defaults_to_newest_first_and_reads_comma_labels_as_any_of() -> None:
    search = parse_search("no:label label:bug,feature is:pr is:merged")
    assert (search.sort_column, search.descending) == ("created_at", True)
    assert search.no_labels and search.label_groups == [["bug", "feature"]]
    assert search.kinds == {"pr"} and search.merged is True


@pytest.mark.parametrize(
    "query", ["assignee:bob", "is:locked", "sort:reactions", "-author:x", "repo:nope"]
)
def test_search_refuses_what_it_would_otherwise_misread(query: str) -> None:
    with pytest.raises(HubUnprocessable):
        parse_search(query)


def test_node_ids_round_trip_with_github_prefixes() -> None:
    issue_id = encode_node_id("Issue", 42)
    ref_id = encode_node_id("Ref", 3, "refs/heads/agent001/4-fix:ish")
    assert issue_id.startswith("I_") and encode_node_id("PullRequest", 42).startswith("PR_")
    decoded_issue = decode_node_id(issue_id)
    assert decoded_issue is not None and decoded_issue.parts == ("42",)
    decoded_ref = decode_node_id(ref_id)
    assert decoded_ref is not None and decoded_ref.type_name == "Ref"
    assert decoded_ref.parts == ("3", "refs/heads/agent001/4-fix:ish")


@pytest.mark.parametrize("bad", ["", "I_", "I_!!!", "XX_SXNzdWU6MQ", "PR_SXNzdWU6MQ", "nonsense"])
def test_foreign_or_mislabelled_node_ids_do_not_decode(bad: str) -> None:
    assert decode_node_id(bad) is None


def test_cursors_are_opaque_round_trips_and_garbage_is_a_github_error() -> None:
    cursor = encode_cursor(("2026-01-01T00:00:00Z", 17))
    assert decode_cursor(cursor, 2) == ("2026-01-01T00:00:00Z", 17)
    with pytest.raises(LocalHubError) as refused:
        decode_cursor("not-a-cursor", 2)
    assert refused.value.error_type == "INVALID_CURSOR_ARGUMENTS"
    with pytest.raises(LocalHubError):
        decode_cursor(cursor, 1)


def test_graphql_names_map_to_python_names() -> None:
    assert snake_case("nameWithOwner") == "name_with_owner"
    assert snake_case("commitOID") == "commit_oid"
    assert snake_case("headRefOid") == "head_ref_oid"
    assert snake_case("id") == "id"


def _cost(document: str, variables: dict[str, object] | None = None) -> tuple[int, int, list[str]]:
    schema = load_schema()
    parsed = graphql.parse(document)
    assert graphql.validate(schema, parsed) == []
    operation = graphql.utilities.get_operation_ast(parsed)
    assert operation is not None
    coerced = graphql.execution.values.get_variable_values(
        schema, operation.variable_definitions or (), variables or {}
    )
    assert not isinstance(coerced, list)
    result = analyze(schema, operation, {}, coerced)
    return result.cost, result.node_count, [error.message for error in result.errors]


def test_cost_follows_githubs_worked_example_shape() -> None:
    # GitHub's example repositories(first:100){issues(first:50){labels(first:60)}} costs 51:
    # 1 + 100 + 100*50 = 5,101 requests. The same nesting in our schema:
    document = """{ search(query: "is:pr", type: ISSUE, first: 100) { nodes { ... on PullRequest {
        commits(first: 50) { nodes { commit { statusCheckRollup { contexts(first: 60) {
          nodes { ... on StatusContext { state } } } } } } } } } } }"""
    assert _cost(document) == (51, 100 + 100 * 50 + 100 * 50 * 60, [])


def test_cost_reads_variables_minimum_is_one_and_bounds_are_checked() -> None:
    query = (
        'query($n: Int!) { repository(owner: "a", name: "b") { issues(first: $n) { totalCount } } }'
    )
    assert _cost(query, {"n": 10}) == (1, 10, [])
    _, _, problems = _cost(query, {"n": 500})
    assert problems == [
        "Requesting 500 records on the `issues` connection is outside the allowed range: "
        "`first` must be between 1 and 100."
    ]
    assert _cost('{ repository(owner: "a", name: "b") { issues(last: 0) { totalCount } } }')[2]
