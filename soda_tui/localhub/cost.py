"""GitHub's query cost: connections, the requests they need, and the nodes they may return.

For each connection the number of requests is the product of the `first`/`last` of the
connections around it (1 at the top); cost = round(sum / 100), at least 1. Node count is the
sum over connections of that product times its own `first`/`last`. Pagination bounds are
checked here too, because only here are variable values known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values

from soda_tui.localhub.models import LocalHubError
from soda_tui.localhub.pagination import check_page_size

MAX_NODES = 500_000


@dataclass
class QueryCost:
    """The cost analysis of one operation."""

    requests: int = 0
    node_count: int = 0
    is_mutation: bool = False
    dry_run: bool = False
    errors: list[GraphQLError] = field(default_factory=list)

    @property
    def cost(self) -> int:
        """Points charged: mutations cost 1, queries round(requests / 100) with a minimum of 1."""
        if self.is_mutation:
            return 1
        return max(1, int(self.requests / 100 + 0.5))


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Any,
        result: QueryCost,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.result = result

    def walk(
        self, selections: SelectionSetNode, parent: Any, multiplier: int, path: list[str]
    ) -> None:
        """Add up the connections under `selections` (fragments expanded in place)."""
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                self._field(selection, parent, multiplier, path)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.walk(selection.selection_set, target, multiplier, path)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                target = self.schema.get_type(fragment.type_condition.name.value)
                self.walk(fragment.selection_set, target, multiplier, path)

    def _field(self, node: FieldNode, parent: Any, multiplier: int, path: list[str]) -> None:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return
        definition = parent.fields.get(name)
        if definition is None:
            return
        here = [*path, node.alias.value if node.alias else name]
        arguments = get_argument_values(definition, node, self.variables)
        if name == "rateLimit" and arguments.get("dryRun"):
            self.result.dry_run = True
        named = get_named_type(definition.type)
        inner = multiplier
        if named.name.endswith("Connection"):
            first, last = arguments.get("first"), arguments.get("last")
            try:
                check_page_size(first, last, name)
            except LocalHubError as error:
                self.result.errors.append(
                    GraphQLError(error.message, node, path=here, original_error=error)
                )
                return
            size = max(first or 0, last or 0)
            self.result.requests += multiplier
            self.result.node_count += multiplier * size
            inner = multiplier * size
        if node.selection_set is not None:
            self.walk(node.selection_set, named, inner, here)


def analyze(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Any,
) -> QueryCost:
    """Cost, node count, dry-run flag and pagination errors of a validated operation.

    `variables` is what `graphql.execution.values.get_variable_values` returned.
    """
    result = QueryCost(is_mutation=operation.operation == OperationType.MUTATION)
    root = schema.mutation_type if result.is_mutation else schema.query_type
    _Walker(schema, fragments, variables, result).walk(operation.selection_set, root, 1, [])
    if result.node_count > MAX_NODES:
        error = LocalHubError(
            f"This query requests up to {result.node_count:,} possible nodes which exceeds the "
            f"maximum limit of {MAX_NODES:,}.",
            error_type="MAX_NODE_LIMIT_EXCEEDED",
        )
        result.errors.append(GraphQLError(error.message, operation, original_error=error))
    return result
