"""Git smart HTTP for localhub: dulwich's WSGI handlers over the state's bare repositories."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from dulwich.repo import Repo
from dulwich.server import BackendRepo, DictBackend
from dulwich.web import HTTPGitApplication

from soda_tui.localhub.http_server import Request, Response, Router
from soda_tui.localhub.rest import authenticate

if TYPE_CHECKING:
    from soda_tui.localhub.state import LocalHubState

# owner/name as GitHub allows them, then an optional `.git`, then the smart HTTP endpoint.
_REPO = r"/(?P<owner>[A-Za-z0-9][A-Za-z0-9._-]*)/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?"
INFO_REFS_PATTERN = _REPO + r"(?P<service>/info/refs)"
RPC_PATTERN = _REPO + r"(?P<service>/git-upload-pack|/git-receive-pack)"

UNAUTHORIZED_BODY = b"Invalid username or token. Password authentication is not supported.\n"
NOT_FOUND_BODY = b"Repository not found.\n"


def _text(status: int, body: bytes, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(
        status=status,
        body=body,
        headers=[("content-type", "text/plain; charset=utf-8"), *(headers or [])],
    )


class GitSmartHTTP:
    """Serves clone, fetch and push for every repository the state holds, with token auth."""

    def __init__(self, state: LocalHubState) -> None:
        self._state = state
        self._push_locks: dict[tuple[str, str], threading.Lock] = {}
        self._push_locks_guard = threading.Lock()

    def register(self, router: Router) -> None:
        """Add the smart HTTP routes to a router."""
        router.add("git_info_refs", "git", ["GET"], INFO_REFS_PATTERN, self.handle)
        router.add("git_rpc", "git", ["POST"], RPC_PATTERN, self.handle)

    def handle(self, request: Request) -> Response | None:
        """Authenticate, find the repository and hand the request to dulwich."""
        assert request.match is not None
        owner = request.match.group("owner")
        name = request.match.group("name")
        service_path = request.match.group("service")
        if authenticate(self._state, request) is None:
            # The challenge makes git ask its credential helpers, then fail cleanly without a TTY.
            return _text(401, UNAUTHORIZED_BODY, [("WWW-Authenticate", 'Basic realm="GitHub"')])
        bare_path = self._state.bare_repo_path(owner, name)
        if bare_path is None or not bare_path.exists():
            return _text(404, NOT_FOUND_BODY)
        is_push = service_path == "/git-receive-pack" or (
            request.query.get("service", [""])[0] == "git-receive-pack"
        )
        if request.method == "POST" and is_push:
            with self._push_lock(owner, name):
                before = self._state.refs_snapshot(owner, name)
                try:
                    self._run_dulwich(request, bare_path, service_path)
                finally:
                    # Record whatever landed, even if the client hung up mid-report.
                    self._state.after_push(owner, name, before)
            return None
        self._run_dulwich(request, bare_path, service_path)
        return None

    def _push_lock(self, owner: str, name: str) -> threading.Lock:
        # One push per repository at a time keeps each before/after snapshot pair meaningful.
        key = (owner.lower(), name.lower())
        with self._push_locks_guard:
            return self._push_locks.setdefault(key, threading.Lock())

    def _run_dulwich(self, request: Request, bare_path: Any, service_path: str) -> None:
        repo = Repo(str(bare_path))
        try:
            backend = DictBackend({"/": cast(BackendRepo, repo)})
            application = HTTPGitApplication(backend)
            query = "&".join(
                f"{key}={value}" for key, values in request.query.items() for value in values
            )
            environ: dict[str, Any] = {
                "REQUEST_METHOD": request.method,
                "PATH_INFO": service_path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": request.header("Content-Type"),
                "wsgi.input": request.body,
            }
            writer = request.writer

            def start_response(
                status: str, headers: list[tuple[str, str]], exc_info: Any = None
            ) -> Callable[[bytes], None]:
                writer.start(int(status.split(" ", 1)[0]), headers)
                return writer.write

            for chunk in application(environ, start_response):
                if not writer.started:
                    writer.start(200, [])
                writer.write(chunk)
            writer.end()
        finally:
            repo.close()
