"""Every GraphQL document we ship validates against GitHub's real public schema (PRODUCT.md §3)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import graphql
import pytest
from graphql import (
    GraphQLSchema,
    IntValueNode,
    OperationDefinitionNode,
    ValidationRule,
    get_named_type,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPO_ROOT / "soda_tui"
GITHUB_SCHEMA = Path(__file__).resolve().parents[2] / "shared/github/schema.graphql"
# localhub's own SDL is a schema, not an operation; its subset test lives elsewhere.
NOT_OPERATIONS = {PACKAGE_DIR / "localhub" / "schema.graphql"}

pytestmark = [
    pytest.mark.needs_shared,
    pytest.mark.skipif(
        not GITHUB_SCHEMA.is_file(),
        reason=f"GitHub's public schema is not at {GITHUB_SCHEMA} (the shared/ checkout is absent)",
    ),
]


class ConnectionArgs(ValidationRule):
    """GitHub requires first/last (1..100) on every connection; graphql-core does not check that."""

    def enter_field(self, node: graphql.FieldNode, *_args: object) -> None:
        field = self.context.get_field_def()
        if field is None or not get_named_type(field.type).name.endswith("Connection"):
            return
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        if "first" not in arguments and "last" not in arguments:
            self.report_error(
                graphql.GraphQLError(f"{node.name.value}: first or last is required", node)
            )
        for name in ("first", "last"):
            value = arguments.get(name)
            if isinstance(value, IntValueNode) and not 1 <= int(value.value) <= 100:
                self.report_error(
                    graphql.GraphQLError(f"{node.name.value}: {name} must be 1..100", value)
                )


@cache
def github_schema() -> GraphQLSchema:
    return graphql.build_schema(GITHUB_SCHEMA.read_text(encoding="utf-8"))


def operation_files() -> list[Path]:
    return sorted(path for path in PACKAGE_DIR.rglob("*.graphql") if path not in NOT_OPERATIONS)


def test_the_client_documents_are_found() -> None:
    names = {path.stem for path in operation_files()}
    assert {"Viewer", "RateLimit"} <= names


@pytest.mark.parametrize(
    "path", operation_files(), ids=lambda path: str(path.relative_to(PACKAGE_DIR))
)
def test_document_validates_against_github(path: Path) -> None:
    document = graphql.parse(path.read_text(encoding="utf-8"))
    errors = graphql.validate(github_schema(), document, [*graphql.specified_rules, ConnectionArgs])
    assert [error.message for error in errors] == []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"{path.name} must hold exactly one operation"
    assert operations[0].name is not None, f"{path.name}: the operation must be named"
    assert operations[0].name.value == path.stem


def test_the_connection_rule_catches_what_github_refuses() -> None:
    missing = graphql.parse(
        'query A { repository(owner: "o", name: "n") { issues { totalCount } } }'
    )
    too_many = graphql.parse(
        'query B { repository(owner: "o", name: "n") { issues(first: 101) { totalCount } } }'
    )
    rules = [*graphql.specified_rules, ConnectionArgs]
    assert [e.message for e in graphql.validate(github_schema(), missing, rules)] == [
        "issues: first or last is required"
    ]
    assert [e.message for e in graphql.validate(github_schema(), too_many, rules)] == [
        "issues: first must be 1..100"
    ]
