"""localhub's primary rate limit: query cost, the rateLimit object, dry runs and exhaustion."""

from __future__ import annotations

from test_localhub_graphql_support import (  # noqa: F401
    LOGIN,
    REVIEWER,
    call,
    clock_fixture,
    data,
    errors,
    state_fixture,
)

from soda_tui.core.clock import FakeClock
from soda_tui.localhub.state import LocalHubState

BUDGET = "{ rateLimit { cost limit remaining used resetAt nodeCount } }"
NESTED = """{ search(query: "is:pr", type: ISSUE, first: 100) { nodes { ... on PullRequest {
  commits(first: 50) { nodes { commit { statusCheckRollup { contexts(first: 60) {
    nodes { ... on StatusContext { state } } } } } } } } } }
  rateLimit { cost remaining used nodeCount } }"""


def test_each_query_costs_at_least_one_point_and_the_object_shows_the_state_after(
    state: LocalHubState,
) -> None:
    first = data(state, BUDGET)["rateLimit"]
    assert first == {
        "cost": 1,
        "limit": 5000,
        "remaining": 4999,
        "used": 1,
        "resetAt": "2026-01-01T01:00:00Z",
        "nodeCount": 0,
    }
    outcome = state.execute_graphql(BUDGET, None, None, LOGIN)
    assert outcome.rate.remaining == 4998 and outcome.rate.used == 2
    assert outcome.rate.reset_epoch == 1767229200 and outcome.rate.resource == "graphql"
    assert state.rate_snapshot(LOGIN).remaining == 4998


def test_nested_connections_cost_like_githubs_worked_example(state: LocalHubState) -> None:
    budget = data(state, NESTED)["rateLimit"]
    # 1 + 100 + 100*50 requests = 5,101 -> 51 points (GitHub's documented example shape).
    assert budget == {"cost": 51, "remaining": 4949, "used": 51, "nodeCount": 305100}


def test_dry_run_charges_nothing_and_does_not_run_the_query(state: LocalHubState) -> None:
    state.create_repository("acme", "api")
    query = """{ rateLimit(dryRun: true) { cost remaining used }
      repository(owner: "acme", name: "api") { issues(first: 100) { totalCount } } }"""
    result = data(state, query)
    assert result == {"rateLimit": {"cost": 1, "remaining": 5000, "used": 0}, "repository": None}
    assert (
        data(state, NESTED.replace("rateLimit {", "rateLimit(dryRun: true) {"))["rateLimit"]["cost"]
        == 51
    )
    assert state.rate_snapshot(LOGIN).used == 0


def test_mutations_cost_one_point(state: LocalHubState) -> None:
    state.create_repository("acme", "api")
    state.create_issue("acme", "api", "x")
    before = state.rate_snapshot(LOGIN).used
    outcome = state.execute_graphql(
        """mutation {
          createRepository(input: {name: "b", visibility: PUBLIC}) { repository { id } } }""",
        None,
        None,
        LOGIN,
    )
    assert "errors" not in outcome.body and outcome.rate.used == before + 1


def test_a_query_costing_more_than_what_is_left_is_rate_limited_and_charges_nothing(
    state: LocalHubState,
) -> None:
    state.set_rate_limit(60)
    assert data(state, NESTED)["rateLimit"]["remaining"] == 9
    outcome = state.execute_graphql(NESTED, None, None, LOGIN)
    assert outcome.body == {
        "data": None,
        "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}],
    }
    assert outcome.rate.remaining == 9 and state.rate_snapshot(LOGIN).used == 51
    assert data(state, BUDGET)["rateLimit"]["remaining"] == 8


def test_exhaustion_is_per_login_and_the_window_resets_after_an_hour(
    state: LocalHubState, clock: FakeClock
) -> None:
    data(state, BUDGET)
    state.exhaust_rate_limit(LOGIN)
    (limited,) = errors(state, BUDGET)
    assert limited["type"] == "RATE_LIMITED"
    assert state.rate_snapshot(LOGIN).remaining == 0
    assert data(state, BUDGET, login=REVIEWER)["rateLimit"]["remaining"] == 4999
    clock.advance(3600)
    assert state.rate_snapshot(LOGIN).remaining == 5000
    renewed = data(state, BUDGET)["rateLimit"]
    assert renewed["remaining"] == 4999 and renewed["resetAt"] == "2026-01-01T02:00:00Z"


def test_exhausting_everyone(state: LocalHubState) -> None:
    state.exhaust_rate_limit()
    assert errors(state, BUDGET)[0]["type"] == "RATE_LIMITED"
    assert errors(state, BUDGET, login=REVIEWER)[0]["type"] == "RATE_LIMITED"


def test_invalid_queries_cost_nothing(state: LocalHubState) -> None:
    body = call(state, "{ viewer { nope } }")
    assert "data" not in body and body["errors"]
    body = call(state, "{ viewer { login ")
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert state.rate_snapshot(LOGIN).used == 0
