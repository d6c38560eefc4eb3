"""GraphQL objects: User, Repository and Label."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from soda_tui.localhub import store_items as items_db
from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.gitstore import commit_info, peel_to_commit, read_refs, resolve_ref
from soda_tui.localhub.ids import NodeRef, encode_node_id
from soda_tui.localhub.models import HubNotFound, ItemRecord, LabelRecord, RepoRecord, UserRecord
from soda_tui.localhub.ops_refs import standard_prefix
from soda_tui.localhub.pagination import Connection, ListSource
from soda_tui.localhub.resolvers_base import GraphNode, RequestContext, build, page_args, register
from soda_tui.localhub.store_items import ORDER_COLUMNS, ItemFilter, item_source

Info = GraphQLResolveInfo
_DEFAULT_ORDER = {"field": "CREATED_AT", "direction": "ASC"}


@register
class UserNode(GraphNode):
    """A GitHub user (every owner, author and viewer)."""

    graphql_type = "User"

    def __init__(self, ctx: RequestContext, user: UserRecord) -> None:
        super().__init__(ctx)
        self.user = user
        self.login = user.login
        self.name = user.name

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> UserNode | None:
        """See `GraphNode.load`."""
        user = ctx.user(ref.int_part())
        return None if user is None else cls(ctx, user)

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("User", self.user.id)

    def url(self, info: Info) -> str:
        """Profile URL."""
        return self.ctx.hub.url(self.user.login)


def actor(ctx: RequestContext, user_id: int | None) -> UserNode | None:
    """The author node of something, or None for a deleted or unknown user."""
    user = ctx.user(user_id)
    return None if user is None else UserNode(ctx, user)


@register
class LabelNode(GraphNode):
    """A repository label."""

    graphql_type = "Label"

    def __init__(self, ctx: RequestContext, label: LabelRecord) -> None:
        super().__init__(ctx)
        self.label = label
        self.name = label.name
        self.color = label.color
        self.description = label.description
        self.created_at = label.created_at
        # localhub creates no default labels, so none is one.
        self.is_default = False

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> LabelNode | None:
        """See `GraphNode.load`."""
        label = repos_db.label_by_id(ctx.hub.store, ref.int_part())
        return None if label is None else cls(ctx, label)

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("Label", self.label.id)


def _item_filter(
    repo: RepoRecord, *, is_pull: bool, states: list[str] | None, labels: list[str] | None
) -> ItemFilter:
    # An empty list filters nothing, as a client passing `$labels: []` expects.
    return ItemFilter(
        repo_ids=[repo.id], is_pull=is_pull, states=states or None, any_labels=labels or None
    )


def item_connection(
    ctx: RequestContext,
    item_filter: ItemFilter,
    order_by: dict[str, str] | None,
    name: str,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Any]:
    """A connection of issues or pull requests matching a filter, in GitHub's order."""
    order = order_by or _DEFAULT_ORDER
    source = item_source(
        ctx.hub.store,
        item_filter,
        order_column=ORDER_COLUMNS[order["field"]],
        descending=order["direction"] == "DESC",
        convert=lambda item: item,
    )
    return Connection(
        source, page_args(first, after, last, before), lambda item: item_node(ctx, item), name
    )


def item_node(ctx: RequestContext, item: ItemRecord) -> Any:
    """The Issue or PullRequest node of an item."""
    return build("PullRequest" if item.is_pull else "Issue", ctx, item)


