"""Batch one per-repository operation over many repositories in a single request, with aliases."""

from __future__ import annotations

from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    VariableNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from soda_tui.github.operations import load_operation

SHARED_FIELDS = frozenset({"rateLimit"})


class _RenameVariables(Visitor):
    def __init__(self, suffix: str) -> None:
        super().__init__()
        self.suffix = suffix

    def enter_variable(self, node: VariableNode, *_args: object) -> VariableNode:
        return VariableNode(name=NameNode(value=f"{node.name.value}_{self.suffix}"))


@lru_cache(maxsize=128)
def batched_document(operation_name: str, count: int) -> str:
    """Operation `operation_name` with its per-repository fields repeated `count` times.

    Field `x` (or alias `x`) of copy `i` becomes alias `r<i>_x` and variable `$v` becomes `$v_<i>`;
    fields in SHARED_FIELDS (the rate limit) appear once.
    """
    if count < 1:
        raise ValueError("a batch needs at least one repository")
    template: DocumentNode = parse(load_operation(operation_name))
    operation = next(d for d in template.definitions if isinstance(d, OperationDefinitionNode))
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    per_repo = [f for f in fields if f.name.value not in SHARED_FIELDS]
    shared = [print_ast(f) for f in fields if f.name.value in SHARED_FIELDS]
    selections: list[str] = []
    definitions: list[str] = []
    for index in range(count):
        # AST nodes are immutable in graphql-core 3.3: rename with a visitor, alias in the text.
        renamer = _RenameVariables(str(index))
        for selection in per_repo:
            alias = (selection.alias or selection.name).value
            printed = print_ast(visit(selection, renamer))
            if selection.alias is not None:
                printed = printed.split(":", 1)[1].lstrip()
            selections.append(f"r{index}_{alias}: {printed}")
        definitions += [print_ast(visit(d, renamer)) for d in operation.variable_definitions]
    fragments = [print_ast(d) for d in template.definitions if not isinstance(d, OperationDefinitionNode)]
    name = operation.name.value if operation.name else operation_name
    text = (
        f"query {name}({', '.join(definitions)}) {{\n"
        + "\n".join([*selections, *shared])
        + "\n}\n"
        + "\n".join(fragments)
    )
    return print_ast(parse(text))


def batched_variables(per_repo: list[dict[str, object]]) -> dict[str, object]:
    """Suffix each repository's variables with its index, matching `batched_document`."""
    return {
        f"{key}_{index}": value
        for index, variables in enumerate(per_repo)
        for key, value in variables.items()
    }


def part(data: dict, index: int, alias: str) -> dict | None:
    """Copy `index`'s field `alias` from a batched answer."""
    return data.get(f"r{index}_{alias}")
