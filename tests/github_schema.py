"""GitHub's real public schema for tests: build it once, validate documents like GitHub does."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import graphql
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    ValidationRule,
    get_named_type,
)
from graphql.language import FieldNode

GITHUB_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared/github/schema.graphql"
MISSING_REASON = (
    "../shared/github/schema.graphql is absent: GitHub's real schema is needed to validate"
)


@cache
def load_github_schema() -> GraphQLSchema | None:
    """GitHub's schema built from `../shared/github/schema.graphql`, or None when it is absent."""
    if not GITHUB_SCHEMA_PATH.is_file():
        return None
    return graphql.build_schema(GITHUB_SCHEMA_PATH.read_text(encoding="utf-8"))


class ConnectionArgs(ValidationRule):
    """GitHub requires first/last (1..100) on every connection; graphql-core does not check that."""

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        """Report a connection field without first/last or with a literal outside 1..100."""
        field_def = self.context.get_field_def()
        if field_def is None or not get_named_type(field_def.type).name.endswith("Connection"):
            return
        args = {argument.name.value: argument.value for argument in node.arguments or ()}
        if "first" not in args and "last" not in args:
            self.report_error(GraphQLError(f"{node.name.value}: first or last is required", node))
        for key in ("first", "last"):
            value = args.get(key)
            if isinstance(value, IntValueNode) and not 1 <= int(value.value) <= 100:
                self.report_error(GraphQLError(f"{node.name.value}: {key} must be 1..100", value))


def validate_against_github(doc: str | DocumentNode) -> list[GraphQLError]:
    """Errors GitHub would report for `doc` before running it ([] means valid).

    Callers skip with `MISSING_REASON` when `load_github_schema()` is None.
    """
    schema = load_github_schema()
    if schema is None:
        raise FileNotFoundError(MISSING_REASON)
    document = graphql.parse(doc) if isinstance(doc, str) else doc
    return list(graphql.validate(schema, document, [*graphql.specified_rules, ConnectionArgs]))
