"""Config discovery and the on-disk layout, including refusing paths that would escape it."""

from __future__ import annotations

import os
import string
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from soda_tui.settings import ConfigError, Paths, PathSettings, config_path, load_settings

BASES = ("workspaces_dir", "journals_dir", "runs_dir")


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point platformdirs at a temporary home so no test touches the real user directories."""
    home = tmp_path / "xdg"
    for variable, folder in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    return home


def test_config_flag_wins_over_environment(tmp_path: Path) -> None:
    environ = {"SODA_CONFIG": str(tmp_path / "env.toml"), "SODA_HOME": str(tmp_path / "home")}

    assert config_path(tmp_path / "flag.toml", environ) == tmp_path / "flag.toml"


def test_soda_config_wins_over_soda_home(tmp_path: Path) -> None:
    environ = {"SODA_CONFIG": str(tmp_path / "env.toml"), "SODA_HOME": str(tmp_path / "home")}

    assert config_path(None, environ) == tmp_path / "env.toml"


def test_soda_home_holds_the_config(tmp_path: Path) -> None:
    assert config_path(None, {"SODA_HOME": str(tmp_path)}) == tmp_path / "config.toml"


def test_platformdirs_config_when_nothing_is_set(xdg: Path) -> None:
    expected = xdg / "config" / "soda-tui" / "config.toml"

    assert config_path(None, {}) == expected
    assert expected == platformdirs.user_config_path("soda-tui", appauthor=False) / "config.toml"


def test_relative_flag_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    assert config_path(Path("mine.toml"), {}) == tmp_path / "mine.toml"


def test_load_settings_without_a_file_uses_platformdirs(xdg: Path) -> None:
    loaded = load_settings(None, {})

    assert loaded.config.repos == []
    assert loaded.config_file == xdg / "config" / "soda-tui" / "config.toml"
    assert loaded.paths.data_dir == xdg / "data" / "soda-tui"
    assert loaded.paths.state_dir == xdg / "state" / "soda-tui"
    assert loaded.paths.cache_dir == xdg / "cache" / "soda-tui"


def test_load_settings_requires_a_file_named_by_soda_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(None, {"SODA_CONFIG": str(tmp_path / "missing.toml")})


def test_soda_home_puts_everything_under_it_and_the_file_can_move_dirs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    elsewhere = tmp_path / "big-disk"
    (home / "config.toml").write_text(
        f'[paths]\ndata_dir = "{elsewhere}"\n\n[[repos]]\nname = "acme/api"\n', encoding="utf-8"
    )

    loaded = load_settings(None, {"SODA_HOME": str(home)})

    assert loaded.config.repo_names == ("acme/api",)
    assert loaded.paths.config_file == home / "config.toml"
    assert loaded.paths.data_dir == elsewhere
    assert loaded.paths.state_dir == home / "state"
    assert loaded.paths.cache_dir == home / "cache"


def test_layout_under_one_root(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)

    assert paths.config_file == tmp_path / "config.toml"
    assert paths.workspace("acme/api") == tmp_path / "data" / "workspaces" / "acme" / "api"
    assert paths.journal("acme/api") == tmp_path / "state" / "journals" / "acme__api.json"
    assert paths.run_log_dir("acme/api") == tmp_path / "state" / "runs" / "acme__api"
    assert paths.traces_dir == tmp_path / "state" / "traces"
    assert paths.ignored_file == tmp_path / "state" / "ignored.json"
    assert paths.localhub_dir == tmp_path / "data" / "localhub"


def test_one_repository_gets_one_workspace_however_it_is_spelt(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)

    assert paths.workspace("Acme/API") == paths.workspace("acme/api")
    assert paths.journal("ACME/Api") == paths.journal("acme/api")


def test_path_settings_override_the_defaults(tmp_path: Path) -> None:
    settings = PathSettings(data_dir=tmp_path / "d", state_dir=tmp_path / "s")

    paths = Paths.default(settings=settings, environ={"SODA_HOME": str(tmp_path / "home")})

    assert paths.workspace("a/b") == tmp_path / "d" / "workspaces" / "a" / "b"
    assert paths.journal("a/b") == tmp_path / "s" / "journals" / "a__b.json"
    assert paths.cache_dir == tmp_path / "home" / "cache"


def test_from_settings_applies_overrides_over_soda_home(tmp_path: Path) -> None:
    settings = PathSettings(state_dir=tmp_path / "s")

    paths = Paths.from_settings(settings, {"SODA_HOME": str(tmp_path / "home")})

    assert paths.config_file == tmp_path / "home" / "config.toml"
    assert paths.data_dir == tmp_path / "home" / "data"
    assert paths.state_dir == tmp_path / "s"


@pytest.mark.parametrize(
    "name", ["../evil", "acme/..", "acme/../../etc", "/etc/passwd", "acme", "a/b/c", "..", ""]
)
@pytest.mark.parametrize("method", ["workspace", "journal", "run_log_dir"])
def test_escaping_names_are_refused(tmp_path: Path, name: str, method: str) -> None:
    paths = Paths.under(tmp_path)

    with pytest.raises(ConfigError, match="refusing to make a path for"):
        getattr(paths, method)(name)


def test_symlink_out_of_the_workspaces_is_refused(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path / "root")
    paths.ensure()
    outside = tmp_path / "outside"
    outside.mkdir()
    (paths.workspaces_dir / "acme").symlink_to(outside, target_is_directory=True)

    with pytest.raises(ConfigError, match="outside"):
        paths.workspace("acme/api")


@given(
    st.text(alphabet=string.ascii_letters + string.digits + "./-_~\\ :", min_size=0, max_size=24)
)
def test_any_accepted_name_stays_inside_its_base(name: str) -> None:
    root = Path("/tmp/soda-settings-hypothesis")
    paths = Paths.under(root)
    for method, base in zip(("workspace", "journal", "run_log_dir"), BASES, strict=True):
        try:
            made = getattr(paths, method)(name)
        except ConfigError:
            continue
        base_dir = getattr(paths, base)
        assert made.is_relative_to(base_dir) and made != base_dir


def test_ensure_creates_private_directories(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path / "root")

    paths.ensure()

    for directory in (paths.workspaces_dir, paths.journals_dir, paths.runs_dir, paths.traces_dir):
        assert directory.is_dir()
    assert paths.cache_dir.is_dir()
    assert os.stat(paths.journals_dir).st_mode & 0o077 == 0


def test_ensure_reports_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a directory", encoding="utf-8")
    paths = Paths.under(tmp_path)

    with pytest.raises(ConfigError, match=r"cannot create .*data.*SODA_HOME"):
        paths.ensure()
