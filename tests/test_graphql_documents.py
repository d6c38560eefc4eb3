"""Every GraphQL document we ship validates against GitHub's real public schema (PRODUCT.md §3)."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest
from github_schema import MISSING_REASON, load_github_schema, validate_against_github
from graphql import OperationDefinitionNode

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "soda_tui"
# localhub's own SDL is a schema, not an operation; its subset test lives elsewhere.
NOT_OPERATIONS = {PACKAGE_DIR / "localhub" / "schema.graphql"}

pytestmark = [
    pytest.mark.needs_shared,
    pytest.mark.skipif(load_github_schema() is None, reason=MISSING_REASON),
]


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
    assert [error.message for error in validate_against_github(document)] == []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"{path.name} must hold exactly one operation"
    assert operations[0].name is not None, f"{path.name}: the operation must be named"
    assert operations[0].name.value == path.stem


def test_the_connection_rule_catches_what_github_refuses() -> None:
    missing = 'query A { repository(owner: "o", name: "n") { issues { totalCount } } }'
    too_many = 'query B { repository(owner: "o", name: "n") { issues(first: 101) { totalCount } } }'
    assert [e.message for e in validate_against_github(missing)] == [
        "issues: first or last is required"
    ]
    assert [e.message for e in validate_against_github(too_many)] == [
        "issues: first must be 1..100"
    ]
