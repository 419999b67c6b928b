"""Settings: typed, defaulted, described; a typo or a wrong type is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import SettingsError
from core.settings import Settings, describe


def test_defaults_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert Settings.load(path) == Settings()
    s = Settings()
    s.retrieval.vector_weight = 2.5
    s.chat.user_names = ["sam"]
    s.save(path)
    assert Settings.load(path) == s


def test_partial_file_keeps_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"retrieval": {"rrf_k": 10, "bm25_weight": 2}}')
    s = Settings.load(path)
    assert s.retrieval.rrf_k == 10 and s.retrieval.bm25_weight == 2.0
    assert s.store == Settings().store


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"retrieval": {"rrf": 10}}', "unknown key 'retrieval.rrf'"),
        ('{"retrieval": {"rrf_k": "ten"}}', "'retrieval.rrf_k' must be int"),
        ('{"chat": {"user_names": "sam"}}', "'chat.user_names' must be a list of str"),
        ('{"store": {"cache_mb": true}}', "'store.cache_mb' must be int"),
        ("{broken", "cannot read settings file"),
        ('{"retrieval": {"rrf_k": 0}}', "retrieval.rrf_k must be at least 1"),
        ('{"retrieval": {"vector_weight": -1}}', "retrieval.vector_weight must not be negative"),
        ('{"keys": {"storage": "cloud"}}', "keys.storage must be auto, keyring or passphrase"),
    ],
)
def test_bad_settings_are_refused_by_name(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    with pytest.raises(SettingsError, match=message.replace(".", r"\.")):
        Settings.load(path)


def test_every_setting_is_described() -> None:
    rows = describe()
    assert len(rows) > 10
    assert all(doc for _, _, doc in rows)
    assert ("retrieval.rrf_k", 60) in [(name, default) for name, default, _ in rows]
