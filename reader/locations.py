"""Where the config file, the database, the fetch lock and the cache live, with flag and env overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from reader.frozen import Frozen, value_type

APP_NAME = "reader"
ENV_CONFIG = "READER_CONFIG"
ENV_DATA_DIR = "READER_DATA_DIR"
CONFIG_FILENAME = "config.toml"
DB_FILENAME = "reader.db"
LOCK_FILENAME = "reader.fetch.lock"


@value_type
class Locations(Frozen):
    """Resolved paths. `config_explicit` is True when the user named the config file (flag or env)."""

    config_path: Path
    config_explicit: bool
    data_dir: Path
    cache_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def lock_path(self) -> Path:
        return self.data_dir / LOCK_FILENAME

    def ensure_dirs(self) -> None:
        """Create the data and cache directories (private to the user) if they are missing."""
        # 0o700: the database holds reading history, which is nobody else's business.
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)


def _as_path(value: str) -> Path:
    # Absolute so that a later chdir (or a worker thread) cannot change what the path means.
    return Path(os.path.abspath(os.path.expanduser(value)))


def _pick(flag: str | None, env: Mapping[str, str], name: str) -> str | None:
    """The flag if given, else the env variable; an empty value counts as unset (`READER_CONFIG= reader`)."""
    if flag:
        return flag
    value = env.get(name, "")
    return value or None


def resolve_locations(config: str | None, data_dir: str | None, env: Mapping[str, str]) -> Locations:
    """Resolve paths: `--config`/`--data-dir` win over READER_CONFIG/READER_DATA_DIR, which win over platformdirs.

    With an overridden data directory the cache goes inside it, so one flag isolates a whole profile
    (tests and second profiles rely on that); otherwise it follows the platform's cache convention.
    """
    config_value = _pick(config, env, ENV_CONFIG)
    data_value = _pick(data_dir, env, ENV_DATA_DIR)
    if config_value is None or data_value is None:
        import platformdirs  # (with tempfile, shutil, random...) only when a platform default is needed

    if config_value is not None:
        config_path, explicit = _as_path(config_value), True
    else:
        config_path, explicit = platformdirs.user_config_path(APP_NAME) / CONFIG_FILENAME, False

    if data_value is not None:
        data_path = _as_path(data_value)
        cache_path = data_path / "cache"
    else:
        data_path = platformdirs.user_data_path(APP_NAME)
        cache_path = platformdirs.user_cache_path(APP_NAME)
    return Locations(
        config_path=config_path, config_explicit=explicit, data_dir=data_path, cache_dir=cache_path
    )
