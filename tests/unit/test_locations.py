"""Where config and data live: platformdirs defaults, env overrides, and flags that beat the env."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

from reader.locations import ENV_CONFIG, ENV_DATA_DIR, resolve_locations


def test_defaults_follow_platformdirs() -> None:
    loc = resolve_locations(None, None, {})
    assert loc.config_path == platformdirs.user_config_path("reader") / "config.toml"
    assert loc.config_explicit is False
    assert loc.data_dir == platformdirs.user_data_path("reader")
    assert loc.cache_dir == platformdirs.user_cache_path("reader")
    assert loc.db_path == loc.data_dir / "reader.db"
    assert loc.lock_path == loc.data_dir / "reader.fetch.lock"


def test_env_overrides_defaults(tmp_path: Path) -> None:
    env = {ENV_CONFIG: str(tmp_path / "c.toml"), ENV_DATA_DIR: str(tmp_path / "data")}
    loc = resolve_locations(None, None, env)
    assert loc.config_path == tmp_path / "c.toml"
    assert loc.config_explicit is True
    assert loc.data_dir == tmp_path / "data"
    assert loc.db_path == tmp_path / "data" / "reader.db"
    # An overridden data dir holds the cache too, so one flag isolates a whole profile.
    assert loc.cache_dir == tmp_path / "data" / "cache"


def test_flags_win_over_env(tmp_path: Path) -> None:
    env = {ENV_CONFIG: str(tmp_path / "env.toml"), ENV_DATA_DIR: str(tmp_path / "env-data")}
    loc = resolve_locations(str(tmp_path / "flag.toml"), str(tmp_path / "flag-data"), env)
    assert loc.config_path == tmp_path / "flag.toml"
    assert loc.config_explicit is True
    assert loc.data_dir == tmp_path / "flag-data"


def test_one_flag_one_env(tmp_path: Path) -> None:
    env = {ENV_CONFIG: str(tmp_path / "env.toml"), ENV_DATA_DIR: str(tmp_path / "env-data")}
    loc = resolve_locations(None, str(tmp_path / "flag-data"), env)
    assert loc.config_path == tmp_path / "env.toml"
    assert loc.data_dir == tmp_path / "flag-data"


def test_empty_env_counts_as_unset() -> None:
    loc = resolve_locations(None, None, {ENV_CONFIG: "", ENV_DATA_DIR: ""})
    assert loc.config_explicit is False
    assert loc.data_dir == platformdirs.user_data_path("reader")


def test_relative_and_home_paths_become_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    loc = resolve_locations("conf/c.toml", "~/rd", {})
    assert loc.config_path == tmp_path / "conf" / "c.toml"
    assert loc.data_dir == tmp_path / "home" / "rd"
    assert loc.config_path.is_absolute() and loc.data_dir.is_absolute()


def test_ensure_dirs_creates_private_dirs(tmp_path: Path) -> None:
    loc = resolve_locations(None, str(tmp_path / "a" / "b"), {})
    loc.ensure_dirs()
    assert loc.data_dir.is_dir() and loc.cache_dir.is_dir()
    if os.name == "posix":
        assert loc.data_dir.stat().st_mode & 0o077 == 0
    loc.ensure_dirs()  # idempotent
    assert loc.data_dir.is_dir()


def test_locations_are_frozen(tmp_path: Path) -> None:
    loc = resolve_locations(None, str(tmp_path), {})
    with pytest.raises(AttributeError):
        loc.data_dir = tmp_path / "x"  # type: ignore[misc]
