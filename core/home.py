"""Where Mnemo keeps its files.

By default the platform's conventional directories (platformdirs): settings in the user config dir,
the database and key file in the user data dir. `MNEMO_HOME` (or `--home`) relocates everything
under one folder, which is what tests, portable installs and multiple profiles use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "mnemo"


@dataclass(frozen=True)
class Home:
    """The set of directories one Mnemo profile uses."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Home:
        """Explicit `home`, else `MNEMO_HOME`, else the platform directories."""
        chosen = home if home is not None else os.environ.get("MNEMO_HOME")
        if chosen:
            root = Path(chosen).expanduser().resolve()
            return cls(root / "config", root / "data", root / "cache")
        return cls(
            Path(platformdirs.user_config_dir(APP_NAME)),
            Path(platformdirs.user_data_dir(APP_NAME)),
            Path(platformdirs.user_cache_dir(APP_NAME)),
        )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mnemo.db"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "key.json"

    @property
    def settings_path(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def frames_dir(self) -> Path:
        return self.data_dir / "frames"

    @property
    def capture_status_path(self) -> Path:
        return self.data_dir / "capture-status.json"

    @property
    def capture_pause_path(self) -> Path:
        return self.data_dir / "capture-pause.json"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def sleep_lock_path(self) -> Path:
        return self.data_dir / "sleep.lock"

    def ensure(self) -> None:
        """Create the directories, private to the user."""
        for path in (self.config_dir, self.data_dir, self.cache_dir):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
