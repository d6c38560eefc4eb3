"""LocalHub: the embedded GitHub on loopback (GraphQL, git smart HTTP, REST, CI, faults)."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from soda_tui.core.secrets import Secret
from soda_tui.localhub.ci_runner import DEFAULT_TIMEOUT_SECONDS, CIRunner
from soda_tui.localhub.faults import FaultConfigError, Faults
from soda_tui.localhub.git_http import GitSmartHTTP
from soda_tui.localhub.http_server import (
    LocalHubHTTPServer,
    Request,
    Response,
    Router,
    json_response,
)
from soda_tui.localhub.rest import (
    GRAPHQL_DOCS,
    RestAPI,
    authenticate,
    rate_headers,
    request_id,
    unauthorized,
)
from soda_tui.localhub.state import LocalHubState

# Seconds stop() lets in-flight requests finish before it closes their connections.
STOP_GRACE_SECONDS = 10.0


class LocalHubStartError(Exception):
    """localhub could not start or serve (for example its port is taken)."""


class LocalHub:
    """GitHub on 127.0.0.1 for demos and tests: start it, point clients at `graphql_url`."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        token: str | Secret,
        login: str = "soda-dev",
        port: int = 0,
        rate_limit: int = 5000,
        faults: Faults | None = None,
        ci: bool = True,
        ci_timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._token = token if isinstance(token, Secret) else Secret(token)
        self.login = login
        self._requested_port = port
        self._rate_limit = rate_limit
        self._faults = faults if faults is not None else Faults()
        self._exhausted_by_fault: set[str] = set()
        self._ci_enabled = ci
        self._ci_timeout_seconds = ci_timeout_seconds
        self._state: LocalHubState | None = None
        self._server: LocalHubHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ci: CIRunner | None = None
        self._lock = threading.Lock()
        self._open_state()

    def _open_state(self) -> LocalHubState:
        if self._state is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._state = LocalHubState(self.data_dir, rate_limit=self._rate_limit)
            self._state.add_user(self.login, self._token.reveal())
        return self._state

    @property
    def state(self) -> LocalHubState:
        """The GitHub model behind the server (seed repositories and issues through it)."""
        return self._open_state()

    @property
    def faults(self) -> Faults:
        """The live fault settings; change them at any time."""
        return self._faults

    @property
    def token(self) -> Secret:
        """The token of the default user."""
        return self._token

    @property
    def ci(self) -> CIRunner | None:
        """The CI runner while started with `ci=True`."""
        return self._ci

    @property
    def running(self) -> bool:
        """Whether the server is accepting requests."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port; only meaningful once started."""
        if self._server is None:
            raise LocalHubStartError("localhub is not running: call start() first")
        return self._server.port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, the root of every route."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        """The GraphQL endpoint to configure as `api_url`."""
        return f"{self.base_url}/graphql"

    def git_url(self, owner: str, name: str) -> str:
        """The clone URL of a repository (without credentials)."""
        return f"{self.base_url}/{owner}/{name}.git"

    @property
    def request_counts(self) -> dict[str, int]:
        """Requests served per route name since start, for benchmarks."""
        if self._server is None:
            return {}
        return self._server.request_counts()

    @property
    def body_encoding_counts(self) -> dict[str, int]:
        """Request bodies received chunked or gzipped since start (git's big pushes, fetches)."""
        if self._server is None:
            return {}
        return self._server.encoding_counts()

    def start(self) -> None:
        """Bind 127.0.0.1 and serve in a background thread."""
        with self._lock:
            if self._server is not None:
                return
            state = self._open_state()
            router = Router()
            try:
                server = LocalHubHTTPServer(self._requested_port, router, self._faults)
            except OSError as error:
                raise LocalHubStartError(
                    f"localhub could not listen on 127.0.0.1:{self._requested_port} "
                    f"({error.strerror or error}); choose another --port"
                ) from None
            base_url = f"http://127.0.0.1:{server.port}"
            state.base_url = base_url
            if self._ci_enabled:
                self._ci = CIRunner(
                    state,
                    log_dir=self.data_dir / "ci-logs",
                    base_url=base_url,
                    timeout_seconds=self._ci_timeout_seconds,
                )
                state.on_pr_head_changed = self._ci.enqueue
            self._register_routes(router, state)
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"localhub-http-{server.port}",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop serving, close connections, cancel CI jobs and close the state; safe to repeat."""
        with self._lock:
            server, thread, ci = self._server, self._thread, self._ci
            self._server = self._thread = self._ci = None
            if server is not None:
                server.stopping.set()
                server.shutdown()
                server.close_connections(STOP_GRACE_SECONDS)
                server.server_close()
            if thread is not None:
                thread.join()
            if ci is not None:
                ci.stop()
            if self._state is not None:
                self._state.on_pr_head_changed = None
                self._state.close()
                self._state = None

    def __enter__(self) -> LocalHub:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "stopped"
        return f"LocalHub({str(self.data_dir)!r}, login={self.login!r}, {where})"

    def _register_routes(self, router: Router, state: LocalHubState) -> None:
        admin = "/_localhub"
        router.add("health", "admin", ["GET"], admin + "/health", self._health)
        router.add("admin_faults", "admin", ["GET", "POST"], admin + "/faults", self._faults_route)
        router.add("ci_log", "admin", ["GET"], admin + r"/ci-logs/(?P<job_id>[^/]+)", self._ci_log)
        router.add("graphql", "graphql", ["POST"], r"(?:/api)?/graphql", self._graphql)
        RestAPI(state, core_limit=self._rate_limit).register(router)
        GitSmartHTTP(state).register(router)

    def _health(self, request: Request) -> Response:
        return json_response(200, {"ok": True})

    def _faults_route(self, request: Request) -> Response:
        if authenticate(self.state, request) is None:
            return unauthorized(request, GRAPHQL_DOCS)
        if request.method == "POST":
            try:
                changes = request.read_json()
            except ValueError:
                return json_response(400, {"message": "Problems parsing JSON"})
            if not isinstance(changes, dict):
                return json_response(422, {"message": "Send a JSON object of fault fields"})
            try:
                self._apply_fault_changes(changes)
            except FaultConfigError as error:
                return json_response(422, {"message": str(error)})
        return json_response(200, self._faults.as_dict())

    def _apply_fault_changes(self, changes: dict[str, Any]) -> None:
        changes = dict(changes)
        if changes.pop("clear", False):
            self._faults.clear()
        fail_next = changes.pop("fail_next", None)
        changes.pop("pending_failures", None)
        self._faults.update(**changes)
        if fail_next is not None:
            if not isinstance(fail_next, dict):
                raise FaultConfigError('fail_next must look like {"count": 2, "kind": "502"}')
            count = fail_next.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int):
                raise FaultConfigError("fail_next.count must be an integer")
            self._faults.fail_next(count, str(fail_next.get("kind", "")))

    def _ci_log(self, request: Request) -> Response:
        assert request.match is not None
        ci = self._ci
        path = ci.log_path(request.match.group("job_id")) if ci is not None else None
        if path is None:
            return json_response(404, {"message": "Not Found"})
        return Response(
            status=200,
            body=path.read_bytes(),
            headers=[("content-type", "text/plain; charset=utf-8")],
        )

    def _graphql(self, request: Request) -> Response:
        state = self.state
        login = authenticate(state, request)
        if login is None:
            return unauthorized(request, GRAPHQL_DOCS)
        try:
            payload = request.read_json()
        except ValueError:
            return json_response(400, {"message": "Problems parsing JSON"})
        if not isinstance(payload, dict):
            return json_response(400, {"message": "Problems parsing JSON"})
        query = payload.get("query")
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        if not isinstance(query, str):
            return json_response(
                400, {"message": "A query attribute must be specified and must be a string."}
            )
        if variables is not None and not isinstance(variables, dict):
            return json_response(400, {"message": "Variables are invalid JSON."})
        if operation_name is not None and not isinstance(operation_name, str):
            operation_name = None
        if self._faults.rate_limited_for(request.path, "graphql"):
            state.exhaust_rate_limit(login)
            self._exhausted_by_fault.add(login)
        elif login in self._exhausted_by_fault:
            # The fault is off again: its exhaustion ends, as if the reset time had come.
            self._exhausted_by_fault.discard(login)
            state.reset_rate_limit(login)
        outcome = state.execute_graphql(query, variables, operation_name, login)
        headers = [*rate_headers(outcome.rate), ("x-github-request-id", request_id())]
        return json_response(200, outcome.body, headers)
