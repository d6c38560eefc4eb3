"""Run one GraphQL request the way GitHub does: validate, cost, charge, execute, shape errors."""

from __future__ import annotations

from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    build_schema,
    execute_sync,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast

# Importing the resolver modules registers their node classes.
from soda_tui.localhub import resolvers_git, resolvers_issue, resolvers_pull  # noqa: F401
from soda_tui.localhub.cost import analyze
from soda_tui.localhub.hub import Hub
from soda_tui.localhub.models import GraphQLOutcome, LocalHubError, UserRecord
from soda_tui.localhub.ratelimit import RateLimiter, RateLimitExceeded
from soda_tui.localhub.resolvers_base import RequestContext, resolve_field, resolve_type
from soda_tui.localhub.resolvers_mutation import MutationRoot
from soda_tui.localhub.resolvers_query import QueryRoot


def load_schema() -> GraphQLSchema:
    """Build the executable schema from the packaged SDL (`schema.graphql`)."""
    sdl = resources.files("soda_tui.localhub").joinpath("schema.graphql").read_text("utf-8")
    return build_schema(sdl)


def format_error(error: GraphQLError) -> dict[str, Any]:
    """A GraphQL error as GitHub shapes it: `type` first when there is one."""
    formatted: dict[str, Any] = {}
    original = error.original_error
    if isinstance(original, LocalHubError):
        formatted["type"] = original.error_type
    if error.path:
        formatted["path"] = list(error.path)
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    formatted["message"] = (
        original.message if isinstance(original, LocalHubError) else error.message
    )
    return formatted


def _errors_only(errors: list[GraphQLError]) -> dict[str, Any]:
    return {"errors": [format_error(error) for error in errors]}


class Executor:
    """Executes requests against one schema; the caller holds the hub's lock."""

    def __init__(self, schema: GraphQLSchema | None = None) -> None:
        self.schema = schema or load_schema()

    def _parse(self, query: str) -> DocumentNode | GraphQLError:
        try:
            return parse(query)
        except GraphQLSyntaxError as error:
            return error

    def run(
        self,
        hub: Hub,
        limiter: RateLimiter,
        viewer: UserRecord,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> GraphQLOutcome:
        """Answer one request; never raises for anything a client can send."""
        before = limiter.snapshot(viewer.login)
        document = self._parse(query)
        if isinstance(document, GraphQLError):
            return GraphQLOutcome(_errors_only([document]), before)
        errors = validate(self.schema, document, specified_rules)
        if errors:
            return GraphQLOutcome(_errors_only(list(errors)), before)
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"Unknown operation named '{operation_name}'."
                if operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            return GraphQLOutcome(_errors_only([GraphQLError(message)]), before)
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return GraphQLOutcome(_errors_only(coerced), before)
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        cost = analyze(self.schema, operation, fragments, coerced)
        if cost.errors:
            return GraphQLOutcome(_errors_only(cost.errors), before)
        if cost.dry_run:
            rate = before
        else:
            try:
                rate = limiter.charge(viewer.login, cost.cost)
            except RateLimitExceeded as exceeded:
                return GraphQLOutcome(self._rate_limited(viewer), exceeded.snapshot)
        ctx = RequestContext(hub=hub, viewer=viewer, cost=cost, rate=rate)
        root: Any = MutationRoot(ctx) if cost.is_mutation else QueryRoot(ctx)
        result = execute_sync(
            self.schema,
            document,
            root_value=root,
            context_value=ctx,
            variable_values=variables or {},
            operation_name=operation_name,
            field_resolver=resolve_field,
            type_resolver=resolve_type,
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_error(error) for error in result.errors]
        return GraphQLOutcome(body, rate)

    @staticmethod
    def _rate_limited(viewer: UserRecord) -> dict[str, Any]:
        return {
            "data": None,
            "errors": [
                {
                    "type": "RATE_LIMITED",
                    "message": f"API rate limit exceeded for user ID {viewer.id}.",
                }
            ],
        }
