"""Classifying GitHub replies into typed errors, and what those errors say to a user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from soda_tui.core.secrets import Secret
from soda_tui.github.classify import Reply, classify_exception, classify_reply
from soda_tui.github.errors import (
    BadCredentials,
    Forbidden,
    GitHubError,
    GraphQLError,
    NotFound,
    RateLimited,
    SecondaryRateLimited,
    TransportFailure,
    UnexpectedResponse,
)

ENDPOINT = "https://api.example.test/graphql"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
RESET_EPOCH = int((NOW + timedelta(minutes=30)).timestamp())
SECONDARY_TEXT = "You have exceeded a secondary rate limit. Please wait a few minutes."


def classify(status: int, body: object = None, text: str = "", **headers: str) -> object:
    reply = Reply(status, {k.replace("_", "-"): v for k, v in headers.items()}, body, text)
    return classify_reply(reply, endpoint=ENDPOINT, now=NOW, operation="Viewer")


def test_good_reply_returns_data() -> None:
    assert classify(200, {"data": {"viewer": {"login": "octo"}}}) == {"viewer": {"login": "octo"}}


def test_401_is_bad_credentials_with_the_fix() -> None:
    error = classify(401, {"message": "Bad credentials"})
    assert isinstance(error, BadCredentials)
    assert "gh auth login" in error.summary and "GH_TOKEN" in error.summary


def test_403_without_limit_text_is_forbidden() -> None:
    error = classify(403, {"message": "Resource not accessible by integration"})
    assert isinstance(error, Forbidden)
    assert "Resource not accessible by integration" in error.summary


def test_403_with_secondary_text_waits_at_least_a_minute() -> None:
    error = classify(403, {"message": SECONDARY_TEXT}, x_ratelimit_remaining="4000")
    assert isinstance(error, SecondaryRateLimited)
    assert error.retry_after == 60.0
    assert error.reset_at == NOW + timedelta(seconds=60)


def test_retry_after_header_sets_the_wait() -> None:
    error = classify(429, {"message": "slow down"}, retry_after="17")
    assert isinstance(error, SecondaryRateLimited)
    assert error.retry_after == 17.0


def test_secondary_with_spent_budget_waits_until_reset() -> None:
    error = classify(
        403,
        {"message": SECONDARY_TEXT},
        x_ratelimit_remaining="0",
        x_ratelimit_reset=str(RESET_EPOCH),
    )
    assert isinstance(error, SecondaryRateLimited)
    assert error.retry_after == 30 * 60


def test_403_with_spent_budget_is_the_primary_limit() -> None:
    error = classify(
        403,
        {"message": "API rate limit exceeded"},
        x_ratelimit_remaining="0",
        x_ratelimit_reset=str(RESET_EPOCH),
    )
    assert type(error) is RateLimited
    assert error.reset_at == datetime.fromtimestamp(RESET_EPOCH, UTC)
    assert "12:30:00 UTC" in error.summary


def test_graphql_rate_limited_type_is_primary_limit_with_reset() -> None:
    body = {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user"}]}
    error = classify(200, body, x_ratelimit_remaining="0", x_ratelimit_reset=str(RESET_EPOCH))
    assert type(error) is RateLimited
    assert error.seconds_left(NOW) == 30 * 60


def test_graphql_rate_limit_spelling_is_also_primary() -> None:
    error = classify(200, {"errors": [{"type": "RATE_LIMIT", "message": "x"}]})
    assert type(error) is RateLimited
    assert error.reset_at > NOW


def test_graphql_secondary_message_with_200() -> None:
    error = classify(200, {"errors": [{"message": SECONDARY_TEXT}]}, retry_after="5")
    assert isinstance(error, SecondaryRateLimited)
    assert error.retry_after == 5.0


def test_graphql_not_found_and_forbidden_keep_the_errors() -> None:
    missing = {"type": "NOT_FOUND", "path": ["repository"], "message": "Could not resolve"}
    not_found = classify(200, {"data": {"repository": None}, "errors": [missing]})
    assert isinstance(not_found, NotFound)
    assert not_found.errors == [missing]
    assert "Could not resolve" in not_found.summary
    forbidden = classify(200, {"errors": [{"type": "FORBIDDEN", "message": "no access"}]})
    assert isinstance(forbidden, Forbidden)


def test_other_graphql_errors_keep_type_message_path_and_data() -> None:
    errors = [
        {"type": "UNPROCESSABLE", "message": "Label already\nexists", "path": ["createLabel"]},
        {"message": "second", "extensions": {"x": 1}},
    ]
    error = classify(200, {"data": {"createLabel": None}, "errors": errors})
    assert isinstance(error, GraphQLError)
    assert error.errors[0] == errors[0]
    assert error.errors[1] == {"message": "second"}
    assert error.data == {"createLabel": None}
    assert error.summary.startswith("Viewer failed (UNPROCESSABLE) at createLabel: Label already")
    assert "and 1 more" in error.summary
    assert "\n" not in error.summary


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retryable_transport_failures(status: int) -> None:
    error = classify(status, text="<html>bad gateway</html>")
    assert isinstance(error, TransportFailure)
    assert error.retryable
    assert ENDPOINT in error.summary and "check the network or api_url" in error.summary


def test_500_is_a_failure_that_is_not_retried() -> None:
    error = classify(500, {"message": "boom"})
    assert isinstance(error, TransportFailure)
    assert not error.retryable


def test_404_and_non_graphql_replies_point_at_api_url() -> None:
    assert "api_url" in classify(404, text="Not Found").summary
    html = classify(200, text="<html>login page</html>")
    assert isinstance(html, UnexpectedResponse)
    assert "api_url" in html.summary
    assert isinstance(classify(301, text=""), UnexpectedResponse)


def test_exceptions_without_a_reply() -> None:
    request = httpx.Request("POST", ENDPOINT)
    refused = classify_exception(httpx.ConnectError("refused", request=request), ENDPOINT, 30)
    assert isinstance(refused, TransportFailure) and refused.retryable
    dropped = classify_exception(httpx.RemoteProtocolError("gone", request=request), ENDPOINT, 30)
    assert isinstance(dropped, TransportFailure) and dropped.retryable
    timed_out = classify_exception(TimeoutError(), ENDPOINT, 12.5)
    assert isinstance(timed_out, TransportFailure) and timed_out.retryable
    assert "12.5 s" in timed_out.summary
    bad_url = classify_exception(httpx.UnsupportedProtocol("ftp"), ENDPOINT, 30)
    assert isinstance(bad_url, TransportFailure) and not bad_url.retryable


def test_summaries_are_one_line_and_str_equals_summary() -> None:
    error = TransportFailure(ENDPOINT, "connection\nreset", attempts=5)
    assert str(error) == error.summary
    assert "\n" not in error.summary
    assert "after 5 attempts" in error.summary
    assert repr(error) == f"TransportFailure({error.summary!r})"


def test_no_error_text_ever_holds_a_registered_secret() -> None:
    token = Secret("ghp_supersecretvalue123")
    leaked = token.reveal()
    errors: list[GitHubError] = [
        Forbidden(f"token {leaked} lacks scope"),
        GraphQLError([{"message": f"bad {leaked}"}]),
        TransportFailure(f"https://{leaked}@host/graphql", "x"),
        NotFound(leaked),
    ]
    for error in errors:
        for text in (str(error), repr(error), error.summary, *map(str, error.args)):
            assert leaked not in text
