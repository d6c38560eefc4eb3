"""GraphQL objects: Issue, IssueComment, and what issues and pull requests share."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from soda_tui.localhub import store_items as items_db
from soda_tui.localhub.ids import NodeRef, encode_node_id
from soda_tui.localhub.models import CommentRecord, ItemRecord
from soda_tui.localhub.pagination import Connection, EmptySource
from soda_tui.localhub.resolvers_base import GraphNode, RequestContext, build, page_args, register
from soda_tui.localhub.resolvers_repository import (
    LabelNode,
    RepositoryNode,
    UserNode,
    actor,
    item_connection,
)
from soda_tui.localhub.store_items import ItemFilter

Info = GraphQLResolveInfo


class ItemNode(GraphNode):
    """Fields that issues and pull requests have in common."""

    url_segment = "issues"

    def __init__(self, ctx: RequestContext, item: ItemRecord) -> None:
        super().__init__(ctx)
        self.item = item
        self.number = item.number
        self.title = item.title
        self.body = item.body
        self.created_at = item.created_at
        self.updated_at = item.updated_at
        self.closed_at = item.closed_at
        self.closed = item.state != "OPEN"

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> ItemNode | None:
        """See `GraphNode.load`."""
        item = items_db.item_by_id(ctx.hub.store, ref.int_part())
        if item is None or item.is_pull != (cls.graphql_type == "PullRequest"):
            return None
        return cls(ctx, item)

    def id(self, info: Info) -> str:
        """Global id (`I_…` or `PR_…`)."""
        return encode_node_id(self.graphql_type, self.item.id)

    def url(self, info: Info) -> str:
        """HTML URL."""
        repo = self.ctx.repo(self.item.repo_id)
        return self.ctx.hub.url(repo.owner_login, repo.name, self.url_segment, self.item.number)

    def author(self, info: Info) -> UserNode | None:
        """Who opened it."""
        return actor(self.ctx, self.item.author_id)

    def repository(self, info: Info) -> RepositoryNode:
        """The repository it belongs to."""
        return RepositoryNode(self.ctx, self.ctx.repo(self.item.repo_id))

    def labels(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: dict[str, str] | None = None,
    ) -> Connection[Any]:
        """Its labels (by label creation, unless ordered otherwise)."""
        order = order_by or {"field": "CREATED_AT", "direction": "ASC"}
        source = items_db.label_source(
            self.ctx.hub.store,
            repo_id=None,
            item_id=self.item.id,
            query=None,
            order_field=order["field"],
            descending=order["direction"] == "DESC",
            convert=lambda label: LabelNode(self.ctx, label),
        )
        return Connection(
            source, page_args(first, after, last, before), lambda node: node, "labels"
        )

    def comments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: dict[str, str] | None = None,
    ) -> Connection[Any]:
        """Its comments, oldest first."""
        column = "updated_at" if order_by else "created_at"
        source = items_db.comment_source(
            self.ctx.hub.store,
            self.item.id,
            order_column=column,
            descending=bool(order_by and order_by["direction"] == "DESC"),
            convert=lambda comment: IssueCommentNode(self.ctx, comment),
        )
        return Connection(
            source, page_args(first, after, last, before), lambda node: node, "comments"
        )

    def assignees(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Any]:
        """Always empty: localhub has no assignment."""
        return Connection(
            EmptySource(), page_args(first, after, last, before), lambda node: node, "assignees"
        )


@register
class IssueNode(ItemNode):
    """An issue."""

    graphql_type = "Issue"

    def __init__(self, ctx: RequestContext, item: ItemRecord) -> None:
        super().__init__(ctx, item)
        self.state = item.state

    def state_reason(self, info: Info, enable_duplicate: bool = False) -> str | None:
        """Why it is closed (or REOPENED); DUPLICATE shows as NOT_PLANNED unless enabled."""
        reason = self.item.state_reason
        if reason == "DUPLICATE" and not enable_duplicate:
            return "NOT_PLANNED"
        return reason

    def closed_by_pull_requests_references(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        include_closed_prs: bool = False,
        user_linked_only: bool = False,
    ) -> Connection[Any]:
        """Pull requests into the default branch whose body says they close this issue."""
        item_filter = ItemFilter(
            is_pull=True,
            linked_to_issue=self.item.id,
            base_is_default=True,
            states=None if include_closed_prs else ["OPEN"],
        )
        if user_linked_only:
            # localhub has no manual links, only keyword links.
            item_filter.repo_ids = []
        return item_connection(
            self.ctx,
            item_filter,
            None,
            "closedByPullRequestsReferences",
            first,
            after,
            last,
            before,
        )


@register
class IssueCommentNode(GraphNode):
    """A comment on an issue or pull request."""

    graphql_type = "IssueComment"

    def __init__(self, ctx: RequestContext, comment: CommentRecord) -> None:
        super().__init__(ctx)
        self.comment = comment
        self.body = comment.body
        self.created_at = comment.created_at
        self.updated_at = comment.updated_at

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> IssueCommentNode | None:
        """See `GraphNode.load`."""
        comment = items_db.comment_by_id(ctx.hub.store, ref.int_part())
        return None if comment is None else cls(ctx, comment)

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("IssueComment", self.comment.id)

    def url(self, info: Info) -> str:
        """HTML URL of the comment."""
        item = items_db.item_by_id(self.ctx.hub.store, self.comment.item_id)
        subject = build("PullRequest" if item and item.is_pull else "Issue", self.ctx, item)
        return f"{subject.url(info)}#issuecomment-{self.comment.id}"

    def author(self, info: Info) -> UserNode | None:
        """Who wrote it."""
        return actor(self.ctx, self.comment.author_id)
