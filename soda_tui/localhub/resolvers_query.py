"""The Query root: viewer, node(s), rateLimit, repository, user and issue search."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLResolveInfo

from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.hub import iso
from soda_tui.localhub.models import HubNotFound, LocalHubError
from soda_tui.localhub.pagination import Connection, EmptySource
from soda_tui.localhub.resolvers_base import RequestContext, load_node, page_args
from soda_tui.localhub.resolvers_repository import RepositoryNode, UserNode, item_node
from soda_tui.localhub.search_query import SearchFilter, parse_search
from soda_tui.localhub.store_items import ItemFilter, item_source

Info = GraphQLResolveInfo
_ALL_STATES = frozenset({"OPEN", "CLOSED", "MERGED"})


class SearchConnection(Connection[Any]):
    """A search result connection: a connection plus `issueCount`."""

    def issue_count(self, info: Info) -> int:
        """How many issues and pull requests match."""
        return self.total_count(info)


def _states(search: SearchFilter) -> list[str] | None:
    allowed = set(_ALL_STATES)
    if search.states == {"OPEN"}:
        allowed &= {"OPEN"}
    elif search.states == {"CLOSED"}:
        allowed &= {"CLOSED", "MERGED"}
    if search.merged is True:
        allowed &= {"MERGED"}
    elif search.merged is False:
        allowed &= {"OPEN", "CLOSED"}
    return None if allowed == _ALL_STATES else sorted(allowed)


class QueryRoot:
    """Root query fields; under `rateLimit(dryRun: true)` nothing else is evaluated."""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    def viewer(self, info: Info) -> UserNode:
        """The authenticated user."""
        return UserNode(self.ctx, self.ctx.viewer)

    def node(self, info: Info, node_id: str) -> Any:
        """Any object by global id."""
        return None if self.ctx.cost.dry_run else load_node(self.ctx, node_id)

    def nodes(self, info: Info, node_ids: list[str]) -> list[Any]:
        """Objects by global id; each unknown id is null with its own NOT_FOUND error."""
        if self.ctx.cost.dry_run:
            return []
        found: list[Any] = []
        for node_id in node_ids:
            try:
                found.append(load_node(self.ctx, node_id))
            except HubNotFound as missing:
                found.append(missing)
        return found

    def rate_limit(self, info: Info, dry_run: bool = False) -> dict[str, Any]:
        """This query's cost and the budget left after it."""
        rate = self.ctx.rate
        return {
            "cost": self.ctx.cost.cost,
            "limit": rate.limit,
            "nodeCount": self.ctx.cost.node_count,
            "remaining": rate.remaining,
            "resetAt": iso(datetime.fromtimestamp(rate.reset_epoch, tz=UTC)),
            "used": rate.used,
        }

    def repository(self, info: Info, owner: str, name: str, follow_renames: bool = True) -> Any:
        """A repository by owner and name (case-insensitive)."""
        if self.ctx.cost.dry_run:
            return None
        return RepositoryNode(self.ctx, repos_db.require_repo(self.ctx.hub.store, owner, name))

    def user(self, info: Info, login: str) -> Any:
        """A user by login."""
        if self.ctx.cost.dry_run:
            return None
        user = repos_db.user_by_login(self.ctx.hub.store, login)
        if user is None:
            raise HubNotFound(f"Could not resolve to a User with the login of '{login}'.")
        return UserNode(self.ctx, user)

    def search(
        self,
        info: Info,
        query: str,
        search_type: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> SearchConnection:
        """Issue and pull request search (see `search_query` for the supported syntax)."""
        args = page_args(first, after, last, before)
        if self.ctx.cost.dry_run:
            return SearchConnection(EmptySource(), args, lambda node: node, "search")
        search = parse_search(query)
        repo_ids: list[int] | None = None
        if search.repositories:
            repo_ids = []
            for owner, name in search.repositories:
                repo = repos_db.repo_by_name(self.ctx.hub.store, owner, name)
                if repo is None:
                    raise LocalHubError(
                        "The listed users and repositories cannot be searched either because the "
                        "resources do not exist or you do not have permission to view them.",
                        error_type="INVALID",
                    )
                repo_ids.append(repo.id)
        kinds = search.kinds or {"issue", "pr"}
        item_filter = ItemFilter(
            repo_ids=repo_ids,
            is_pull=None if len(kinds) == 2 else "pr" in kinds,
            states=_states(search),
            label_groups=search.label_groups,
            excluded_labels=search.excluded_labels,
            no_labels=search.no_labels,
            title_words=search.words,
            author_logins=search.authors,
        )
        source = item_source(
            self.ctx.hub.store,
            item_filter,
            order_column=search.sort_column,
            descending=search.descending,
            convert=lambda item: item,
        )
        return SearchConnection(source, args, lambda item: item_node(self.ctx, item), "search")
