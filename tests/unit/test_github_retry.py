"""The retry policy: full-jitter exponential backoff, what is retried, and secondary waits."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from soda_tui.core.clock import FakeClock
from soda_tui.github.errors import (
    BadCredentials,
    Forbidden,
    GraphQLError,
    NotFound,
    RateLimited,
    SecondaryRateLimited,
    TransportFailure,
)
from soda_tui.github.retry import RetryPolicy

ENDPOINT = "http://127.0.0.1:1/graphql"


def test_backoff_ceiling_doubles_from_half_a_second_and_caps_at_thirty() -> None:
    policy = RetryPolicy()
    ceilings = [policy.backoff_ceiling(attempt) for attempt in range(1, 10)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert policy.backoff_ceiling(10_000) == 30.0


def test_full_jitter_spreads_waits_over_the_whole_range() -> None:
    policy = RetryPolicy(rng=random.Random(7))
    waits = [policy.backoff(4) for _ in range(500)]
    assert all(0.0 <= wait <= 4.0 for wait in waits)
    # Full jitter, not "ceiling plus a little": both halves of the range are used.
    assert min(waits) < 1.0 and max(waits) > 3.0


def test_seeded_policies_give_the_same_schedule() -> None:
    first = [RetryPolicy(rng=random.Random(3)).backoff(n) for n in range(1, 5)]
    second = [RetryPolicy(rng=random.Random(3)).backoff(n) for n in range(1, 5)]
    assert first == second


async def test_a_schedule_slept_through_a_fake_clock() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=5, rng=random.Random(1))
    failure = TransportFailure(ENDPOINT, "HTTP 502", retryable=True)
    attempt = 1
    while (delay := policy.delay_after(failure, attempt)) is not None:
        await clock.sleep(delay)
        attempt += 1
    assert attempt == 5
    assert len(clock.sleeps) == 4
    for number, slept in enumerate(clock.sleeps, start=1):
        assert 0.0 <= slept <= policy.backoff_ceiling(number)
    assert clock.now() > datetime(2026, 1, 1, tzinfo=UTC)


def test_secondary_limit_waits_what_github_asked() -> None:
    policy = RetryPolicy()
    assert policy.delay_after(SecondaryRateLimited(42.0), 1) == 42.0
    assert policy.delay_after(SecondaryRateLimited(42.0), 5) is None


@pytest.mark.parametrize(
    "error",
    [
        BadCredentials(ENDPOINT),
        Forbidden("no"),
        NotFound("gone"),
        RateLimited(datetime(2026, 1, 1, tzinfo=UTC)),
        GraphQLError([{"message": "bad"}]),
        TransportFailure(ENDPOINT, "HTTP 500"),
    ],
)
def test_never_retried(error: Exception) -> None:
    assert RetryPolicy().delay_after(error, 1) is None  # type: ignore[arg-type]


def test_max_attempts_must_allow_one_try() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_attempts=0)
