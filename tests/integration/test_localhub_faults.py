"""Every localhub fault mode over real HTTP, set up front or changed at run time."""

from __future__ import annotations

import functools
import subprocess
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from soda_tui.localhub import Faults, LocalHub
from soda_tui.localhub.faults import SECONDARY_LIMIT_MESSAGE, FaultConfigError

# Generous timeouts: the machine is shared, and slowness is not what these tests check.
http_get = functools.partial(httpx.get, timeout=30.0)

VIEWER = {"query": "query Viewer { viewer { login } }"}


def post_viewer(client: httpx.Client, hub: LocalHub) -> httpx.Response:
    """One authenticated GraphQL request."""
    return client.post(hub.graphql_url, json=VIEWER)


@pytest.fixture
def client(hub_token: str) -> Iterator[httpx.Client]:
    """An authenticated client, closed after the test."""
    with httpx.Client(headers={"Authorization": f"bearer {hub_token}"}, timeout=30) as session:
        yield session


def test_latency_delays_every_answer(
    localhub_factory: Callable[..., LocalHub], client: httpx.Client
) -> None:
    hub = localhub_factory(faults=Faults(latency_ms=250))
    started = time.monotonic()
    response = post_viewer(client, hub)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.25


def test_full_error_rate_answers_502(
    localhub_factory: Callable[..., LocalHub], client: httpx.Client
) -> None:
    hub = localhub_factory(faults=Faults(error_rate_502=1.0))
    assert [post_viewer(client, hub).status_code for _ in range(3)] == [502, 502, 502]


def test_seeded_error_rate_fails_a_repeatable_share(
    localhub_factory: Callable[..., LocalHub], client: httpx.Client
) -> None:
    hub = localhub_factory(faults=Faults(error_rate_502=0.5, seed=7))
    first_run = [post_viewer(client, hub).status_code for _ in range(40)]
    hub.faults.update(seed=7)
    second_run = [post_viewer(client, hub).status_code for _ in range(40)]
    assert set(first_run) == {200, 502}
    assert first_run == second_run


def test_drop_closes_the_connection_without_an_answer(
    localhub_factory: Callable[..., LocalHub], client: httpx.Client
) -> None:
    hub = localhub_factory(faults=Faults(drop_rate=1.0))
    with pytest.raises(httpx.TransportError):
        post_viewer(client, hub)
    hub.faults.update(drop_rate=0.0)
    assert post_viewer(client, hub).status_code == 200


def test_secondary_limit_answers_403_with_retry_after(
    localhub_factory: Callable[..., LocalHub], client: httpx.Client
) -> None:
    hub = localhub_factory(faults=Faults(secondary_limited=True, retry_after_seconds=42))
    response = post_viewer(client, hub)
    assert response.status_code == 403
    assert response.headers["retry-after"] == "42"
    assert response.json()["message"] == SECONDARY_LIMIT_MESSAGE
    assert "secondary-rate-limits" in response.json()["documentation_url"]


def test_rate_limited_answers_rate_limited_with_zero_remaining(
    localhub_factory: Callable[..., LocalHub], client: httpx.Client
) -> None:
    hub = localhub_factory(faults=Faults(rate_limited=True))
    response = post_viewer(client, hub)
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.json()["errors"][0]["type"] == "RATE_LIMITED"


@pytest.mark.parametrize("kind", ["502", "drop", "secondary"])
def test_fail_next_fails_exactly_that_many_requests(
    localhub: LocalHub, client: httpx.Client, kind: str
) -> None:
    localhub.faults.fail_next(2, kind)
    outcomes: list[int | str] = []
    for _ in range(4):
        try:
            outcomes.append(post_viewer(client, localhub).status_code)
        except httpx.TransportError:
            outcomes.append("dropped")
    failed = {"502": 502, "drop": "dropped", "secondary": 403}[kind]
    assert outcomes == [failed, failed, 200, 200]


def test_fail_next_rejects_an_unknown_kind(localhub: LocalHub) -> None:
    with pytest.raises(FaultConfigError, match="unknown fault kind"):
        localhub.faults.fail_next(1, "teapot")


def test_only_paths_limits_faults_to_matching_routes(
    localhub: LocalHub, client: httpx.Client, hub_token: str
) -> None:
    localhub.faults.update(error_rate_502=1.0, only_paths=["/api/graphql"])
    assert post_viewer(client, localhub).status_code == 200
    assert client.post(f"{localhub.base_url}/api/graphql", json=VIEWER).status_code == 502
    localhub.faults.update(only_paths=["git"])
    assert post_viewer(client, localhub).status_code == 200
    assert client.get(f"{localhub.base_url}/rate_limit").status_code == 200


def test_git_routes_see_faults_too(
    localhub: LocalHub, hub_token: str, git_env: dict[str, str], make_repo: Callable
) -> None:
    make_repo(localhub, "acme/api")
    url = localhub.git_url("acme", "api").replace("http://", f"http://x-access-token:{hub_token}@")
    localhub.faults.fail_next(1, "502")
    failed = subprocess.run(
        ["git", "ls-remote", url], env=git_env, capture_output=True, text=True, check=False
    )
    assert failed.returncode != 0
    assert "502" in failed.stderr
    passed = subprocess.run(
        ["git", "ls-remote", url], env=git_env, capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0
    assert "refs/heads/main" in passed.stdout


def test_admin_endpoint_changes_faults_at_run_time(
    localhub: LocalHub, client: httpx.Client
) -> None:
    admin = f"{localhub.base_url}/_localhub/faults"
    assert http_get(admin).status_code == 401
    current = client.get(admin).json()
    assert current["error_rate_502"] == 0.0
    changed = client.post(admin, json={"error_rate_502": 1.0, "retry_after_seconds": 5})
    assert changed.status_code == 200
    assert changed.json()["error_rate_502"] == 1.0
    assert post_viewer(client, localhub).status_code == 502
    # Admin routes and health are never faulted, so faults can always be switched off.
    assert http_get(f"{localhub.base_url}/_localhub/health").status_code == 200
    cleared = client.post(
        admin, json={"clear": True, "fail_next": {"count": 1, "kind": "secondary"}}
    )
    assert cleared.json()["pending_failures"] == ["secondary"]
    assert post_viewer(client, localhub).status_code == 403
    assert post_viewer(client, localhub).status_code == 200
    rejected = client.post(admin, json={"drop_rate": 2})
    assert rejected.status_code == 422
    assert "between 0 and 1" in rejected.json()["message"]
    assert client.post(admin, json={"no_such_fault": 1}).status_code == 422
    assert localhub.faults.as_dict()["drop_rate"] == 0.0


def test_switching_the_rate_limit_fault_off_restores_the_budget(localhub, hub_token) -> None:
    """The forced exhaustion lasts while the fault is on; off again, the next query is answered."""
    import httpx

    def ask() -> httpx.Response:
        return httpx.post(localhub.graphql_url, json={"query": "{ viewer { login } }"},
                          headers={"Authorization": f"bearer {hub_token}"}, timeout=30)

    localhub.faults.update(rate_limited=True)
    limited = ask()
    assert limited.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    localhub.faults.update(rate_limited=False)
    answered = ask()
    assert answered.json()["data"]["viewer"]["login"] == "soda-dev"
    assert int(answered.headers["x-ratelimit-remaining"]) > 0
