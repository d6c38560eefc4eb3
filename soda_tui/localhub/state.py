"""LocalHubState: localhub's whole GitHub model, behind one lock, as the server and tests use it."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from soda_tui.core.clock import Clock, SystemClock
from soda_tui.localhub import ops_issues, ops_refs, ops_repos
from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.executor import Executor
from soda_tui.localhub.gitstore import GitRepos, has_commit, read_refs, resolve_ref
from soda_tui.localhub.hub import Hub
from soda_tui.localhub.ids import encode_node_id
from soda_tui.localhub.models import (
    GraphQLOutcome,
    IssueSpec,
    RateSnapshot,
    RefChange,
    RepoRecord,
    UserRecord,
)
from soda_tui.localhub.ratelimit import RateLimiter
from soda_tui.localhub.store import Store

DATABASE_NAME = "localhub.sqlite3"
log = logging.getLogger(__name__)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LocalHubState:
    """Users, repositories, issues, pull requests and their git data, persisted in `data_dir`."""

    def __init__(
        self, data_dir: Path, *, rate_limit: int = 5000, clock: Clock | None = None
    ) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.clock: Clock = clock or SystemClock()
        self._store = Store(self.data_dir / DATABASE_NAME)
        self._hub = Hub(
            self._store, GitRepos(self.data_dir / "repos"), self.clock, "http://127.0.0.1"
        )
        self._limiter = RateLimiter(rate_limit, self.clock)
        self._executor = Executor()
        self.on_pr_head_changed: Callable[[str, str, str, int], None] | None = None

    @property
    def base_url(self) -> str:
        """The server's base URL, used for the `url` fields (the server sets it once listening)."""
        return self._hub.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._hub.base_url = value.rstrip("/")

    @contextmanager
    def _session(self) -> Iterator[Hub]:
        """Hold the lock for one operation, then deliver head-change notifications outside it."""
        try:
            with self._hub.session():
                yield self._hub
        finally:
            self._deliver_notifications()

    def _deliver_notifications(self) -> None:
        callback = self.on_pr_head_changed
        for change in self._hub.notifications.take():
            if callback is None:
                continue
            try:
                callback(change.owner, change.name, change.sha, change.number)
            except Exception:
                # A subscriber's failure must not fail the push or mutation that caused it.
                log.exception(
                    "on_pr_head_changed failed for %s/%s#%s",
                    change.owner,
                    change.name,
                    change.number,
                )

    @property
    def rows_fetched(self) -> int:
        """Database rows read so far (to check that pages do not scan whole tables)."""
        return self._store.rows_fetched

    def close(self) -> None:
        """Close the database."""
        self._store.close()

    def _repo(self, owner: str, name: str) -> RepoRecord:
        return repos_db.require_repo(self._store, owner, name)

    # Users and tokens --------------------------------------------------------------------

    def add_user(self, login: str, token: str) -> None:
        """Create (or update) a user whose token is `token`; only its sha256 is stored."""
        with self._session() as hub:
            user = repos_db.ensure_user(self._store, login, hub.now())
            repos_db.set_token_digest(self._store, user.id, _digest(token))

    def login_for_token(self, token: str) -> str | None:
        """The login whose token this is, or None (compared in constant time)."""
        digest = _digest(token)
        with self._session():
            found = None
            for login, stored in repos_db.token_digests(self._store):
                if hmac.compare_digest(stored, digest):
                    found = login
            return found

    # GraphQL and rate limits -------------------------------------------------------------

    def execute_graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        login: str = "soda-dev",
    ) -> GraphQLOutcome:
        """Answer one GraphQL request for `login`; the body is sent with HTTP status 200."""
        with self._session() as hub:
            viewer = repos_db.ensure_user(self._store, login, hub.now())
            return self._executor.run(hub, self._limiter, viewer, query, variables, operation_name)

    def rate_snapshot(self, login: str) -> RateSnapshot:
        """The GraphQL budget of `login` now."""
        return self._limiter.snapshot(login)

    def set_rate_limit(self, limit: int) -> None:
        """Change the hourly points of every login."""
        self._limiter.set_limit(limit)

    def reset_rate_limit(self, login: str) -> None:
        """Give `login` a full budget now (the fault injector's way of letting the reset come)."""
        self._limiter.reset([login])

    def exhaust_rate_limit(self, login: str | None = None) -> None:
        """Use up the budget of `login` (or of every user) until its window resets."""
        if login is not None:
            self._limiter.exhaust([login])
            return
        with self._session():
            self._limiter.exhaust(repos_db.all_logins(self._store))

    # Git ----------------------------------------------------------------------------------

    def bare_repo_path(self, owner: str, name: str) -> Path | None:
        """Where `owner/name`'s bare repository is, or None for an unknown repository."""
        with self._session() as hub:
            repo = repos_db.repo_by_name(self._store, owner, name)
            return None if repo is None else hub.git_dir(repo)

    def refs_snapshot(self, owner: str, name: str) -> dict[str, str]:
        """Every ref of the repository and its oid (taken before a push)."""
        with self._session() as hub:
            return read_refs(hub.repo_git(self._repo(owner, name)))

    def after_push(self, owner: str, name: str, before: Mapping[str, str]) -> list[RefChange]:
        """Record what a push changed and move the heads of open pull requests."""
        with self._session() as hub:
            return ops_refs.after_push(hub, self._repo(owner, name), dict(before))

    def create_status(
        self,
        owner: str,
        name: str,
        sha: str,
        state: str,
        context: str,
        description: str | None = None,
        target_url: str | None = None,
        *,
        creator: str | None = None,
    ) -> dict[str, Any]:
        """Set a commit status (error, failure, pending, success); returns its REST JSON."""
        with self._session() as hub:
            repo = self._repo(owner, name)
            author = repos_db.ensure_user(self._store, creator, hub.now()) if creator else None
            status = ops_repos.create_status(
                hub, repo, sha, state, context, description, target_url, author
            )
            return ops_repos.status_json(hub, repo, status)

    def commit_exists(self, owner: str, name: str, sha: str) -> bool:
        """Whether `sha` is a commit of `owner/name` (False for an unknown repository)."""
        with self._session() as hub:
            repo = repos_db.repo_by_name(self._store, owner, name)
            return repo is not None and has_commit(hub.repo_git(repo), sha.lower())

    def combined_status(self, owner: str, name: str, ref: str) -> dict[str, Any] | None:
        """REST's combined status of a sha, branch or tag; None when the repo or ref is unknown."""
        with self._session() as hub:
            repo = repos_db.repo_by_name(self._store, owner, name)
            if repo is None:
                return None
            sha = ops_repos.resolve_commitish(hub, repo, ref)
            return None if sha is None else ops_repos.combined_status_json(hub, repo, sha)

    # Seeding helpers (tests, demo, benchmarks) ---------------------------------------------

    def create_repository(
        self,
        owner: str,
        name: str,
        default_branch: str = "main",
        files: dict[str, str] | None = None,
        *,
        description: str | None = None,
        private: bool = False,
    ) -> dict[str, Any]:
        """Create `owner/name` with a first commit of `files` (a README by default)."""
        with self._session() as hub:
            owner_user = repos_db.ensure_user(self._store, owner, hub.now())
            repo = ops_repos.create_repository(
                hub,
                owner_user,
                name,
                default_branch=default_branch,
                files=files,
                description=description,
                visibility="PRIVATE" if private else "PUBLIC",
            )
            return {
                "id": encode_node_id("Repository", repo.id),
                "owner": repo.owner_login,
                "name": repo.name,
                "nameWithOwner": repo.full_name,
                "defaultBranch": repo.default_branch,
                "headOid": resolve_ref(hub.repo_git(repo), f"refs/heads/{default_branch}"),
                "path": str(hub.git_dir(repo)),
            }

    def _author(self, author: str | None, repo: RepoRecord) -> UserRecord:
        login = author or repo.owner_login
        return repos_db.ensure_user(self._store, login, self._hub.now())

    def create_issue(
        self,
        owner: str,
        name: str,
        title: str,
        body: str = "",
        labels: Iterable[str] = (),
        author: str | None = None,
    ) -> int:
        """Open an issue (labels are created when missing); returns its number."""
        with self._session() as hub:
            repo = self._repo(owner, name)
            label_ids = [ops_issues.ensure_label(hub, repo, label).id for label in labels]
            issue = ops_issues.create_issue(
                hub,
                repo,
                title=title,
                body=body,
                author=self._author(author, repo),
                label_ids=label_ids,
            )
            return issue.number

    def create_issues_bulk(
        self, owner: str, name: str, specs: Iterable[IssueSpec | Mapping[str, Any]]
    ) -> list[int]:
        """Open many issues in one transaction; returns their numbers in order."""
        with self._session() as hub:
            repo = self._repo(owner, name)
            return ops_issues.create_issues_bulk(hub, repo, specs, self._author(None, repo))

    def ensure_label(
        self,
        owner: str,
        name: str,
        label: str,
        color: str = "ededed",
        description: str | None = None,
    ) -> str:
        """The node id of label `label`, created with `color` when missing."""
        with self._session() as hub:
            record = ops_issues.ensure_label(
                hub, self._repo(owner, name), label, color, description
            )
            return encode_node_id("Label", record.id)

    def set_branch_protection(self, owner: str, name: str, required_approvals: int) -> None:
        """Require `required_approvals` approving reviews to merge (0 turns reviews off)."""
        if required_approvals < 0:
            raise ValueError(f"required_approvals must be zero or more, got {required_approvals}")
        with self._session():
            repos_db.set_required_approvals(
                self._store, self._repo(owner, name).id, required_approvals
            )

    def repository_exists(self, owner: str, name: str) -> bool:
        """Whether `owner/name` exists."""
        with self._session():
            return repos_db.repo_by_name(self._store, owner, name) is not None
