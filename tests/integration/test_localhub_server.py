"""localhub over real loopback HTTP: GraphQL auth and errors, rate-limit headers, REST, admin."""

from __future__ import annotations

import functools
import gzip
import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from soda_tui.localhub import LocalHub

# Generous timeouts: the machine is shared, and slowness is not what these tests check.
http_get = functools.partial(httpx.get, timeout=30.0)
http_post = functools.partial(httpx.post, timeout=30.0)

VIEWER = "query Viewer { viewer { login } }"
HEAD_ROLLUP = """
query HeadRollup($owner: String!, $name: String!, $ref: String!) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $ref) {
      target {
        oid
        ... on Commit {
          statusCheckRollup {
            state
            contexts(first: 20) {
              nodes { ... on StatusContext { context state description targetUrl } }
            }
          }
        }
      }
    }
  }
}
"""


def auth(token: str, scheme: str = "bearer") -> dict[str, str]:
    """An Authorization header in the given scheme."""
    return {"Authorization": f"{scheme} {token}"}


def head_of(hub_graphql: Callable[..., Any], full_name: str, ref: str = "main") -> dict[str, Any]:
    """The head commit of a branch with its status rollup."""
    owner, name = full_name.split("/")
    data = hub_graphql(HEAD_ROLLUP, {"owner": owner, "name": name, "ref": ref})
    return data["repository"]["ref"]["target"]


@pytest.mark.parametrize("scheme", ["bearer", "Bearer", "token", "TOKEN"])
def test_graphql_answers_the_token_user_in_any_scheme_spelling(
    localhub: LocalHub, hub_token: str, scheme: str
) -> None:
    response = http_post(
        localhub.graphql_url, json={"query": VIEWER}, headers=auth(hub_token, scheme)
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"data": {"viewer": {"login": "soda-dev"}}}


def test_graphql_is_also_served_at_api_graphql(localhub: LocalHub, hub_token: str) -> None:
    response = http_post(
        f"{localhub.base_url}/api/graphql", json={"query": VIEWER}, headers=auth(hub_token)
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["login"] == "soda-dev"


def test_wrong_token_gets_bad_credentials(localhub: LocalHub) -> None:
    response = http_post(
        localhub.graphql_url, json={"query": VIEWER}, headers=auth("not-the-token")
    )
    assert response.status_code == 401
    assert response.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/graphql",
    }


def test_missing_token_gets_authentication_required(localhub: LocalHub) -> None:
    response = http_post(localhub.graphql_url, json={"query": VIEWER})
    assert response.status_code == 401
    assert response.json()["message"] == "This endpoint requires you to be authenticated."


def test_a_second_user_added_at_run_time_is_accepted(localhub: LocalHub) -> None:
    localhub.state.add_user("second-dev", "second-token-1234")
    response = http_post(
        localhub.graphql_url, json={"query": VIEWER}, headers=auth("second-token-1234")
    )
    assert response.json()["data"]["viewer"]["login"] == "second-dev"


