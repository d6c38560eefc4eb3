"""What every resolver shares: the request context, field resolution and the node registry.

Each GraphQL object type is a Python class whose snake_case attributes or methods answer its
fields (`nameWithOwner` -> `name_with_owner(info)`), registered under its GraphQL type name so
that modules can build each other's nodes without importing each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, TypeVar

from graphql import GraphQLAbstractType, GraphQLResolveInfo

from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.cost import QueryCost
from soda_tui.localhub.hub import Hub
from soda_tui.localhub.ids import NodeRef, decode_node_id
from soda_tui.localhub.models import HubNotFound, RateSnapshot, RepoRecord, UserRecord
from soda_tui.localhub.pagination import PageArgs

# Python names for GraphQL argument names that would shadow builtins.
_ARGUMENT_RENAMES = {"id": "node_id", "ids": "node_ids", "type": "search_type", "input": "input_"}


@cache
def snake_case(name: str) -> str:
    """`nameWithOwner` -> `name_with_owner`, `commitOID` -> `commit_oid`."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced).lower()


def resolve_field(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
    """graphql-core field resolver: dict keys as named, object attributes in snake_case."""
    if isinstance(source, dict):
        return source.get(info.field_name)
    value = getattr(source, snake_case(info.field_name), None)
    if callable(value):
        renamed = {
            _ARGUMENT_RENAMES.get(key, snake_case(key)): arg for key, arg in arguments.items()
        }
        return value(info, **renamed)
    return value


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: GraphQLAbstractType) -> str:
    """The concrete GraphQL type of a node object (for interfaces and unions)."""
    return str(value.graphql_type)


@dataclass
class RequestContext:
    """One GraphQL request: the services, the viewer and the budget after charging."""

    hub: Hub
    viewer: UserRecord
    cost: QueryCost
    rate: RateSnapshot
    _repos: dict[int, RepoRecord] = field(default_factory=dict)
    _users: dict[int, UserRecord | None] = field(default_factory=dict)

    def repo(self, repo_id: int) -> RepoRecord:
        """A repository by id, read once per request."""
        if repo_id not in self._repos:
            repo = repos_db.repo_by_id(self.hub.store, repo_id)
            if repo is None:
                raise HubNotFound(f"Could not resolve to a Repository with the id {repo_id}.")
            self._repos[repo_id] = repo
        return self._repos[repo_id]

    def forget_repo(self, repo_id: int) -> None:
        """Drop a cached repository after a mutation changed it."""
        self._repos.pop(repo_id, None)

    def user(self, user_id: int | None) -> UserRecord | None:
        """A user by id, read once per request."""
        if user_id is None:
            return None
        if user_id not in self._users:
            self._users[user_id] = repos_db.user_by_id(self.hub.store, user_id)
        return self._users[user_id]


class GraphNode:
    """Base of the Python classes behind GraphQL object types."""

    graphql_type: ClassVar[str] = ""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    @classmethod
    def load(cls, ctx: RequestContext, ref: NodeRef) -> GraphNode | None:
        """The node a decoded global id names, or None when it does not exist."""
        return None


N = TypeVar("N", bound=type[GraphNode])
_NODE_CLASSES: dict[str, type[GraphNode]] = {}


def register(cls: N) -> N:
    """Make a node class buildable by its GraphQL type name."""
    _NODE_CLASSES[cls.graphql_type] = cls
    return cls


def build(type_name: str, ctx: RequestContext, *args: Any) -> Any:
    """Construct the node class registered for `type_name`."""
    factory: Callable[..., Any] = _NODE_CLASSES[type_name]
    return factory(ctx, *args)


def load_node(ctx: RequestContext, node_id: str) -> GraphNode:
    """The object a global id names; GitHub's NOT_FOUND error otherwise."""
    ref = decode_node_id(node_id)
    node = None
    if ref is not None and ref.type_name in _NODE_CLASSES:
        try:
            node = _NODE_CLASSES[ref.type_name].load(ctx, ref)
        except (ValueError, IndexError, HubNotFound):
            node = None
    if node is None:
        raise HubNotFound(f"Could not resolve to a node with the global id of '{node_id}'")
    return node


def load_typed(ctx: RequestContext, node_id: str, *type_names: str) -> Any:
    """A node that must be of one of `type_names` (mutation inputs)."""
    node = load_node(ctx, node_id)
    if node.graphql_type not in type_names:
        wanted = " or ".join(type_names)
        raise HubNotFound(f"Could not resolve to {wanted} node with the global id of '{node_id}'.")
    return node


def page_args(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageArgs:
    """Bundle the four pagination arguments."""
    return PageArgs(first=first, last=last, after=after, before=before)
