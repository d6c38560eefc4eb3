"""GraphQL objects read from git: Ref, Commit, Comparison, StatusCheckRollup, StatusContext."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from graphql import GraphQLResolveInfo

from soda_tui.localhub import store_activity as activity_db
from soda_tui.localhub.gitstore import (
    CommitInfo,
    GitActor,
    commit_info,
    commits_between,
    count_between,
    has_commit,
    peel_to_commit,
    resolve_ref,
)
from soda_tui.localhub.hub import iso
from soda_tui.localhub.ids import NodeRef, encode_node_id
from soda_tui.localhub.models import LocalHubError, RepoRecord, StatusRecord
from soda_tui.localhub.ops_refs import BRANCH_PREFIX, standard_prefix
from soda_tui.localhub.ops_repos import rollup_state
from soda_tui.localhub.pagination import Connection, EmptySource, ListSource
from soda_tui.localhub.resolvers_base import GraphNode, RequestContext, page_args, register
from soda_tui.localhub.resolvers_repository import RepositoryNode, item_connection
from soda_tui.localhub.store_items import ItemFilter

Info = GraphQLResolveInfo


def _git_actor(actor: GitActor) -> dict[str, Any]:
    # GitTimestamp keeps the author's zone; DateTime fields are UTC.
    return {"name": actor.name, "email": actor.email, "date": actor.date.isoformat()}


def _utc(timestamp: int) -> str:
    return iso(datetime.fromtimestamp(timestamp, tz=UTC))


@register
class CommitNode(GraphNode):
    """A commit of a repository."""

    graphql_type = "Commit"

    def __init__(self, ctx: RequestContext, repo: RepoRecord, oid: str) -> None:
        super().__init__(ctx)
        self.repo = repo
        self.oid = oid
        self.abbreviated_oid = oid[:7]

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> CommitNode | None:
        """See `GraphNode.load`."""
        repo = ctx.repo(ref.int_part())
        if not has_commit(ctx.hub.repo_git(repo), ref.parts[1]):
            return None
        return cls(ctx, repo, ref.parts[1])

    @cached_property
    def _info(self) -> CommitInfo:
        try:
            return commit_info(self.ctx.hub.repo_git(self.repo), self.oid)
        except KeyError as missing:
            raise LocalHubError(
                f"Commit {self.oid} is missing from {self.repo.full_name}."
            ) from missing

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("Commit", self.repo.id, self.oid)

    def url(self, info: Info) -> str:
        """HTML URL."""
        return self.ctx.hub.url(self.repo.owner_login, self.repo.name, "commit", self.oid)

    def message(self, info: Info) -> str:
        """The full message."""
        return self._info.message

    def message_headline(self, info: Info) -> str:
        """The first line of the message."""
        return self._info.headline

    def message_body(self, info: Info) -> str:
        """The message after the headline."""
        return self._info.body

    def committed_date(self, info: Info) -> str:
        """When it was committed (UTC)."""
        return _utc(self._info.committer.timestamp)

    def authored_date(self, info: Info) -> str:
        """When it was authored (UTC)."""
        return _utc(self._info.author.timestamp)

    def author(self, info: Info) -> dict[str, Any]:
        """The author's name, email and date."""
        return _git_actor(self._info.author)

    def committer(self, info: Info) -> dict[str, Any]:
        """The committer's name, email and date."""
        return _git_actor(self._info.committer)

    def status_check_rollup(self, info: Info) -> StatusCheckRollupNode | None:
        """Its statuses rolled up; None when it has none."""
        statuses = activity_db.statuses_of(self.ctx.hub.store, self.repo.id, self.oid)
        return StatusCheckRollupNode(self.ctx, self.repo, self.oid, statuses) if statuses else None


@register
class StatusCheckRollupNode(GraphNode):
    """The combined state of a commit's statuses (latest per context)."""

    graphql_type = "StatusCheckRollup"

    def __init__(
        self, ctx: RequestContext, repo: RepoRecord, oid: str, statuses: list[StatusRecord]
    ) -> None:
        super().__init__(ctx)
        self.repo = repo
        self.oid = oid
        self.statuses = statuses
        self.state = rollup_state([status.state for status in statuses])

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> StatusCheckRollupNode | None:
        """See `GraphNode.load`."""
        repo = ctx.repo(ref.int_part())
        statuses = activity_db.statuses_of(ctx.hub.store, repo.id, ref.parts[1])
        return cls(ctx, repo, ref.parts[1], statuses) if statuses else None

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("StatusCheckRollup", self.repo.id, self.oid)

    def commit(self, info: Info) -> CommitNode:
        """The commit."""
        return CommitNode(self.ctx, self.repo, self.oid)

    def contexts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Any]:
        """Each context's latest status, in the order the contexts first reported."""
        source = ListSource([((status.id,), status) for status in self.statuses])
        return Connection(
            source,
            page_args(first, after, last, before),
            lambda status: StatusContextNode(self.ctx, status),
            "contexts",
        )


@register
class StatusContextNode(GraphNode):
    """One commit status (REST `statuses`)."""

    graphql_type = "StatusContext"

    def __init__(self, ctx: RequestContext, status: StatusRecord) -> None:
        super().__init__(ctx)
        self.status = status
        self.context = status.context
        self.state = status.state
        self.description = status.description
        self.target_url = status.target_url
        self.created_at = status.created_at

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> StatusContextNode | None:
        """See `GraphNode.load`."""
        status = activity_db.status_by_id(ctx.hub.store, ref.int_part())
        return None if status is None else cls(ctx, status)

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("StatusContext", self.status.id)

    def is_required(
        self, info: Info, pull_request_id: str | None = None, pull_request_number: int | None = None
    ) -> bool:
        """False: localhub branch protection requires reviews, never particular checks."""
        return False


