"""The GraphQL documents soda-tui sends: one named operation per `<Name>.graphql` file here.

Convention: the file name is the operation name, each file holds exactly one operation, and
fragments it uses may sit in the same file. Every file validates against GitHub's public schema
(tests/test_graphql_documents.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graphql import DocumentNode, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse

OPERATIONS_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Operation:
    """One loaded operation: its name, source text, parsed document and kind."""

    name: str
    text: str
    document: DocumentNode
    kind: OperationType

    @property
    def is_mutation(self) -> bool:
        """Whether sending it changes state on GitHub (and so is not retried by default)."""
        return self.kind is OperationType.MUTATION


def all_operation_files() -> list[Path]:
    """Every operation document shipped with the client, sorted by name."""
    return sorted(OPERATIONS_DIR.glob("*.graphql"))


def load_operation(name: str, extra_dir: Path | None = None) -> str:
    """The source text of operation `name`; ValueError when there is no such operation."""
    return get_operation(name, extra_dir).text


@cache
def get_operation(name: str, extra_dir: Path | None = None) -> Operation:
    """Load, parse and check operation `name` once; ValueError when missing or malformed.

    `extra_dir`, when given, is searched before the shipped documents (tests and plugins
    bring their own operations this way).
    """
    # The name becomes a file name, so refuse anything that could step outside the folder.
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a GraphQL operation name")
    folders = [extra_dir, OPERATIONS_DIR] if extra_dir is not None else [OPERATIONS_DIR]
    path = next((f / f"{name}.graphql" for f in folders if (f / f"{name}.graphql").is_file()), None)
    if path is None:
        known = ", ".join(p.stem for p in all_operation_files()) or "none"
        raise ValueError(f"unknown GitHub operation {name!r} (known: {known})")
    return build_operation(name, path.read_text(encoding="utf-8"), source=path.name)


def build_operation(name: str, text: str, *, source: str | None = None) -> Operation:
    """Parse `text` as operation `name` (one named operation, fragments allowed); ValueError if not.

    For documents made at run time (such as one query batched over many repositories); they
    must be built from shipped documents so they stay valid against GitHub's schema.
    """
    where = source or f"operation {name}"
    try:
        document = parse(text)
    except GraphQLSyntaxError as error:
        raise ValueError(f"{where} does not parse: {error.message}") from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise ValueError(f"{where} must hold exactly one operation, found {len(operations)}")
    operation = operations[0]
    declared = operation.name.value if operation.name else None
    if declared != name:
        raise ValueError(f"{where} declares operation {declared!r}, expected {name!r}")
    return Operation(name=name, text=text, document=document, kind=operation.operation)