def test_body_that_is_not_json_gets_400(localhub: LocalHub, hub_token: str) -> None:
    response = http_post(
        localhub.graphql_url,
        content=b"{not json",
        headers={**auth(hub_token), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Problems parsing JSON"}


def test_rate_limit_headers_count_down_with_each_query(localhub: LocalHub, hub_token: str) -> None:
    with httpx.Client(headers=auth(hub_token), timeout=30) as client:
        first = client.post(localhub.graphql_url, json={"query": VIEWER})
        second = client.post(localhub.graphql_url, json={"query": VIEWER})
    for response in (first, second):
        assert response.headers["x-ratelimit-limit"] == "5000"
        assert response.headers["x-ratelimit-resource"] == "graphql"
        assert int(response.headers["x-ratelimit-reset"]) > time.time() - 1
        assert response.headers["x-github-request-id"]
    assert int(second.headers["x-ratelimit-used"]) > int(first.headers["x-ratelimit-used"])
    assert int(second.headers["x-ratelimit-remaining"]) < int(
        first.headers["x-ratelimit-remaining"]
    )
    assert first.headers["x-github-request-id"] != second.headers["x-github-request-id"]


def test_spent_budget_answers_rate_limited_with_zero_remaining(
    localhub: LocalHub, hub_token: str
) -> None:
    localhub.state.exhaust_rate_limit("soda-dev")
    response = http_post(localhub.graphql_url, json={"query": VIEWER}, headers=auth(hub_token))
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert [error["type"] for error in response.json()["errors"]] == ["RATE_LIMITED"]


def test_rest_statuses_roll_up_into_status_check_rollup(
    localhub: LocalHub, hub_token: str, hub_graphql: Callable[..., Any], make_repo: Callable
) -> None:
    make_repo(localhub, "acme/api", files={"README.md": "hello\n"})
    head = head_of(hub_graphql, "acme/api")
    assert head["statusCheckRollup"] is None
    sha = head["oid"]
    with httpx.Client(
        base_url=localhub.base_url, headers=auth(hub_token, "token"), timeout=30
    ) as client:
        created = client.post(
            f"/repos/acme/api/statuses/{sha}",
            json={"state": "success", "target_url": "http://ci.example/1", "description": "ok"},
        )
        assert created.status_code == 201
        assert created.json()["state"] == "success"
        assert created.json()["context"] == "default"
        lint = client.post(
            f"/api/v3/repos/acme/api/statuses/{sha}", json={"state": "pending", "context": "lint"}
        )
        assert lint.status_code == 201
        assert head_of(hub_graphql, "acme/api")["statusCheckRollup"]["state"] == "PENDING"
        combined = client.get("/repos/acme/api/commits/main/status")
        assert combined.status_code == 200
        assert combined.json()["state"] == "pending"
        assert {status["context"] for status in combined.json()["statuses"]} == {"default", "lint"}
        client.post(f"/repos/acme/api/statuses/{sha}", json={"state": "success", "context": "lint"})
        by_sha = client.get(f"/api/v3/repos/acme/api/commits/{sha}/status")
    assert by_sha.json()["state"] == "success"
    rollup = head_of(hub_graphql, "acme/api")["statusCheckRollup"]
    assert rollup["state"] == "SUCCESS"
    contexts = {node["context"]: node for node in rollup["contexts"]["nodes"]}
    assert contexts["default"]["targetUrl"] == "http://ci.example/1"
    assert contexts["lint"]["state"] == "SUCCESS"


def test_rest_status_errors(
    localhub: LocalHub, hub_token: str, hub_graphql: Callable[..., Any], make_repo: Callable
) -> None:
    make_repo(localhub, "acme/api")
    sha = head_of(hub_graphql, "acme/api")["oid"]
    with httpx.Client(base_url=localhub.base_url, headers=auth(hub_token), timeout=30) as client:
        bad_state = client.post(f"/repos/acme/api/statuses/{sha}", json={"state": "great"})
        unknown_repo = client.post(f"/repos/acme/nope/statuses/{sha}", json={"state": "success"})
        unknown_sha = client.post(f"/repos/acme/api/statuses/{'1' * 40}", json={"state": "success"})
        short_sha = client.post("/repos/acme/api/statuses/abc", json={"state": "success"})
        unknown_ref = client.get("/repos/acme/api/commits/no-such-branch/status")
    assert bad_state.status_code == 422
    assert bad_state.json()["message"] == "Validation Failed"
    assert unknown_repo.status_code == 404
    assert unknown_sha.status_code == 404
    assert short_sha.status_code == 404
    assert unknown_ref.status_code == 404
    anonymous = http_post(
        f"{localhub.base_url}/repos/acme/api/statuses/{sha}", json={"state": "success"}
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "This endpoint requires you to be authenticated."


def test_rate_limit_endpoint_reports_graphql_and_core(localhub: LocalHub, hub_token: str) -> None:
    http_post(localhub.graphql_url, json={"query": VIEWER}, headers=auth(hub_token))
    for path in ("/rate_limit", "/api/v3/rate_limit"):
        response = http_get(localhub.base_url + path, headers=auth(hub_token))
        assert response.status_code == 200
        body = response.json()
        graphql = body["resources"]["graphql"]
        assert graphql["limit"] == 5000
        assert graphql["used"] >= 1
        assert graphql["remaining"] == graphql["limit"] - graphql["used"]
        assert body["resources"]["core"]["resource"] == "core"
        assert body["rate"] == body["resources"]["core"]
    wrong = http_get(localhub.base_url + "/rate_limit", headers=auth("wrong-token-000"))
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "Bad credentials"


def test_health_needs_no_token_and_unknown_paths_are_404(localhub: LocalHub) -> None:
    assert http_get(localhub.base_url + "/_localhub/health").json() == {"ok": True}
    missing = http_get(localhub.base_url + "/nothing/here")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found"


def _chunks(payload: bytes) -> Iterator[bytes]:
    for start in range(0, len(payload), 7):
        yield payload[start : start + 7]


def test_gzip_and_chunked_request_bodies_are_decoded(localhub: LocalHub, hub_token: str) -> None:
    payload = json.dumps({"query": VIEWER}).encode()
    with httpx.Client(headers=auth(hub_token), timeout=30) as client:
        zipped = client.post(
            localhub.graphql_url,
            content=gzip.compress(payload),
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
        chunked = client.post(localhub.graphql_url, content=_chunks(payload))
        both = client.post(
            localhub.graphql_url,
            content=_chunks(gzip.compress(payload)),
            headers={"content-encoding": "gzip"},
        )
    for response in (zipped, chunked, both):
        assert response.status_code == 200, response.text
        assert response.json()["data"]["viewer"]["login"] == "soda-dev"
    assert localhub.body_encoding_counts == {"gzip": 2, "chunked": 2}


def test_one_keep_alive_connection_serves_many_requests(localhub: LocalHub, hub_token: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", localhub.port, timeout=30)
    try:
        connection.connect()
        first_socket = connection.sock
        for _ in range(3):
            connection.request(
                "POST",
                "/graphql",
                body=json.dumps({"query": VIEWER}),
                headers={**auth(hub_token), "content-type": "application/json"},
            )
            response = connection.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["data"]["viewer"]["login"] == "soda-dev"
        # http.client reconnects silently when the server closes; the socket must be the same.
        assert connection.sock is first_socket
    finally:
        connection.close()


def test_twenty_concurrent_clients_are_all_answered(localhub: LocalHub, hub_token: str) -> None:
    statuses: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def client_thread() -> None:
        try:
            with httpx.Client(headers=auth(hub_token), timeout=60) as client:
                for _ in range(5):
                    response = client.post(localhub.graphql_url, json={"query": VIEWER})
                    with lock:
                        statuses.append(response.status_code)
        except BaseException as error:
            with lock:
                failures.append(error)

    threads = [threading.Thread(target=client_thread) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert statuses == [200] * 100
    assert localhub.request_counts["graphql"] == 100


def test_stop_closes_idle_keep_alive_connections(
    localhub_factory: Callable[..., LocalHub], hub_token: str
) -> None:
    hub = localhub_factory()
    client = httpx.Client(headers=auth(hub_token), timeout=30)
    try:
        assert client.post(hub.graphql_url, json={"query": VIEWER}).status_code == 200
        graphql_url = hub.graphql_url
        hub.stop()
        assert not hub.running
        with pytest.raises(httpx.TransportError):
            client.post(graphql_url, json={"query": VIEWER})
    finally:
        client.close()
