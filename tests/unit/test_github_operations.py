"""The operation loader: file name = operation name, one per file, unknown names refused."""

from __future__ import annotations

import pytest
from graphql import OperationType

from soda_tui.github.operations import all_operation_files, get_operation, load_operation


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
