"""Settings: one typed schema with defaults and a one-line description per field.

Saved as JSON in the profile's config dir. Every field has a default, so a missing or partial file
is fine; a file with a wrong type or an unknown key is refused with a message naming the key, so a
typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SettingsError
from core.files import write_atomic


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SettingsError(f"settings: {message}")


def setting(default: Any, description: str) -> Any:
    """A settings field with its default and a one-line description."""
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"doc": description})
    return field(default=default, metadata={"doc": description})


@dataclass
class RetrievalSettings:
    """How hybrid search fuses its rankings."""

    bm25_weight: float = setting(1.0, "Weight of the full-text (BM25) ranking in the fusion.")
    vector_weight: float = setting(0.4, "Weight of the vector (KNN) ranking in the fusion.")
    prior_weight: float = setting(0.1, "Weight of the recency/strength prior ranking.")
    link_weight: float = setting(0.3, "Weight of memories reached by one hop along links.")
    rrf_k: int = setting(60, "Reciprocal-rank-fusion constant: larger flattens rank differences.")
    candidates: int = setting(50, "How many hits each ranking contributes before fusion.")
    link_hop_from: int = setting(5, "How many top fused hits are followed along their links.")
    vector_max_distance: float = setting(
        0.85, "Vector hits farther than this cosine distance are noise and are dropped."
    )
    recency_half_life_days: float = setting(30.0, "Age in days at which the recency prior halves.")

    def __post_init__(self) -> None:
        for name in ("bm25_weight", "vector_weight", "prior_weight", "link_weight"):
            _require(getattr(self, name) >= 0, f"retrieval.{name} must not be negative")
        _require(self.rrf_k >= 1, "retrieval.rrf_k must be at least 1")
        _require(self.candidates >= 1, "retrieval.candidates must be at least 1")
        _require(self.link_hop_from >= 0, "retrieval.link_hop_from must not be negative")
        _require(0 < self.vector_max_distance <= 2, "retrieval.vector_max_distance: 0 to 2")
        _require(self.recency_half_life_days > 0, "retrieval.recency_half_life_days must be > 0")


@dataclass
class StoreSettings:
    """The encrypted database."""

    cache_mb: int = setting(
        256, "Page cache in MB; vectors stay decrypted in it, so search never re-decrypts."
    )
    import_batch_size: int = setting(200, "Lines committed per transaction during an import.")

    def __post_init__(self) -> None:
        _require(self.cache_mb >= 1, "store.cache_mb must be at least 1")
        _require(self.import_batch_size >= 1, "store.import_batch_size must be at least 1")


@dataclass
class KeySettings:
    """Where the database key lives."""

    storage: str = setting(
        "auto", "auto (OS keyring if usable, else passphrase), keyring, or passphrase."
    )

    def __post_init__(self) -> None:
        _require(
            self.storage in ("auto", "keyring", "passphrase"),
            "keys.storage must be auto, keyring or passphrase",
        )


@dataclass
class ChatSettings:
    """How chat transcripts are read."""

    user_names: list[str] = setting(
        ["user", "me", "human"], "Speaker names that mean the person using Mnemo."
    )
    assistant_names: list[str] = setting(
        ["assistant", "mnemo", "ai", "bot"], "Speaker names that mean the assistant."
    )


@dataclass
class PipelineSettings:
    """How observations become memories and questions become answers."""

    extract_batch: int = setting(
        12, "Most observations sent to the model in one extraction call (they must also fit)."
    )
    neighbours: int = setting(5, "Nearest existing memories compared with each candidate.")
    near_duplicate: float = setting(
        0.85, "Cosine similarity above which a candidate with the same words is a duplicate."
    )
    related: float = setting(
        0.45, "Cosine similarity below which no existing memory is close enough to ask the model."
    )
    answer_memories: int = setting(8, "Most memories shown to the model for one answer.")
    answer_similarity: float = setting(
        0.55, "Cosine similarity at which a memory counts as relevant without a shared word."
    )

    def __post_init__(self) -> None:
        _require(1 <= self.extract_batch <= 40, "pipeline.extract_batch must be 1 to 40")
        _require(1 <= self.neighbours <= 40, "pipeline.neighbours must be 1 to 40")
        _require(1 <= self.answer_memories <= 40, "pipeline.answer_memories must be 1 to 40")
        for name in ("near_duplicate", "related", "answer_similarity"):
            _require(0 < getattr(self, name) <= 1, f"pipeline.{name} must be within (0, 1]")


@dataclass
class ModelSettings:
    """Which on-device models are used (files in the profile's models folder)."""

    base: str = setting("", "Base LLM file in the models folder; empty: no model, rules only.")
    embedder: str = setting("hashing", "hashing (no weights) or a GGUF embedding model file.")
    threads: int = setting(0, "Inference threads; 0 means the number of cores minus one.")
    context: int = setting(4096, "Context window of the base model in tokens.")
    max_output: int = setting(
        1536, "Longest model output in tokens; the rest of the context holds the prompt."
    )

    def __post_init__(self) -> None:
        _require(self.threads >= 0, "models.threads must not be negative")
        _require(self.context >= 256, "models.context must be at least 256")
        _require(
            64 <= self.max_output < self.context, "models.max_output: 64 to below models.context"
        )


@dataclass
class CaptureSettings:
    """The screen capture monitor."""

    enabled: bool = setting(
        True, "Capture the screen in the background while the desktop app runs."
    )
    interval: float = setting(5.0, "Seconds between screen checks while the screen is changing.")
    max_interval: float = setting(
        60.0, "Longest wait between checks: the interval grows to it while nothing changes."
    )
    backoff: float = setting(1.5, "Factor the interval grows by after each unchanged check.")
    change_threshold: float = setting(
        0.002, "Share of the screen (0 to 1) that must change for a new frame to be kept."
    )
    thumbnail_width: int = setting(1280, "Width in pixels of the stored frame thumbnails.")
    thumbnail_quality: int = setting(50, "WebP quality of the thumbnails, 1 to 100.")
    ocr: bool = setting(True, "Read the text on changed parts of the screen (tesseract).")
    ocr_language: str = setting("eng", "Tesseract language(s), e.g. eng or eng+deu.")
    ocr_queue: int = setting(
        4, "Frames waiting for OCR at most; when full, the oldest is dropped and counted."
    )
    ocr_min_confidence: float = setting(
        40.0, "Words tesseract is less sure of (0 to 100) are not kept."
    )
    default_exclusions: bool = setting(
        True, "Never capture password managers and private or incognito browser windows."
    )
    exclude_apps: list[str] = setting([], "Your own application classes never to capture (globs).")
    exclude_titles: list[str] = setting(
        [], "Window titles never to capture: words or globs, case-insensitive."
    )
    pause_on_lock: bool = setting(True, "Pause capture while the session is locked.")
    segment_minutes: float = setting(
        15.0, "Longest activity segment: a long stay in one window is cut into parts this long."
    )
    retention_days: float = setting(30.0, "Frames older than this many days are deleted.")
    retention_gb: float = setting(
        5.0, "Frames beyond this total size (GB) are deleted, oldest first."
    )
    min_free_gb: float = setting(
        1.0, "Capture stops keeping frames while free disk space is below this (GB)."
    )

    def __post_init__(self) -> None:
        _require(self.interval > 0, "capture.interval must be positive")
        _require(self.max_interval >= self.interval, "capture.max_interval must be >= interval")
        _require(self.backoff >= 1, "capture.backoff must be at least 1")
        _require(0 <= self.change_threshold < 1, "capture.change_threshold must be 0 to below 1")
        _require(64 <= self.thumbnail_width <= 7680, "capture.thumbnail_width must be 64 to 7680")
        _require(1 <= self.thumbnail_quality <= 100, "capture.thumbnail_quality must be 1 to 100")
        _require(self.ocr_queue >= 1, "capture.ocr_queue must be at least 1")
        _require(0 <= self.ocr_min_confidence <= 100, "capture.ocr_min_confidence: 0 to 100")
        _require(self.segment_minutes > 0, "capture.segment_minutes must be positive")
        _require(self.retention_days > 0, "capture.retention_days must be positive")
        _require(self.retention_gb > 0, "capture.retention_gb must be positive")
        _require(self.min_free_gb >= 0, "capture.min_free_gb must not be negative")


@dataclass
class SleepSettings:
    """The nightly sleep job that merges, summarises, fades and links memories."""

    enabled: bool = setting(True, "Run the sleep job every night while Mnemo is running.")
    hour: int = setting(3, "Hour of the night (0-23, local time) at which the sleep job starts.")
    minute: int = setting(0, "Minute past that hour at which the sleep job starts.")
    idle_minutes: float = setting(
        10.0, "Start only after this many minutes without keyboard or mouse input."
    )
    max_load: float = setting(
        0.7, "Start only while the 1-minute load average per core is below this."
    )
    require_ac: bool = setting(True, "On a laptop, start only while it is plugged in.")
    retry_minutes: float = setting(
        15.0, "When the machine is busy at the set time, check again after this many minutes."
    )
    batch_size: int = setting(500, "Memories changed per transaction, so a stopped run resumes.")
    consolidate_similarity: float = setting(
        0.8, "Cosine similarity above which memories with the same words are merged."
    )
    link_similarity: float = setting(
        0.6, "Cosine similarity above which a new memory is linked 'related' to a neighbour."
    )
    link_neighbours: int = setting(5, "Most neighbours linked to each new memory.")
    follows_hours: float = setting(
        12.0, "Two episodes at most this many hours apart are linked 'follows'."
    )
    decay_days: float = setting(
        30.0, "Stability of a never-recalled memory of middling importance, in days."
    )
    recall_gain: float = setting(
        1.0, "How much each recall adds to a memory's stability (1.0: one more base period)."
    )
    cold_threshold: float = setting(
        0.05, "Memories whose retention falls below this move to the cold tier."
    )
    keep_backups: int = setting(3, "Verified database backups kept, one per sleep run.")
    cache_mb: int = setting(
        1024, "Database page cache while the job runs (MB, used only as the store needs it)."
    )

    def __post_init__(self) -> None:
        _require(0 <= self.hour <= 23, "sleep.hour must be 0 to 23")
        _require(0 <= self.minute <= 59, "sleep.minute must be 0 to 59")
        _require(self.idle_minutes >= 0, "sleep.idle_minutes must not be negative")
        _require(self.max_load > 0, "sleep.max_load must be positive")
        _require(self.retry_minutes > 0, "sleep.retry_minutes must be positive")
        _require(1 <= self.batch_size <= 100_000, "sleep.batch_size must be 1 to 100000")
        for name in ("consolidate_similarity", "link_similarity"):
            _require(0 < getattr(self, name) <= 1, f"sleep.{name} must be within (0, 1]")
        _require(1 <= self.link_neighbours <= 40, "sleep.link_neighbours must be 1 to 40")
        _require(self.follows_hours > 0, "sleep.follows_hours must be positive")
        _require(self.decay_days > 0, "sleep.decay_days must be positive")
        _require(self.recall_gain >= 0, "sleep.recall_gain must not be negative")
        _require(0 <= self.cold_threshold < 1, "sleep.cold_threshold must be 0 to below 1")
        _require(1 <= self.keep_backups <= 100, "sleep.keep_backups must be 1 to 100")
        _require(self.cache_mb >= 1, "sleep.cache_mb must be at least 1")


@dataclass
class ArchiveSettings:
    """Encrypted memory archives (`mnemo export` / `mnemo import archive`)."""

    work: int = setting(
        18,
        "Cost of a passphrase archive's key derivation (scrypt 2^work): 18, age's default, takes "
        "about a second; each step up doubles it.",
    )

    def __post_init__(self) -> None:
        _require(10 <= self.work <= 22, "archive.work must be 10 to 22")


@dataclass
class DesktopSettings:
    """The desktop app: start-up, locking, appearance."""

    autostart: bool = setting(False, "Start Mnemo in the tray when you log in.")
    start_hidden: bool = setting(
        False, "When Mnemo starts, show only the tray icon, not the main window."
    )
    auto_lock_minutes: float = setting(
        0.0, "Lock Mnemo after this many idle minutes (0: never); unlocking asks again."
    )
    theme: str = setting("system", "Colours: system (follow the desktop), light or dark.")

    def __post_init__(self) -> None:
        _require(self.auto_lock_minutes >= 0, "desktop.auto_lock_minutes must not be negative")
        _require(self.theme in ("system", "light", "dark"), "desktop.theme: system, light or dark")


@dataclass
class Settings:
    """All of Mnemo's settings."""

    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    keys: KeySettings = field(default_factory=KeySettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    models: ModelSettings = field(default_factory=ModelSettings)
    capture: CaptureSettings = field(default_factory=CaptureSettings)
    sleep: SleepSettings = field(default_factory=SleepSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    desktop: DesktopSettings = field(default_factory=DesktopSettings)

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read settings from `path`; defaults where the file or a key is absent."""
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
        settings = _from_dict(cls, raw, "")
        assert isinstance(settings, Settings)
        return settings

    def save(self, path: Path) -> None:
        """Write settings atomically (temp file in the same dir, then rename)."""
        data = json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"
        write_atomic(path, data, mode=0o644)


def describe(cls: type = Settings, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted name, default, description) for every setting, for `mnemo settings` and the GUI."""
    rows: list[tuple[str, Any, str]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        name = f"{prefix}{f.name}"
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            rows.extend(describe(kind, name + "."))  # type: ignore[arg-type]
        else:
            default = (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            )
            rows.append((name, default, f.metadata.get("doc", "")))
    return rows


def _from_dict(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise SettingsError(f"settings: '{where or 'top level'}' must be an object")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(raw) - known
    if unknown:
        raise SettingsError(f"settings: unknown key '{where}{sorted(unknown)[0]}'")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        kind = hints[name]
        dotted = f"{where}{name}"
        if dataclasses.is_dataclass(kind):
            values[name] = _from_dict(kind, value, dotted + ".")  # type: ignore[arg-type]
        else:
            values[name] = _check_type(kind, value, dotted)
    return cls(**values)


def _check_type(kind: Any, value: Any, dotted: str) -> Any:
    origin = typing.get_origin(kind)
    if origin is list:
        (item,) = typing.get_args(kind)
        if not isinstance(value, list) or not all(isinstance(v, item) for v in value):
            raise SettingsError(f"settings: '{dotted}' must be a list of {item.__name__}")
        return value
    if isinstance(kind, types.UnionType):
        raise SettingsError(f"settings: unsupported type for '{dotted}'")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise SettingsError(f"settings: '{dotted}' must be {kind.__name__}, got {value!r}")
    return value
