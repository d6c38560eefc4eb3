"""localhub's REST subset (commit statuses, rate limit) and the auth answers shared with GraphQL."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

from soda_tui.localhub.http_server import Request, Response, Router, json_response
from soda_tui.localhub.models import HubNotFound
from soda_tui.localhub.models import LocalHubError as HubModelError

if TYPE_CHECKING:
    from soda_tui.localhub.models import RateSnapshot
    from soda_tui.localhub.state import LocalHubState

GRAPHQL_DOCS = "https://docs.github.com/graphql"
REST_DOCS = "https://docs.github.com/rest"
STATUS_DOCS = "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
STATUS_STATES = ("error", "failure", "pending", "success")
_OWNER = r"(?P<owner>[A-Za-z0-9][A-Za-z0-9._-]*)"
_NAME = r"(?P<name>[A-Za-z0-9._-]+)"
CORE_WINDOW_SECONDS = 3600


def request_token(request: Request) -> str | None:
    """The token a request carries: `bearer`/`token` schemes, or the password of Basic auth."""
    value = request.header("Authorization").strip()
    if not value:
        return None
    scheme, _, credentials = value.partition(" ")
    scheme = scheme.lower()
    credentials = credentials.strip()
    if scheme in ("bearer", "token"):
        return credentials or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        # Git sends `user:token` (GitHub ignores the user); `token:x-oauth-basic` works too.
        user, _, password = decoded.partition(":")
        if password and password != "x-oauth-basic":
            return password
        return user or None
    return None


def authenticate(state: LocalHubState, request: Request) -> str | None:
    """The login whose token the request carries, or None."""
    token = request_token(request)
    return state.login_for_token(token) if token else None


def unauthorized(request: Request, documentation_url: str) -> Response:
    """GitHub's 401: a missing token and a wrong one get different messages."""
    if request_token(request) is None:
        message = "This endpoint requires you to be authenticated."
    else:
        message = "Bad credentials"
    return json_response(401, {"message": message, "documentation_url": documentation_url})


def request_id() -> str:
    """A request id shaped like GitHub's: five groups of hex digits joined by colons."""
    raw = secrets.token_hex(14).upper()
    return f"{raw[:4]}:{raw[4:8]}:{raw[8:14]}:{raw[14:20]}:{raw[20:28]}"


def rate_headers(rate: RateSnapshot) -> list[tuple[str, str]]:
    """The `x-ratelimit-*` headers for a budget snapshot."""
    return [
        ("x-ratelimit-limit", str(rate.limit)),
        ("x-ratelimit-remaining", str(rate.remaining)),
        ("x-ratelimit-used", str(rate.used)),
        ("x-ratelimit-reset", str(int(rate.reset_epoch))),
        ("x-ratelimit-resource", rate.resource),
    ]