@register
class RepositoryNode(GraphNode):
    """A repository."""

    graphql_type = "Repository"

    def __init__(self, ctx: RequestContext, repo: RepoRecord) -> None:
        super().__init__(ctx)
        self.repo = repo
        self.name = repo.name
        self.name_with_owner = repo.full_name
        self.description = repo.description
        self.created_at = repo.created_at
        self.is_private = repo.visibility != "PUBLIC"
        self.merge_commit_allowed = repo.merge_commit_allowed
        self.squash_merge_allowed = repo.squash_merge_allowed
        self.rebase_merge_allowed = repo.rebase_merge_allowed
        self.delete_branch_on_merge = repo.delete_branch_on_merge
        # localhub has no auto-merge, so the repository does not allow it.
        self.auto_merge_allowed = False
        # Every localhub user administers every repository.
        self.viewer_permission = "ADMIN"

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> RepositoryNode | None:
        """See `GraphNode.load`."""
        return cls(ctx, ctx.repo(ref.int_part()))

    def id(self, info: Info) -> str:
        """Global id."""
        return encode_node_id("Repository", self.repo.id)

    def url(self, info: Info) -> str:
        """HTML URL."""
        return self.ctx.hub.url(self.repo.owner_login, self.repo.name)

    def owner(self, info: Info) -> UserNode:
        """The owning user."""
        owner = self.ctx.user(self.repo.owner_id)
        if owner is None:
            raise HubNotFound(f"The owner of {self.repo.full_name} does not exist.")
        return UserNode(self.ctx, owner)

    def default_branch_ref(self, info: Info) -> Any:
        """The default branch, or None while the repository is empty."""
        return self._ref_node(f"refs/heads/{self.repo.default_branch}")

    def _ref_node(self, full_name: str, prefix: str | None = None) -> Any:
        if resolve_ref(self.ctx.hub.repo_git(self.repo), full_name) is None:
            return None
        return build("Ref", self.ctx, self.repo, full_name, prefix or standard_prefix(full_name))

    def issues(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        labels: list[str] | None = None,
        states: list[str] | None = None,
        order_by: dict[str, str] | None = None,
        filter_by: dict[str, Any] | None = None,
    ) -> Connection[Any]:
        """Issues (not pull requests); several labels match any of them, like GitHub."""
        item_filter = _item_filter(self.repo, is_pull=False, states=states, labels=labels)
        if filter_by:
            if filter_by.get("labels"):
                item_filter.label_groups = [filter_by["labels"]]
            if filter_by.get("states"):
                wanted = set(filter_by["states"])
                item_filter.states = [s for s in (item_filter.states or wanted) if s in wanted]
            if filter_by.get("since"):
                item_filter.updated_since = filter_by["since"]
            if filter_by.get("createdBy"):
                item_filter.author_logins = [filter_by["createdBy"]]
        return item_connection(
            self.ctx, item_filter, order_by, "issues", first, after, last, before
        )

    def pull_requests(
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
        """Pull requests, filtered by state, labels (any of them) and branch names."""
        item_filter = _item_filter(self.repo, is_pull=True, states=states, labels=labels)
        item_filter.head_ref, item_filter.base_ref = head_ref_name, base_ref_name
        return item_connection(
            self.ctx, item_filter, order_by, "pullRequests", first, after, last, before
        )

    def _item(self, number: int) -> ItemRecord | None:
        return items_db.item_by_number(self.ctx.hub.store, self.repo.id, number)

    def issue(self, info: Info, number: int) -> Any:
        """Issue `number`; NOT_FOUND when there is none (or it is a pull request)."""
        item = self._item(number)
        if item is None or item.is_pull:
            raise HubNotFound(f"Could not resolve to an Issue with the number of {number}.")
        return item_node(self.ctx, item)

    def pull_request(self, info: Info, number: int) -> Any:
        """Pull request `number`; NOT_FOUND when there is none."""
        item = self._item(number)
        if item is None or not item.is_pull:
            raise HubNotFound(f"Could not resolve to a PullRequest with the number of {number}.")
        return item_node(self.ctx, item)

    def issue_or_pull_request(self, info: Info, number: int) -> Any:
        """Issue or pull request `number`."""
        item = self._item(number)
        if item is None:
            raise HubNotFound(
                f"Could not resolve to an issue or pull request with the number of {number}."
            )
        return item_node(self.ctx, item)

    def label(self, info: Info, name: str) -> LabelNode | None:
        """The label called `name` (case-insensitive), or None."""
        label = repos_db.label_by_name(self.ctx.hub.store, self.repo.id, name)
        return None if label is None else LabelNode(self.ctx, label)

    def labels(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: dict[str, str] | None = None,
        query: str | None = None,
    ) -> Connection[Any]:
        """The repository's labels, optionally those whose name or description match `query`."""
        order = order_by or _DEFAULT_ORDER
        source = items_db.label_source(
            self.ctx.hub.store,
            repo_id=self.repo.id,
            item_id=None,
            query=query,
            order_field=order["field"],
            descending=order["direction"] == "DESC",
            convert=lambda label: LabelNode(self.ctx, label),
        )
        return Connection(
            source, page_args(first, after, last, before), lambda node: node, "labels"
        )

    def refs(
        self,
        info: Info,
        ref_prefix: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        query: str | None = None,
        order_by: dict[str, str] | None = None,
        direction: str | None = None,
    ) -> Connection[Any]:
        """Refs under `ref_prefix`; names are relative to it, like GitHub's."""
        git = self.ctx.hub.repo_git(self.repo)
        field = order_by["field"] if order_by else "ALPHABETICAL"
        descending = (order_by["direction"] if order_by else direction or "ASC") == "DESC"
        entries: list[tuple[tuple[Any, ...], str]] = []
        for full_name, oid in read_refs(git, ref_prefix).items():
            short = full_name[len(ref_prefix) :]
            if query and query.lower() not in short.lower():
                continue
            if field == "TAG_COMMIT_DATE":
                commit = peel_to_commit(git, oid)
                stamp = commit_info(git, commit).committer.timestamp if commit else 0
                entries.append(((stamp, short), full_name))
            else:
                entries.append(((short,), full_name))
        entries.sort(key=lambda entry: entry[0], reverse=descending)
        source = ListSource(
            entries, descending=descending, width=2 if field == "TAG_COMMIT_DATE" else 1
        )
        return Connection(
            source,
            page_args(first, after, last, before),
            lambda full: build("Ref", self.ctx, self.repo, full, ref_prefix),
            "refs",
        )

    def ref(self, info: Info, qualified_name: str) -> Any:
        """A ref by full name (`refs/heads/x`) or short name (a branch, then a tag)."""
        if qualified_name.startswith("refs/"):
            return self._ref_node(qualified_name)
        return self._ref_node(f"refs/heads/{qualified_name}") or self._ref_node(
            f"refs/tags/{qualified_name}"
        )
