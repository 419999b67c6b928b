"""Which windows capture must never see: password managers, private browsing, the user's own rules.

The defaults live in `resources/exclusions.json` so they can grow without code changes. A window is
excluded by its application class (password managers, authenticators, password prompts, and
browsers that are private by design such as Tor Browser) or by a marker in its title. Title markers
come in two strengths: unambiguous ones ("Private Browsing", "Incognito", "InPrivate" and their
translations) count in any window, because a private window may belong to a browser whose class we
do not know; generic words ("Private", "Privat", "シークレット") count only as whole words in a
known browser's window, so "Private equity report.pdf - LibreOffice" is still captured. The
asymmetry is deliberate: a false positive skips one window for one tick, a false negative stores
private browsing, so "incognito mode docs - Vim" is skipped too, and so is a browser page titled
"Private equity". Everything is compared after Unicode normalisation (NFKC + casefold, invisible
format characters dropped, whitespace runs collapsed, and a space between the words of a marker
optional), so full-width letters, non-breaking or doubled spaces do not hide a marker. The user's
rules are shell globs (fnmatch): an application rule must match the whole class, a title rule with
no wildcard matches anywhere in the title. A reason names the rule that matched, never the title,
so it is safe to log.
"""

from __future__ import annotations

import fnmatch
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from core.capture.desktop import Window
from core.errors import SettingsError
from core.settings import CaptureSettings

PRIVATE_WINDOW = "private browsing window"

_SEPARATORS = re.compile(r"[\s\-_]+")
_GLOB_CHARS = frozenset("*?[")
_APP_SUFFIXES = (".exe", ".app")