class CoreBudget:
    """The REST (`core`) budget per login: each REST call costs one, reset hourly."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._used: dict[str, tuple[int, int]] = {}

    def spend(self, login: str) -> dict[str, Any]:
        """Count one call and return the budget after it."""
        return self._snapshot(login, cost=1)

    def peek(self, login: str) -> dict[str, Any]:
        """The budget now, without spending (GitHub does not charge for /rate_limit)."""
        return self._snapshot(login, cost=0)

    def _snapshot(self, login: str, cost: int) -> dict[str, Any]:
        now = int(time.time())
        with self._lock:
            used, reset = self._used.get(login, (0, now + CORE_WINDOW_SECONDS))
            if now >= reset:
                used, reset = 0, now + CORE_WINDOW_SECONDS
            used = min(self.limit, used + cost)
            self._used[login] = (used, reset)
        return {
            "limit": self.limit,
            "used": used,
            "remaining": self.limit - used,
            "reset": reset,
            "resource": "core",
        }


def _budget_json(rate: RateSnapshot) -> dict[str, Any]:
    return {
        "limit": rate.limit,
        "used": rate.used,
        "remaining": rate.remaining,
        "reset": int(rate.reset_epoch),
        "resource": rate.resource,
    }


def _core_headers(budget: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("x-ratelimit-limit", str(budget["limit"])),
        ("x-ratelimit-remaining", str(budget["remaining"])),
        ("x-ratelimit-used", str(budget["used"])),
        ("x-ratelimit-reset", str(budget["reset"])),
        ("x-ratelimit-resource", "core"),
        ("x-github-request-id", request_id()),
    ]


class RestAPI:
    """Commit statuses and the rate-limit endpoint, at the root and under `/api/v3`."""

    def __init__(self, state: LocalHubState, *, core_limit: int = 5000) -> None:
        self._state = state
        self._core = CoreBudget(core_limit)

    def register(self, router: Router) -> None:
        """Add the REST routes to a router."""
        for prefix in ("", "/api/v3"):
            repo = f"{prefix}/repos/{_OWNER}/{_NAME}"
            router.add(
                "rest_create_status",
                "rest",
                ["POST"],
                repo + r"/statuses/(?P<sha>[0-9A-Fa-f]{40})",
                self.create_status,
            )
            router.add(
                "rest_combined_status",
                "rest",
                ["GET"],
                repo + r"/commits/(?P<ref>.+)/status",
                self.combined_status,
            )
            router.add("rest_rate_limit", "rest", ["GET"], prefix + "/rate_limit", self.rate_limit)
        # A status for a sha that is not 40 hex digits can only be unknown.
        router.add(
            "rest_create_status",
            "rest",
            ["POST"],
            rf"(?:/api/v3)?/repos/{_OWNER}/{_NAME}/statuses/(?P<sha>[^/]+)",
            self._unknown_commit,
        )

    def _login(self, request: Request) -> str | None:
        return authenticate(self._state, request)

    def create_status(self, request: Request) -> Response:
        """`POST /repos/{owner}/{repo}/statuses/{sha}`."""
        login = self._login(request)
        if login is None:
            return unauthorized(request, REST_DOCS)
        headers = _core_headers(self._core.spend(login))
        assert request.match is not None
        owner, name, sha = request.match.group("owner", "name", "sha")
        try:
            payload = request.read_json()
        except ValueError:
            return json_response(400, {"message": "Problems parsing JSON"}, headers)
        if not isinstance(payload, dict):
            return json_response(400, {"message": "Problems parsing JSON"}, headers)
        state = payload.get("state")
        if state not in STATUS_STATES:
            return json_response(422, _invalid_state(state), headers)
        context = payload.get("context") or "default"
        description = payload.get("description")
        target_url = payload.get("target_url")
        for field, value in (
            ("context", context),
            ("description", description),
            ("target_url", target_url),
        ):
            if value is not None and not isinstance(value, str):
                return json_response(422, _invalid_field(field), headers)
        if not self._commit_exists(owner, name, sha):
            return json_response(404, _not_found(STATUS_DOCS), headers)
        try:
            status = self._state.create_status(
                owner,
                name,
                sha.lower(),
                state,
                context,
                description=description,
                target_url=target_url,
                creator=login,
            )
        except HubNotFound:
            return json_response(404, _not_found(STATUS_DOCS), headers)
        except HubModelError as error:
            # A race (the repository went away) or a rule the state enforces, e.g. blank context.
            body = {"message": "Validation Failed", "errors": [{"message": error.message}]}
            return json_response(422, {**body, "documentation_url": STATUS_DOCS}, headers)
        return json_response(201, status, headers)

    def _unknown_commit(self, request: Request) -> Response:
        login = self._login(request)
        if login is None:
            return unauthorized(request, REST_DOCS)
        return json_response(404, _not_found(STATUS_DOCS), _core_headers(self._core.spend(login)))

    def combined_status(self, request: Request) -> Response:
        """`GET /repos/{owner}/{repo}/commits/{ref}/status`."""
        login = self._login(request)
        if login is None:
            return unauthorized(request, REST_DOCS)
        headers = _core_headers(self._core.spend(login))
        assert request.match is not None
        owner, name, ref = request.match.group("owner", "name", "ref")
        combined = self._state.combined_status(owner, name, ref)
        if combined is None:
            docs = "https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference"
            return json_response(404, _not_found(docs), headers)
        return json_response(200, combined, headers)

    def rate_limit(self, request: Request) -> Response:
        """`GET /rate_limit`: the GraphQL and core budgets of the caller."""
        login = self._login(request)
        if login is None:
            return unauthorized(request, REST_DOCS)
        core = self._core.peek(login)
        graphql = _budget_json(self._state.rate_snapshot(login))
        body = {"resources": {"core": core, "graphql": graphql}, "rate": core}
        return json_response(200, body, _core_headers(core))

    def _commit_exists(self, owner: str, name: str, sha: str) -> bool:
        return self._state.commit_exists(owner, name, sha)


def _not_found(documentation_url: str) -> dict[str, str]:
    return {"message": "Not Found", "documentation_url": documentation_url}


def _invalid_state(state: Any) -> dict[str, Any]:
    return {
        "message": "Validation Failed",
        "errors": [
            {
                "resource": "Status",
                "code": "custom",
                "field": "state",
                "message": f"state is not included in the list (got {state!r}; "
                f"use one of {', '.join(STATUS_STATES)})",
            }
        ],
        "documentation_url": STATUS_DOCS,
    }


def _invalid_field(field: str) -> dict[str, Any]:
    return {
        "message": "Validation Failed",
        "errors": [{"resource": "Status", "code": "invalid", "field": field}],
        "documentation_url": STATUS_DOCS,
    }
