"""Config mistakes come back as one short ConfigError naming the file, the key and the fix."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from soda_tui.settings import ConfigError, load_config

TOKEN = "ghp_" + "Z" * 36


def problem(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    # Short and ours: no pydantic layout, no links, no echoed secrets, a few lines at most.
    for leftover in ("For further information", "errors.pydantic.dev", "type=", "validation error"):
        assert leftover not in message
    assert TOKEN not in message
    assert len(message.splitlines()) <= 6
    assert message.startswith(str(path))
    return message.removeprefix(f"{path}: ")


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    message = problem(tmp_path, "[defaults]\nautopilot = true\npoll_seconds = = 3\n")

    assert message.startswith("invalid TOML at line 3, column 16:")


def test_wrong_type(tmp_path: Path) -> None:
    message = problem(tmp_path, '[defaults]\npoll_seconds = "x"\n')

    assert message == "defaults.poll_seconds: expected an integer, got the string 'x'"


def test_number_below_minimum(tmp_path: Path) -> None:
    message = problem(tmp_path, "[defaults]\npoll_seconds = 2\n")

    assert message == "defaults.poll_seconds: must be at least 5, got the integer 2"


def test_bad_enum_names_the_repo_and_the_choices(tmp_path: Path) -> None:
    text = '[[repos]]\nname = "acme/api"\n[[repos]]\nname = "acme/web"\nmerge_method = "fast"\n'

    message = problem(tmp_path, text)

    assert message == (
        "repos[1].merge_method (repo acme/web): expected one of squash, merge, rebase, "
        "got the string 'fast'"
    )


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    message = problem(tmp_path, '[defaults]\nmerge_methd = "squash"\n')

    assert message == "defaults.merge_methd: unknown key 'merge_methd': did you mean merge_method?"


def test_unknown_key_without_close_match_lists_valid_keys(tmp_path: Path) -> None:
    message = problem(tmp_path, "[github]\nflavour = 1\n")

    assert (
        message == "github.flavour: unknown key 'flavour': valid keys here are api_url, token_env"
    )


def test_defaults_only_key_in_a_repo_says_where_it_belongs(tmp_path: Path) -> None:
    message = problem(tmp_path, '[[repos]]\nname = "a/b"\nbell = true\n')

    assert message == "repos[0].bell (repo a/b): bell can only be set under [defaults]"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acme", "'acme' is not a repository: expected OWNER/REPO, e.g. acme/api"),
        ("https://github.com/acme/api", "write the repository as OWNER/REPO, e.g. acme/api"),
        ("acme/api.git", "drop the .git suffix: write acme/api"),
        ("-acme/api", "'-acme' is not a GitHub owner"),
        ("../evil", "'..' is not a GitHub owner"),
        ("acme/..", "'..' is not a GitHub repository name"),
    ],
)
def test_bad_repo_name(tmp_path: Path, name: str, expected: str) -> None:
    message = problem(tmp_path, f'[[repos]]\nname = "{name}"\n')

    assert message.startswith(f"repos[0].name: {expected}")


def test_missing_repo_name(tmp_path: Path) -> None:
    message = problem(tmp_path, '[[repos]]\nagent = "aider"\n')

    assert message == 'repos[0].name: missing: every [[repos]] entry needs name = "OWNER/REPO"'


def test_duplicate_repo_differing_only_in_case(tmp_path: Path) -> None:
    message = problem(tmp_path, '[[repos]]\nname = "acme/api"\n[[repos]]\nname = "Acme/API"\n')

    assert message == "repos: Acme/API is listed twice (repos[0] and repos[1]): remove one entry"


def test_unknown_placeholder_is_named(tmp_path: Path) -> None:
    message = problem(tmp_path, '[defaults.agent]\ncommand = ["my-agent", "--n={issue}"]\n')

    assert message.startswith(
        "defaults.agent.command: unknown placeholder {issue} in '--n={issue}': allowed are "
        "{issue_number}, {issue_title}, {prompt_file}, {branch}, {workspace}, {repo}"
    )


def test_unknown_placeholder_in_extra_args(tmp_path: Path) -> None:
    message = problem(tmp_path, '[defaults.agent]\nextra_args = ["--title", "{title}"]\n')

    assert message.startswith("defaults.agent.extra_args: unknown placeholder {title} in '{title}'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[defaults]\nagent = "gpt"\n', "defaults.agent: unknown agent preset 'gpt'"),
        ('[defaults]\nagent = "custom"\n', "defaults.agent: the custom agent needs a command"),
        ("[defaults]\nagent = 3\n", "defaults.agent: expected a preset name"),
        ("[defaults.agent]\ncommand = []\n", "defaults.agent.command: the command must be"),
        (
            '[defaults.agent]\npreset = "aider"\ncommand = ["x"]\n',
            "defaults.agent: command is only for custom agents",
        ),
    ],
)
def test_bad_agent(tmp_path: Path, text: str, expected: str) -> None:
    assert problem(tmp_path, text).startswith(expected)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (f'token = "{TOKEN}"\n', "token"),
        (f'[github]\ntoken = "{TOKEN}"\n', "github.token"),
        (
            f'[[repos]]\nname = "a/b"\ngithub_token = "{TOKEN}"\n',
            "repos[0].github_token (repo a/b)",
        ),
    ],
)
def test_token_key_is_refused_without_echoing_it(tmp_path: Path, text: str, where: str) -> None:
    message = problem(tmp_path, text)

    assert message.startswith(f"{where}: tokens never go in the config file")
    assert "GH_TOKEN" in message


def test_token_pasted_into_token_env_is_refused_without_echoing_it(tmp_path: Path) -> None:
    message = problem(tmp_path, f'[github]\ntoken_env = "{TOKEN}"\n')

    assert message.startswith(
        "github.token_env: token_env takes the NAME of an environment variable"
    )


def test_token_in_agent_env_points_at_pass_github_token(tmp_path: Path) -> None:
    message = problem(tmp_path, f'[defaults.agent]\nenv = {{ GH_TOKEN = "{TOKEN}" }}\n')

    assert "pass_github_token = true" in message


def test_token_never_reaches_the_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[github]\ntoken = "{TOKEN}"\nbogus = "{TOKEN}"\n', encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    rendered = "".join(traceback.format_exception(caught.value))
    assert TOKEN not in rendered
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_relative_path_is_refused(tmp_path: Path) -> None:
    message = problem(tmp_path, '[paths]\ndata_dir = "data/here"\n')

    assert message == (
        "paths.data_dir: must be an absolute path, got 'data/here': write the full path "
        "(~ is allowed)"
    )


def test_home_relative_path_is_expanded(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[paths]\nstate_dir = "~/soda-state"\n', encoding="utf-8")

    assert load_config(path).paths.state_dir == Path("~/soda-state").expanduser()


def test_bad_url(tmp_path: Path) -> None:
    message = problem(tmp_path, '[github]\napi_url = "api.github.com"\n')

    assert message == (
        "github.api_url: expected an http(s) URL such as https://api.github.com/graphql, "
        "got 'api.github.com'"
    )


def test_several_problems_are_listed_one_per_line(tmp_path: Path) -> None:
    message = problem(tmp_path, '[defaults]\npoll_seconds = "x"\nautopilot = "yes"\n')

    assert message.splitlines() == [
        "2 problems:",
        "  defaults.autopilot: expected true or false, got the string 'yes'",
        "  defaults.poll_seconds: expected an integer, got the string 'x'",
    ]


def test_unreadable_encoding(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"[defaults]\nautopilot = \xff\n")

    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_config(path)