def normalize_text(text: str) -> str:
    """NFKC-casefolded text without invisible format characters, whitespace runs made one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    if not folded.isascii():
        # Zero-width spaces, joiners, bidi marks and soft hyphens render as nothing.
        folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return " ".join(folded.split())


def normalize_app(app: str) -> str:
    """An application class as a lookup key: normalised, '.exe'/'.app' dropped, ' ', '-', '_' alike."""
    key = normalize_text(app)
    for suffix in _APP_SUFFIXES:
        if key.endswith(suffix):
            key = key.removesuffix(suffix)
    return _SEPARATORS.sub("-", key).strip("-")


@dataclass(frozen=True)
class ExcludedApp:
    """One application never captured, with the window classes and titles that identify it."""

    name: str
    kind: str  # "password manager", "authenticator", "password prompt", "private browser"
    classes: tuple[str, ...]
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class DefaultExclusions:
    """The shipped exclusion list, as read from resources/exclusions.json."""

    apps: tuple[ExcludedApp, ...]
    private_browsers: tuple[ExcludedApp, ...]
    browsers: tuple[str, ...]
    private_titles: tuple[str, ...]  # count in any window
    private_titles_in_browser: tuple[str, ...]  # generic words: count only in a browser


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"exclusions.json: {where} must be a list of non-empty strings")
    return tuple(value)


def _by_language(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, Mapping):
        raise ValueError(f"exclusions.json: {where} must map languages to lists of markers")
    return tuple(m for lang, markers in value.items() for m in _strings(markers, f"{where}.{lang}"))


def _app(entry: Any, kind: str | None) -> ExcludedApp:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        raise ValueError(f"exclusions.json: malformed application entry {entry!r}")
    name = entry["name"]
    app = ExcludedApp(
        name=name,
        kind=kind or str(entry.get("kind", "password manager")),
        classes=_strings(entry.get("classes", []), f"{name}.classes"),
        titles=_strings(entry.get("titles", []), f"{name}.titles"),
    )
    if not app.classes and not app.titles:
        raise ValueError(f"exclusions.json: {name} has neither classes nor titles")
    return app


def parse_defaults(data: Mapping[str, Any]) -> DefaultExclusions:
    """The default list from its JSON form; a malformed list is a bug in the shipped file."""
    if data.get("version") != 1:
        raise ValueError(f"exclusions.json: unsupported version {data.get('version')!r}")
    titles = data["private_titles"]
    return DefaultExclusions(
        apps=tuple(_app(e, None) for e in data["apps"]),
        private_browsers=tuple(_app(e, "private browser") for e in data["private_browsers"]),
        browsers=_strings(data["browsers"], "browsers"),
        private_titles=_by_language(titles["any_window"], "private_titles.any_window"),
        private_titles_in_browser=_by_language(
            titles["browser_only"], "private_titles.browser_only"
        ),
    )


@cache
def default_exclusions() -> DefaultExclusions:
    """The shipped default list (read once)."""
    text = resources.files("resources").joinpath("exclusions.json").read_text("utf-8")
    return parse_defaults(json.loads(text))


def _spaced(marker: str) -> str:
    """A regex for a normalised marker in which spaces, and gaps between CJK characters, are optional."""
    # Titles hold at most one space between words after normalisation, so "PrivateBrowsing" and
    # "シークレット モード" match the markers "Private Browsing" and "シークレットモード".
    out = []
    for i, ch in enumerate(marker):
        if ch == " ":
            out.append(r"\s?")
            continue
        if i and marker[i - 1] != " " and _wide(marker[i - 1]) and _wide(ch):
            out.append(r"\s?")
        out.append(re.escape(ch))
    return "".join(out)


def _wide(ch: str) -> bool:
    """Whether `ch` is from a script written without spaces between words (CJK, kana, Hangul)."""
    return ord(ch) >= 0x2E80


def _word_edge(ch: str) -> bool:
    """Whether a marker ending in `ch` needs a word boundary (scripts that separate words)."""
    code = ord(ch)
    return ch.isalnum() and (code < 0x0530 or 0x1E00 <= code <= 0x1FFF)


def _marker_pattern(markers: Iterable[str], whole_words: bool) -> re.Pattern[str] | None:
    """One regex finding any of `markers` in a normalised title; None when there are none."""
    parts = []
    for marker in sorted({normalize_text(m) for m in markers}, key=len, reverse=True):
        body = _spaced(marker)
        if whole_words and _word_edge(marker[0]):
            body = r"(?<!\w)" + body
        if whole_words and _word_edge(marker[-1]):
            body += r"(?!\w)"
        parts.append(body)
    return re.compile("|".join(parts)) if parts else None


def _check_pattern(pattern: object, what: str) -> str:
    """The pattern if it is a usable glob, else a SettingsError saying what is wrong with it."""
    if not isinstance(pattern, str):
        raise SettingsError(f"exclusion {what} rule {pattern!r} must be text")
    key = normalize_text(pattern)  # what is matched: full-width brackets become brackets
    if not key:
        raise SettingsError(f"exclusion {what} rule {pattern!r} is empty")
    if any(unicodedata.category(ch) == "Cc" for ch in pattern):
        raise SettingsError(f"exclusion {what} rule {pattern!r} contains a control character")
    i = 0
    while (i := key.find("[", i)) != -1:
        j = i + 1
        if key[j : j + 1] == "!":
            j += 1
        if key[j : j + 1] == "]":  # a ']' right after '[' or '[!' is a literal member
            j += 1
        end = key.find("]", j)
        if end == -1:
            raise SettingsError(
                f"exclusion {what} rule {pattern!r} has a '[' without a closing ']' "
                "(write '[[]' to match a literal '[')"
            )
        i = end + 1
    return pattern


class ExclusionRules:
    """The defaults that are switched on plus the user's own rules, compiled for fast matching."""

    def __init__(
        self,
        apps: Iterable[str] = (),
        titles: Iterable[str] = (),
        *,
        password_managers: bool = True,
        private_browsing: bool = True,
        defaults: DefaultExclusions | None = None,
    ) -> None:
        base = default_exclusions() if defaults is None else defaults
        self._apps: dict[str, str] = {}
        self._app_titles: list[tuple[re.Pattern[str], str]] = []
        listed: list[ExcludedApp] = []
        if password_managers:
            listed.extend(base.apps)
        if private_browsing:
            listed.extend(base.private_browsers)
        for app in listed:
            if app.kind == "private browser":
                reason = f"{PRIVATE_WINDOW} ({app.name})"
            else:
                reason = f"{app.kind} {app.name}"
            for cls in app.classes:
                self._apps.setdefault(normalize_app(cls), reason)
            if pattern := _marker_pattern(app.titles, whole_words=False):
                self._app_titles.append((pattern, reason))
        self._browsers = frozenset(normalize_app(b) for b in base.browsers)
        self._private_any: re.Pattern[str] | None = None
        self._private_in_browser: re.Pattern[str] | None = None
        if private_browsing:
            self._private_any = _marker_pattern(base.private_titles, whole_words=False)
            self._private_in_browser = _marker_pattern(
                base.private_titles_in_browser, whole_words=True
            )
        self._user_apps = [
            (re.compile(fnmatch.translate(normalize_app(p))), f"your rule '{p}'")
            for p in (_check_pattern(p, "application") for p in apps)
        ]
        self._user_titles: list[tuple[str | re.Pattern[str], str]] = []
        for p in (_check_pattern(p, "title") for p in titles):
            key = normalize_text(p)
            glob = _GLOB_CHARS & set(key)
            self._user_titles.append(
                (re.compile(fnmatch.translate(key)) if glob else key, f"your rule '{p}'")
            )

    @classmethod
    def from_settings(cls, settings: CaptureSettings) -> ExclusionRules:
        """The rules the capture settings ask for (one switch turns every default on or off)."""
        return cls(
            settings.exclude_apps,
            settings.exclude_titles,
            password_managers=settings.default_exclusions,
            private_browsing=settings.default_exclusions,
        )

    def excludes(self, window: Window) -> str | None:
        """Why `window` must not be captured (a loggable reason naming the rule), or None."""
        app = normalize_app(window.app)
        if reason := self._apps.get(app):
            return reason
        title = normalize_text(window.title)
        for pattern, reason in self._app_titles:
            if pattern.search(title):
                return reason
        if self._private_any and self._private_any.search(title):
            return PRIVATE_WINDOW
        in_browser = self._private_in_browser if app in self._browsers else None
        if in_browser and in_browser.search(title):
            return PRIVATE_WINDOW
        for glob, reason in self._user_apps:
            if glob.match(app):
                return reason
        for rule, reason in self._user_titles:
            if rule in title if isinstance(rule, str) else rule.match(title):
                return reason
        return None
