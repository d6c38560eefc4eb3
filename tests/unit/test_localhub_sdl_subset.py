"""localhub's SDL is a strict subset of GitHub's schema, field by field, and it is what we need."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    print_ast,
)

from soda_tui.localhub.executor import load_schema
from tests.github_schema import MISSING_REASON, load_github_schema, validate_against_github

OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "soda_tui/github/operations"


@pytest.fixture(scope="module")
def github() -> GraphQLSchema:
    """GitHub's real schema, or a skip with the reason."""
    schema = load_github_schema()
    if schema is None:
        pytest.skip(MISSING_REASON)
    return schema


@pytest.fixture(scope="module")
def ours() -> GraphQLSchema:
    """localhub's executable schema."""
    return load_schema()


def _our_types(schema: GraphQLSchema) -> list[GraphQLNamedType]:
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    return [
        named
        for name, named in schema.type_map.items()
        if not name.startswith("__") and name not in builtin
    ]


def _default(argument: graphql.GraphQLArgument | graphql.GraphQLInputField) -> str | None:
    node = argument.ast_node
    return None if node is None or node.default_value is None else print_ast(node.default_value)


def _subset_problems(ours: GraphQLSchema, github: GraphQLSchema) -> list[str]:
    problems: list[str] = []
    for our_type in _our_types(ours):
        theirs = github.type_map.get(our_type.name)
        where = our_type.name
        if theirs is None or type(theirs) is not type(our_type):
            problems.append(f"{where}: not a {type(our_type).__name__} in GitHub's schema")
            continue
        if isinstance(our_type, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(theirs, GraphQLObjectType | GraphQLInterfaceType)
            their_interfaces = {interface.name for interface in theirs.interfaces}
            for interface in our_type.interfaces:
                if interface.name not in their_interfaces:
                    problems.append(f"{where}: GitHub's type does not implement {interface.name}")
            for field_name, field in our_type.fields.items():
                their_field = theirs.fields.get(field_name)
                if their_field is None:
                    problems.append(f"{where}.{field_name}: no such field in GitHub's schema")
                    continue
                if str(field.type) != str(their_field.type):
                    problems.append(f"{where}.{field_name}: {field.type} != {their_field.type}")
                for arg_name, argument in field.args.items():
                    their_arg = their_field.args.get(arg_name)
                    if their_arg is None:
                        problems.append(f"{where}.{field_name}({arg_name}): no such argument")
                    elif str(argument.type) != str(their_arg.type):
                        problems.append(f"{where}.{field_name}({arg_name}): type differs")
                    elif _default(argument) != _default(their_arg):
                        problems.append(f"{where}.{field_name}({arg_name}): default differs")
        elif isinstance(our_type, GraphQLInputObjectType):
            assert isinstance(theirs, GraphQLInputObjectType)
            for field_name, input_field in our_type.fields.items():
                their_input = theirs.fields.get(field_name)
                if their_input is None:
                    problems.append(f"{where}.{field_name}: no such input field")
                elif str(input_field.type) != str(their_input.type):
                    problems.append(
                        f"{where}.{field_name}: {input_field.type} != {their_input.type}"
                    )
                elif _default(input_field) != _default(their_input):
                    problems.append(f"{where}.{field_name}: default differs")
        elif isinstance(our_type, GraphQLEnumType):
            assert isinstance(theirs, GraphQLEnumType)
            problems += [
                f"{where}.{value}: no such enum value"
                for value in our_type.values
                if value not in theirs.values
            ]
        elif isinstance(our_type, GraphQLUnionType):
            assert isinstance(theirs, GraphQLUnionType)
            their_members = {member.name for member in theirs.types}
            problems += [
                f"{where}: {m.name} is not a member"
                for m in our_type.types
                if m.name not in their_members
            ]
        else:
            assert isinstance(our_type, GraphQLScalarType)
    return problems


def test_every_type_field_argument_and_value_exists_in_github_with_the_same_type(
    ours: GraphQLSchema, github: GraphQLSchema
) -> None:
    assert _subset_problems(ours, github) == []
    # The check is not vacuous: the schema has the parts the brief names.
    for type_name, field_name in [
        ("Query", "search"),
        ("Repository", "refs"),
        ("PullRequest", "statusCheckRollup"),
        ("Mutation", "mergePullRequest"),
        ("Ref", "compare"),
    ]:
        type_ = ours.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType) and field_name in type_.fields


def test_the_subset_check_catches_a_field_github_does_not_have(github: GraphQLSchema) -> None:
    sdl = "type Query { viewer: User! } type User { login: String! loginCount: Int }"
    assert _subset_problems(graphql.build_schema(sdl), github) == [
        "User.loginCount: no such field in GitHub's schema"
    ]


def test_the_subset_check_catches_a_changed_nullability(github: GraphQLSchema) -> None:
    sdl = "type Query { viewer: User } type User { login: String! }"
    assert _subset_problems(graphql.build_schema(sdl), github) == ["Query.viewer: User != User!"]


def test_the_packaged_sdl_builds_and_is_a_valid_schema(ours: GraphQLSchema) -> None:
    assert graphql.validate_schema(ours) == []
    mutation = ours.mutation_type
    assert mutation is not None and len(mutation.fields) >= 17


def test_every_client_operation_validates_against_github_and_localhub(
    ours: GraphQLSchema, github: GraphQLSchema
) -> None:
    """What soda-tui sends to GitHub must also run on localhub (and only real fields are used)."""
    documents = sorted(OPERATIONS_DIR.glob("*.graphql"))
    if not documents:
        pytest.skip("soda_tui/github/operations has no .graphql documents yet")
    for path in documents:
        document = graphql.parse(path.read_text(encoding="utf-8"))
        assert validate_against_github(document) == [], path.name
        assert [error.message for error in graphql.validate(ours, document)] == [], path.name
