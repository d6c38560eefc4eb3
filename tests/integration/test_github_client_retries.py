"""The shared GitHub client retries what may succeed, and only that, through a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from test_github_client_support import (
    VIEWER_DATA,
    ClientMaker,
    Recorder,
    closed_port,
    repo_id,
    repo_labels,
)

from soda_tui.core.clock import FakeClock
from soda_tui.github import SecondaryRateLimited, TransportFailure
from soda_tui.github.retry import RetryPolicy
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


async def test_a_burst_of_502s_is_retried_with_backoff(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock, recorder: Recorder
) -> None:
    hub.faults.fail_next(2, "502")
    client = make_client(hub.graphql_url)
    assert await client.execute("Viewer") == VIEWER_DATA
    assert recorder.statuses == [502, 502, 200]
    assert [info.attempt for info in recorder.attempts] == [1, 2, 3]
    assert [info.error for info in recorder.attempts] == ["TransportFailure"] * 2 + [None]
    policy = RetryPolicy()
    assert len(clock.sleeps) == 2
    for attempt, slept in enumerate(clock.sleeps, start=1):
        assert 0.0 <= slept <= policy.backoff_ceiling(attempt)
    assert client.request_count == 3


async def test_endless_502s_give_up_after_max_attempts(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    hub.faults.update(error_rate_502=1.0)
    client = make_client(hub.graphql_url, max_attempts=3)
    with pytest.raises(TransportFailure) as caught:
        await client.execute("Viewer")
    assert caught.value.attempts == 3
    assert "after 3 attempts" in caught.value.summary
    assert "HTTP 502" in caught.value.summary
    assert len(clock.sleeps) == 2
    assert client.request_count == 3


async def test_a_dropped_connection_is_retried(
    hub: LocalHub, make_client: ClientMaker, recorder: Recorder
) -> None:
    hub.faults.fail_next(1, "drop")
    client = make_client(hub.graphql_url)
    assert await client.execute("Viewer") == VIEWER_DATA
    assert recorder.statuses == [None, 200]
    assert recorder.attempts[0].cost is None


async def test_secondary_limit_waits_retry_after_then_succeeds(
    localhub_factory: Callable[..., LocalHub], make_client: ClientMaker, clock: FakeClock
) -> None:
    hub = localhub_factory(faults=Faults(retry_after_seconds=7))
    hub.faults.fail_next(1, "secondary")
    client = make_client(hub.graphql_url)
    assert await client.execute("Viewer") == VIEWER_DATA
    assert clock.sleeps == [7.0]
    assert client.request_count == 2


async def test_a_secondary_limit_that_persists_is_raised(
    localhub_factory: Callable[..., LocalHub], make_client: ClientMaker, clock: FakeClock
) -> None:
    hub = localhub_factory(faults=Faults(secondary_limited=True, retry_after_seconds=30))
    client = make_client(hub.graphql_url, max_attempts=3)
    with pytest.raises(SecondaryRateLimited) as caught:
        await client.execute("Viewer")
    assert caught.value.retry_after == 30.0
    assert clock.sleeps == [30.0, 30.0]
    assert client.request_count == 3


async def test_a_mutation_is_not_retried_after_a_502(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    client = make_client(hub.graphql_url)
    repo = await repo_id(client)
    hub.faults.fail_next(1, "502")
    with pytest.raises(TransportFailure) as caught:
        await client.execute("AddLabel", {"repo": repo, "name": "once"})
    assert caught.value.attempts == 1
    assert clock.sleeps == []
    assert "once" not in await repo_labels(client)


async def test_a_retry_safe_mutation_is_retried_and_applied_once(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    client = make_client(hub.graphql_url)
    repo = await repo_id(client)
    hub.faults.fail_next(2, "502")
    data = await client.execute("AddLabel", {"repo": repo, "name": "twice"}, retry_safe=True)
    assert data["createLabel"]["label"]["name"] == "twice"
    assert len(clock.sleeps) == 2
    assert (await repo_labels(client)).count("twice") == 1


async def test_a_query_marked_unsafe_is_not_retried(
    hub: LocalHub, make_client: ClientMaker, clock: FakeClock
) -> None:
    hub.faults.fail_next(1, "502")
    client = make_client(hub.graphql_url)
    with pytest.raises(TransportFailure):
        await client.execute("Viewer", retry_safe=False)
    assert clock.sleeps == []


async def test_connection_refused_is_a_transport_failure_after_retries(
    make_client: ClientMaker, clock: FakeClock, recorder: Recorder
) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}/graphql"
    client = make_client(endpoint)
    with pytest.raises(TransportFailure) as caught:
        await client.execute("Viewer")
    assert caught.value.attempts == 5
    assert endpoint in caught.value.summary
    assert "check the network or api_url" in caught.value.summary
    assert len(clock.sleeps) == 4
    assert recorder.statuses == [None] * 5
    assert client.request_count == 5


async def test_a_slow_server_times_out_and_is_retried(
    localhub_factory: Callable[..., LocalHub], make_client: ClientMaker, clock: FakeClock
) -> None:
    hub = localhub_factory(faults=Faults(latency_ms=3000))
    client = make_client(hub.graphql_url, timeout=0.2, max_attempts=2)
    with pytest.raises(TransportFailure, match=r"no answer within 0\.2 s"):
        await client.execute("Viewer")
    assert len(clock.sleeps) == 1
