"""The shared GitHub client against a real localhub: answers, errors, budget, secrets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_github_client_support import (
    HUB_LOGIN,
    VIEWER_DATA,
    ClientMaker,
    Recorder,
    closed_port,
    full_text,
)

from soda_tui.core.clock import FakeClock
from soda_tui.core.secrets import Secret
from soda_tui.github import (
    BadCredentials,
    GitHubClient,
    GraphQLError,
    NotFound,
    RateBudget,
    RateLimited,
    SecondaryRateLimited,
    TransportFailure,
    build_operation,
)
from soda_tui.localhub import Faults, LocalHub


@pytest.fixture
async def make_client(tmp_path: Path, hub_token: str) -> AsyncIterator[ClientMaker]:
    """Build clients (fake clock, seeded jitter, extra operations); all are closed after."""
    maker = ClientMaker(tmp_path, hub_token)
    yield maker
    await maker.aclose_all()


@pytest.fixture
def clock(make_client: ClientMaker) -> FakeClock:
    return make_client.clock


@pytest.fixture
def recorder(make_client: ClientMaker) -> Recorder:
    return make_client.recorder


@pytest.fixture
def hub(localhub: LocalHub) -> LocalHub:
    localhub.state.create_repository("acme", "api")
    return localhub


# --- answers -------------------------------------------------------------------------------


async def test_viewer_query_returns_data(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    client = make_client(hub.graphql_url)
    assert await client.execute("Viewer") == VIEWER_DATA
    assert client.request_count == 1
    assert clock.sleeps == []


async def test_concurrent_requests_share_the_client(
    hub: LocalHub, make_client: ClientMaker, recorder: Recorder
) -> None:
    hub.faults.update(latency_ms=20)
    client = make_client(hub.graphql_url)
    answers = await asyncio.gather(*(client.execute("Viewer") for _ in range(8)))
    assert answers == [VIEWER_DATA] * 8
    assert client.request_count == 8
    assert recorder.statuses == [200] * 8


async def test_budget_follows_the_rate_headers(
    hub: LocalHub, make_client: ClientMaker, recorder: Recorder
) -> None:
    client = make_client(hub.graphql_url)
    seen: list[RateBudget] = []
    client.on_budget(seen.append)
    assert client.budget.requests == 0 and not client.budget.known
    await client.execute("Viewer")
    first = client.budget
    await client.execute("Viewer")
    data = await client.execute("RateLimit")
    budget = client.budget
    hub_rate = hub.state.rate_snapshot(HUB_LOGIN)
    assert budget.limit == hub_rate.limit
    assert budget.remaining == hub_rate.remaining
    assert budget.used == hub_rate.used
    assert budget.reset_at == datetime.fromtimestamp(hub_rate.reset_epoch, UTC)
    assert budget.resource == "graphql"
    assert budget.remaining is not None and first.remaining is not None
    assert budget.remaining < first.remaining
    assert data["rateLimit"]["limit"] == hub_rate.limit
    assert budget.requests == client.request_count == 3
    # The first response costs 1 (unknown); later ones cost what `used` moved by.
    assert budget.points_used == 1 + hub_rate.used - first.used  # type: ignore[operator]
    assert seen[-1] == budget
    assert recorder.attempts[0].cost == 1
    assert recorder.attempts[-1].remaining == budget.remaining
    assert [info.operation for info in recorder.attempts] == ["Viewer", "Viewer", "RateLimit"]


async def test_missing_repository_is_not_found(hub: LocalHub, make_client: ClientMaker) -> None:
    client = make_client(hub.graphql_url)
    with pytest.raises(NotFound) as caught:
        await client.execute("RepoId", {"owner": "acme", "name": "nope"})
    assert caught.value.errors
    assert caught.value.errors[0]["type"] == "NOT_FOUND"
    assert client.request_count == 1


async def test_invalid_variables_are_a_graphql_error_not_retried(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    client = make_client(hub.graphql_url)
    with pytest.raises(GraphQLError) as caught:
        await client.execute("RepoId", {"owner": "acme"})
    assert caught.value.errors
    assert "name" in caught.value.errors[0]["message"]
    assert client.request_count == 1
    assert clock.sleeps == []


PAIR = (
    "query Pair($owner: String!) {\n"
    '  found: repository(owner: $owner, name: "api") { id }\n'
    '  missing: repository(owner: $owner, name: "nope") { id }\n'
    "}\n"
)


async def test_partial_data_is_an_error_unless_allowed(
    hub: LocalHub, make_client: ClientMaker
) -> None:
    client = make_client(hub.graphql_url)
    pair = build_operation("Pair", PAIR)
    with pytest.raises(NotFound):
        await client.execute_operation(pair, {"owner": "acme"})
    data = await client.execute_operation(pair, {"owner": "acme"}, allow_partial=True)
    assert data["found"]["id"]
    assert data["missing"] is None
    assert client.request_count == 2


async def test_a_wrong_path_points_at_api_url(hub: LocalHub, make_client: ClientMaker) -> None:
    client = make_client(f"{hub.base_url}/not-graphql")
    with pytest.raises(NotFound, match="api_url"):
        await client.execute("Viewer")


async def test_unknown_operation_is_a_value_error(hub: LocalHub, make_client: ClientMaker) -> None:
    client = make_client(hub.graphql_url)
    with pytest.raises(ValueError, match="NoSuchThing"):
        await client.execute("NoSuchThing")
    assert client.request_count == 0


# --- auth and primary limit ----------------------------------------------------------------


async def test_bad_token_is_bad_credentials_without_retries(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    client = make_client(hub.graphql_url, token="ghp_wrongTokenValue1234")
    with pytest.raises(BadCredentials) as caught:
        await client.execute("Viewer")
    assert "gh auth login" in caught.value.summary
    assert "ghp_wrongTokenValue1234" not in full_text(caught.value)
    assert client.request_count == 1
    assert clock.sleeps == []


async def test_exhausted_budget_raises_rate_limited_with_reset(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    client = make_client(hub.graphql_url)
    await client.execute("Viewer")
    hub.state.exhaust_rate_limit(HUB_LOGIN)
    with pytest.raises(RateLimited) as caught:
        await client.execute("Viewer")
    reset = datetime.fromtimestamp(hub.state.rate_snapshot(HUB_LOGIN).reset_epoch, UTC)
    assert type(caught.value) is RateLimited
    assert caught.value.reset_at == reset
    assert f"{reset:%H:%M:%S} UTC" in caught.value.summary
    assert client.budget.remaining == 0
    # The worker parks until the reset; the client never sleeps through an hour.
    assert clock.sleeps == []
    assert client.request_count == 2


async def test_rate_limited_fault_is_rate_limited(
    localhub_factory: Callable[..., LocalHub], make_client: ClientMaker
) -> None:
    hub = localhub_factory(faults=Faults(rate_limited=True))
    client = make_client(hub.graphql_url)
    with pytest.raises(RateLimited) as caught:
        await client.execute("Viewer")
    assert caught.value.reset_at > datetime.now(UTC)
    assert client.request_count == 1


# --- secrets and lifecycle -----------------------------------------------------------------


async def test_the_token_appears_in_no_error_or_repr(
    localhub_factory: Callable[..., LocalHub],
    make_client: ClientMaker,
    hub_token: str,
    recorder: Recorder,
) -> None:
    hub = localhub_factory(faults=Faults(retry_after_seconds=1))
    client = make_client(hub.graphql_url, max_attempts=2)
    texts = [repr(client), repr(client.budget)]
    hub.faults.update(error_rate_502=1.0)
    with pytest.raises(TransportFailure) as failure:
        await client.execute("Viewer")
    hub.faults.update(error_rate_502=0.0, secondary_limited=True)
    with pytest.raises(SecondaryRateLimited) as secondary:
        await client.execute("Viewer")
    hub.faults.update(secondary_limited=False)
    with pytest.raises(GraphQLError) as graphql_error:
        await client.execute("RepoId", {"owner": "acme"})
    refused = make_client(f"http://127.0.0.1:{closed_port()}/graphql", max_attempts=1)
    with pytest.raises(TransportFailure) as refusal:
        await refused.execute("Viewer")
    for caught in (failure, secondary, graphql_error, refusal):
        texts.append(full_text(caught.value))
    texts.extend(repr(info) for info in recorder.attempts)
    assert all(hub_token not in text for text in texts)


async def test_async_with_closes_and_a_closed_client_refuses(hub: LocalHub, hub_token: str) -> None:
    async with GitHubClient(hub.graphql_url, Secret(hub_token), clock=FakeClock()) as client:
        assert (await client.execute("Viewer"))["viewer"]["login"] == HUB_LOGIN
    with pytest.raises(RuntimeError, match="closed"):
        await client.execute("Viewer")
