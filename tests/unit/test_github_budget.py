"""The rate budget follows `x-ratelimit-*` headers and counts the points this process spent."""

from __future__ import annotations

from datetime import UTC, datetime

from soda_tui.github.budget import BudgetTracker, RateBudget

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
RESET = 1_767_272_400  # 2026-01-01 13:00 UTC


def headers(used: int, *, limit: int = 5000, reset: int = RESET) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(limit - used),
        "x-ratelimit-used": str(used),
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-resource": "graphql",
    }


def test_first_response_sets_the_budget_and_costs_one_point() -> None:
    tracker = BudgetTracker()
    tracker.count_request()
    cost = tracker.record_response(headers(40), NOW)
    budget = tracker.budget
    assert cost == 1
    assert (budget.limit, budget.remaining, budget.used) == (5000, 4960, 40)
    assert budget.reset_at == datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    assert budget.resource == "graphql"
    assert (budget.requests, budget.points_used) == (1, 1)
    assert budget.last_updated == NOW
    assert budget.fraction_left == 4960 / 5000


def test_points_are_used_deltas_within_a_window() -> None:
    tracker = BudgetTracker()
    tracker.record_response(headers(10), NOW)
    assert tracker.record_response(headers(11), NOW) == 1
    assert tracker.record_response(headers(62), NOW) == 51
    assert tracker.budget.points_used == 1 + 1 + 51


def test_out_of_order_readings_cost_nothing_and_do_not_rewind() -> None:
    tracker = BudgetTracker()
    tracker.record_response(headers(10), NOW)
    tracker.record_response(headers(12), NOW)
    assert tracker.record_response(headers(11), NOW) == 0
    assert tracker.budget.used == 12
    assert tracker.budget.points_used == 3


def test_a_new_window_counts_one_point_and_resets_the_reading() -> None:
    tracker = BudgetTracker()
    tracker.record_response(headers(4000), NOW)
    assert tracker.record_response(headers(3, reset=RESET + 3600), NOW) == 1
    assert tracker.budget.used == 3
    assert tracker.budget.remaining == 4997


def test_responses_without_headers_cost_one_and_keep_the_reading() -> None:
    tracker = BudgetTracker()
    tracker.record_response(headers(10), NOW)
    assert tracker.record_response({"content-type": "text/html"}, NOW) == 1
    assert tracker.budget.remaining == 4990
    assert tracker.budget.points_used == 2


def test_garbage_header_values_are_ignored() -> None:
    tracker = BudgetTracker()
    tracker.record_response({"x-ratelimit-remaining": "lots", "x-ratelimit-limit": "5000"}, NOW)
    assert tracker.budget.limit == 5000
    assert tracker.budget.remaining is None
    assert tracker.budget.fraction_left is None


def test_subscribers_get_each_new_budget_until_they_leave() -> None:
    tracker = BudgetTracker()
    seen: list[RateBudget] = []
    unsubscribe = tracker.subscribe(seen.append)
    tracker.record_response(headers(1), NOW)
    unsubscribe()
    tracker.record_response(headers(2), NOW)
    assert [b.used for b in seen] == [1]


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    tracker = BudgetTracker()
    seen: list[int | None] = []

    def broken(budget: RateBudget) -> None:
        raise RuntimeError("widget gone")

    tracker.subscribe(broken)
    tracker.subscribe(lambda budget: seen.append(budget.used))
    tracker.record_response(headers(7), NOW)
    assert seen == [7]
    assert tracker.budget.used == 7