@register
class RefNode(GraphNode):
    """A git ref; `name` is relative to `prefix`, as GitHub reports it."""

    graphql_type = "Ref"

    def __init__(self, ctx: RequestContext, repo: RepoRecord, full_name: str, prefix: str) -> None:
        super().__init__(ctx)
        self.repo = repo
        self.full_name = full_name
        self.prefix = prefix
        self.name = full_name[len(prefix) :]

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> RefNode | None:
        """See `GraphNode.load`."""
        repo = ctx.repo(ref.int_part())
        full_name = ref.parts[1]
        if resolve_ref(ctx.hub.repo_git(repo), full_name) is None:
            return None
        return cls(ctx, repo, full_name, standard_prefix(full_name))

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("Ref", self.repo.id, self.full_name)

    def repository(self, info: Info) -> RepositoryNode:
        """The repository."""
        return RepositoryNode(self.ctx, self.repo)

    def target(self, info: Info) -> CommitNode | None:
        """The commit the ref points at."""
        git = self.ctx.hub.repo_git(self.repo)
        oid = resolve_ref(git, self.full_name)
        if oid is None:
            return None
        if peel_to_commit(git, oid) != oid:
            raise LocalHubError(
                f"{self.full_name} points at an annotated tag, which localhub does not model; "
                "use a lightweight tag."
            )
        return CommitNode(self.ctx, self.repo, oid)

    def associated_pull_requests(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        states: list[str] | None = None,
        labels: list[str] | None = None,
        head_ref_name: str | None = None,
        base_ref_name: str | None = None,
        order_by: dict[str, str] | None = None,
    ) -> Connection[Any]:
        """Pull requests whose head is this branch."""
        if not self.full_name.startswith(BRANCH_PREFIX):
            return Connection(
                EmptySource(),
                page_args(first, after, last, before),
                lambda n: n,
                "associatedPullRequests",
            )
        branch = self.full_name[len(BRANCH_PREFIX) :]
        item_filter = ItemFilter(
            repo_ids=[self.repo.id],
            is_pull=True,
            head_ref=branch,
            base_ref=base_ref_name,
            states=states or None,
            any_labels=labels or None,
        )
        if head_ref_name is not None and head_ref_name != branch:
            item_filter.repo_ids = []
        return item_connection(
            self.ctx, item_filter, order_by, "associatedPullRequests", first, after, last, before
        )

    def compare(self, info: Info, head_ref: str) -> ComparisonNode | None:
        """This ref as the base, `head_ref` as the head; None when either is missing."""
        git = self.ctx.hub.repo_git(self.repo)
        head_full = head_ref if head_ref.startswith("refs/") else BRANCH_PREFIX + head_ref
        if resolve_ref(git, head_full) is None and not head_ref.startswith("refs/"):
            head_full = f"refs/tags/{head_ref}"
        if resolve_ref(git, head_full) is None or resolve_ref(git, self.full_name) is None:
            return None
        return ComparisonNode(self.ctx, self.repo, self.full_name, head_full)


@register
class ComparisonNode(GraphNode):
    """How a head ref relates to a base ref."""

    graphql_type = "Comparison"

    def __init__(
        self, ctx: RequestContext, repo: RepoRecord, base_full: str, head_full: str
    ) -> None:
        super().__init__(ctx)
        self.repo = repo
        self.base_full = base_full
        self.head_full = head_full
        git = ctx.hub.repo_git(repo)
        self.base_oid = peel_to_commit(git, resolve_ref(git, base_full) or "") or ""
        self.head_oid = peel_to_commit(git, resolve_ref(git, head_full) or "") or ""
        self.ahead_by = count_between(git, self.head_oid, self.base_oid)
        self.behind_by = count_between(git, self.base_oid, self.head_oid)

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> ComparisonNode | None:
        """See `GraphNode.load`."""
        repo = ctx.repo(ref.int_part())
        git = ctx.hub.repo_git(repo)
        base_full, head_full = ref.parts[1], ref.parts[2]
        if resolve_ref(git, base_full) is None or resolve_ref(git, head_full) is None:
            return None
        return cls(ctx, repo, base_full, head_full)

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("Comparison", self.repo.id, self.base_full, self.head_full)

    def status(self, info: Info) -> str:
        """IDENTICAL, AHEAD, BEHIND or DIVERGED (head relative to base)."""
        if self.head_oid == self.base_oid:
            return "IDENTICAL"
        if self.behind_by == 0:
            return "AHEAD"
        return "BEHIND" if self.ahead_by == 0 else "DIVERGED"

    def base_target(self, info: Info) -> CommitNode:
        """The base commit."""
        return CommitNode(self.ctx, self.repo, self.base_oid)

    def head_target(self, info: Info) -> CommitNode:
        """The head commit."""
        return CommitNode(self.ctx, self.repo, self.head_oid)

    def commits(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Any]:
        """Commits on the head that the base lacks, oldest first."""
        oids = commits_between(self.ctx.hub.repo_git(self.repo), self.head_oid, self.base_oid)
        source = ListSource([((index,), oid) for index, oid in enumerate(oids)])
        return Connection(
            source,
            page_args(first, after, last, before),
            lambda oid: CommitNode(self.ctx, self.repo, oid),
            "commits",
        )


def ref_node(ctx: RequestContext, repo: RepoRecord, full_name: str) -> RefNode:
    """A Ref node with GitHub's standard prefix."""
    return RefNode(ctx, repo, full_name, standard_prefix(full_name))
