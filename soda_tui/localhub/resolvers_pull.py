"""GraphQL objects: PullRequest, PullRequestReview and PullRequestCommit."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from soda_tui.localhub import ops_pulls
from soda_tui.localhub import store_activity as activity_db
from soda_tui.localhub import store_items as items_db
from soda_tui.localhub.ids import NodeRef, encode_node_id
from soda_tui.localhub.models import ItemRecord, RepoRecord, ReviewRecord
from soda_tui.localhub.ops_repos import rollup_state
from soda_tui.localhub.pagination import Connection, ListSource
from soda_tui.localhub.resolvers_base import GraphNode, RequestContext, build, page_args, register
from soda_tui.localhub.resolvers_issue import ItemNode
from soda_tui.localhub.resolvers_repository import UserNode, actor, item_connection
from soda_tui.localhub.store_items import ItemFilter

Info = GraphQLResolveInfo


@register
class PullRequestNode(ItemNode):
    """A pull request (head and base are branches of the same repository)."""

    graphql_type = "PullRequest"
    url_segment = "pull"

    def __init__(self, ctx: RequestContext, item: ItemRecord) -> None:
        super().__init__(ctx, item)
        self.state = item.state
        self.is_draft = item.is_draft
        self.merged = item.state == "MERGED"
        self.merged_at = item.merged_at
        self.head_ref_name = item.head_ref
        self.base_ref_name = item.base_ref
        self.is_cross_repository = False
        # localhub has no auto-merge.
        self.auto_merge_request = None

    @property
    def _repo(self) -> RepoRecord:
        return self.ctx.repo(self.item.repo_id)

    def head_ref_oid(self, info: Info) -> str:
        """The head branch's commit now (the last known one once closed or merged)."""
        return ops_pulls.head_oid(self.ctx.hub, self._repo, self.item)

    def base_ref_oid(self, info: Info) -> str:
        """The base branch's commit now (the one merged into, once merged)."""
        return ops_pulls.base_oid(self.ctx.hub, self._repo, self.item)

    def _branch(self, name: str | None) -> Any:
        return self.repository(None).ref(None, f"refs/heads/{name}") if name else None

    def head_ref(self, info: Info) -> Any:
        """The head branch, or None once deleted."""
        return self._branch(self.item.head_ref)

    def base_ref(self, info: Info) -> Any:
        """The base branch, or None once deleted."""
        return self._branch(self.item.base_ref)

    def mergeable(self, info: Info) -> str:
        """MERGEABLE or CONFLICTING from a real three-way merge; UNKNOWN when not open."""
        return ops_pulls.mergeable_state(self.ctx.hub, self._repo, self.item)

    def review_decision(self, info: Info) -> str | None:
        """APPROVED, CHANGES_REQUESTED or REVIEW_REQUIRED; None when reviews are not required."""
        return ops_pulls.review_decision(self.ctx.hub, self._repo, self.item)

    def _rollup_state(self) -> str | None:
        head = self.head_ref_oid(None)
        statuses = activity_db.statuses_of(self.ctx.hub.store, self.item.repo_id, head)
        return rollup_state([status.state for status in statuses])

    def merge_state_status(self, info: Info) -> str:
        """GitHub's summary of whether the PR can merge now."""
        if self.item.state != "OPEN":
            return "UNKNOWN"
        if self.item.is_draft:
            return "DRAFT"
        mergeable = self.mergeable(info)
        if mergeable != "MERGEABLE":
            return "DIRTY" if mergeable == "CONFLICTING" else "UNKNOWN"
        if self.review_decision(info) not in (None, "APPROVED"):
            return "BLOCKED"
        if self._rollup_state() in ("FAILURE", "ERROR", "PENDING"):
            return "UNSTABLE"
        return "CLEAN"

    def merge_commit(self, info: Info) -> Any:
        """The commit the merge wrote on the base branch."""
        oid = self.item.merge_commit_oid
        return build("Commit", self.ctx, self._repo, oid) if oid else None

    def status_check_rollup(self, info: Info) -> Any:
        """The rollup of the head commit's statuses (None without any)."""
        return build("Commit", self.ctx, self._repo, self.head_ref_oid(info)).status_check_rollup(
            info
        )

    def closing_issues_references(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: dict[str, str] | None = None,
        user_linked_only: bool = False,
    ) -> Connection[Any]:
        """Issues its body closes with a keyword; none unless it targets the default branch."""
        item_filter = ItemFilter(is_pull=False, linked_from_pull=self.item.id)
        if user_linked_only or self.item.base_ref != self._repo.default_branch:
            item_filter.repo_ids = []
        return item_connection(
            self.ctx, item_filter, order_by, "closingIssuesReferences", first, after, last, before
        )

    def commits(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Any]:
        """Its commits, oldest first."""
        oids = ops_pulls.commit_oids(self.ctx.hub, self._repo, self.item)
        source = ListSource([((index,), oid) for index, oid in enumerate(oids)])
        return Connection(
            source,
            page_args(first, after, last, before),
            lambda oid: PullRequestCommitNode(self.ctx, self._repo, self.item, oid),
            "commits",
        )


@register
class PullRequestCommitNode(GraphNode):
    """One commit as part of a pull request."""

    graphql_type = "PullRequestCommit"

    def __init__(self, ctx: RequestContext, repo: RepoRecord, pull: ItemRecord, oid: str) -> None:
        super().__init__(ctx)
        self.repo = repo
        self.pull = pull
        self.oid = oid

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> PullRequestCommitNode | None:
        """See `GraphNode.load`."""
        pull = items_db.item_by_id(ctx.hub.store, ref.int_part())
        if pull is None or not pull.is_pull:
            return None
        repo = ctx.repo(pull.repo_id)
        if ref.parts[1] not in ops_pulls.commit_oids(ctx.hub, repo, pull):
            return None
        return cls(ctx, repo, pull, ref.parts[1])

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("PullRequestCommit", self.pull.id, self.oid)

    def commit(self, info: Info) -> Any:
        """The commit."""
        return build("Commit", self.ctx, self.repo, self.oid)


@register
class PullRequestReviewNode(GraphNode):
    """A review of a pull request."""

    graphql_type = "PullRequestReview"

    def __init__(self, ctx: RequestContext, review: ReviewRecord) -> None:
        super().__init__(ctx)
        self.review = review
        self.state = review.state
        self.body = review.body
        self.created_at = review.created_at
        self.submitted_at = None if review.state == "PENDING" else review.created_at

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> PullRequestReviewNode | None:
        """See `GraphNode.load`."""
        review = activity_db.review_by_id(ctx.hub.store, ref.int_part())
        return None if review is None else cls(ctx, review)

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("PullRequestReview", self.review.id)

    def author(self, info: Info) -> UserNode | None:
        """The reviewer."""
        return actor(self.ctx, self.review.author_id)

    def commit(self, info: Info) -> Any:
        """The head commit the review was made on."""
        if not self.review.commit_oid:
            return None
        pull = items_db.item_by_id(self.ctx.hub.store, self.review.item_id)
        if pull is None:
            return None
        return build("Commit", self.ctx, self.ctx.repo(pull.repo_id), self.review.commit_oid)
