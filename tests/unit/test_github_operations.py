"""The operation loader: file name = operation name, one per file, unknown names refused."""

from __future__ import annotations

import pytest
from graphql import OperationType

from soda_tui.github.operations import (
    all_operation_files,
    build_operation,
    get_operation,
    load_operation,
)


def test_shipped_operations_are_listed() -> None:
    names = [path.stem for path in all_operation_files()]
    assert {"Viewer", "RateLimit"} <= set(names)
    assert names == sorted(names)


def test_load_returns_the_file_text() -> None:
    assert "query Viewer" in load_operation("Viewer")


def test_operations_know_their_kind_and_are_cached() -> None:
    viewer = get_operation("Viewer")
    assert viewer.kind is OperationType.QUERY
    assert not viewer.is_mutation
    assert get_operation("Viewer") is viewer


@pytest.mark.parametrize("name", ["NoSuchOperation", "../client", "Viewer.graphql", ""])
def test_unknown_or_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        load_operation(name)


def test_build_operation_parses_a_run_time_document() -> None:
    text = "query Pair { a: viewer { login } b: viewer { login } }"
    operation = build_operation("Pair", text)
    assert operation.name == "Pair"
    assert operation.text == text
    assert operation.kind is OperationType.QUERY


def test_build_operation_knows_a_mutation_and_allows_fragments() -> None:
    text = "mutation Go { addStar(input: {starrableId: 1}) { ...F } }\nfragment F on X { y }"
    assert build_operation("Go", text).is_mutation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("query { viewer { login } }", "declares operation None"),
        ("query Other { viewer { login } }", "declares operation 'Other'"),
        ("query Pair { a } query Pair2 { b }", "exactly one operation, found 2"),
        ("query Pair {", "does not parse"),
    ],
)
def test_build_operation_refuses_malformed_documents(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_operation("Pair", text)
