"""Exclusions: password managers and private windows are never captured; ordinary windows are."""

from __future__ import annotations

import pytest

from core.capture.desktop import Rect, Window
from core.capture.exclusions import (
    PRIVATE_WINDOW,
    ExclusionRules,
    default_exclusions,
    normalize_app,
    normalize_text,
    parse_defaults,
)
from core.errors import ExpectedError, SettingsError
from core.settings import CaptureSettings

RECT = Rect(0, 0, 800, 600)

# Written out here rather than read from the JSON, so removing one from the defaults fails a test.
PASSWORD_MANAGER_CLASSES = [
    "KeePassXC", "keepassxc", "org.keepassxc.KeePassXC", "KeePassX", "KeePass2", "keepass2",
    "KeePass", "KeeWeb", "1Password", "1password", "Bitwarden", "bitwarden",
    "com.bitwarden.desktop", "LastPass", "Enpass", "Dashlane", "Proton Pass", "me.proton.Pass",
    "NordPass", "Keeper Password Manager", "RoboForm", "kwalletmanager5", "kwalletmanager6",
    "org.kde.kwalletmanager5", "Seahorse", "org.gnome.seahorse.Application", "QtPass",
    "gopass-ui", "Keychain Access", "secrets", "org.gnome.World.Secrets", "pwsafe", "Buttercup",
    "MacPass", "Strongbox",
]  # fmt: skip

# (window class, title) of real private windows, in many languages and browsers.
PRIVATE_WINDOWS = [
    ("firefox", "Mozilla Firefox Private Browsing"),
    ("firefox", "Bank statement — Mozilla Firefox Private Browsing"),
    ("firefox", "Kontoauszug — Mozilla Firefox (Privater Modus)"),
    ("firefox", "Relevé bancaire — Mozilla Firefox (Navigation privée)"),
    ("firefox", "Extracto — Mozilla Firefox (Navegación privada)"),
    ("firefox", "Estratto conto — Mozilla Firefox (Navigazione anonima)"),
    ("firefox", "Extrato — Mozilla Firefox (Navegação privativa)"),
    ("firefox", "Extracto — Mozilla Firefox (Navegação privada)"),
    ("firefox", "Afschrift — Mozilla Firefox (Privénavigatie)"),
    ("firefox", "Wyciąg — Mozilla Firefox (Tryb prywatny)"),
    ("firefox", "Выписка — Mozilla Firefox (Приватный просмотр)"),
    ("firefox", "明細 — Mozilla Firefox (プライベートブラウジング)"),
    ("firefox", "对账单 — Mozilla Firefox (隐私浏览)"),
    ("firefox", "對帳單 — Mozilla Firefox (隱私瀏覽)"),
    ("firefox", "명세서 — Mozilla Firefox (사생활 보호 모드)"),
    ("firefox", "Kontoutdrag — Mozilla Firefox (Privat surfning)"),
    ("firefox", "Hesap — Mozilla Firefox (Gizli Gezinti)"),
    ("firefox", "Výpis — Mozilla Firefox (Anonymní prohlížení)"),
    ("Navigator", "Private Browsing"),
    ("librewolf", "Search — LibreWolf Private Browsing"),
    ("Google-chrome", "New Tab - Google Chrome (Incognito)"),
    ("google-chrome", "Neuer Tab - Google Chrome (Inkognito)"),
    ("Chromium-browser", "Nueva pestaña - Chromium (Incógnito)"),
    ("chromium", "Nuova scheda - Chromium (in incognito)"),
    ("google-chrome", "Nova guia - Google Chrome (Navegação anônima)"),
    ("google-chrome", "Novo separador - Google Chrome (Navegação anónima)"),
    ("google-chrome", "Nowa karta - Google Chrome (Incognito)"),
    ("google-chrome", "Новая вкладка - Google Chrome (Инкогнито)"),
    ("google-chrome", "新しいタブ - Google Chrome (シークレット)"),
    ("google-chrome", "新标签页 - Google Chrome（无痕模式）"),
    ("google-chrome", "新分頁 - Google Chrome (無痕式視窗)"),
    ("google-chrome", "새 탭 - Google Chrome (시크릿 모드)"),
    ("microsoft-edge", "New tab - [InPrivate] - Microsoft Edge"),
    ("Microsoft-edge", "Neuer Tab – [InPrivate] – Microsoft Edge"),
    ("brave-browser", "New Private Tab - Brave"),
    ("brave-browser", "Search - Brave (Private)"),
    ("brave-browser", "New Tab - Private Window with Tor - Brave"),
    ("Safari", "Apple, Private Browsing"),
    ("opera", "Speed Dial - Opera (Private)"),
    ("vivaldi-stable", "Start Page - Vivaldi - Private"),
    ("org.gnome.Epiphany", "Private Browsing — Web"),
    ("Tor Browser", "Tor Browser"),
    ("Tor Browser", "About Tor"),
    ("Mullvad Browser", "Search"),
]

ORDINARY_WINDOWS = [
    ("libreoffice", "Private equity report.pdf - LibreOffice"),
    ("Evince", "privacy-policy.pdf"),
    ("firefox", "Inbox (3) — Mozilla Firefox"),
    ("firefox", "Privacy Notice — Mozilla Firefox"),
    ("firefox", "Privatisierung – Wikipedia — Mozilla Firefox"),
    ("google-chrome", "Secret Garden - Wikipedia - Google Chrome"),
    ("code", "main.py - mnemo - Visual Studio Code"),
    ("gnome-terminal-server", "alice@laptop: ~/private"),
    ("org.gnome.Nautilus", "Private"),
    ("gedit", "シークレット.txt"),
    ("thunderbird", "Password reset for your account - Mozilla Thunderbird"),
    ("Slack", "general | Acme - Slack"),
]


def window(app: str, title: str = "") -> Window:
    return Window(id=1, app=app, title=title, rect=RECT)


@pytest.fixture(scope="module")
def rules() -> ExclusionRules:
    return ExclusionRules()


@pytest.mark.parametrize("cls", PASSWORD_MANAGER_CLASSES)
def test_password_managers_are_excluded_by_class(rules: ExclusionRules, cls: str) -> None:
    reason = rules.excludes(window(cls, "Passwords.kdbx"))
    assert reason is not None and reason.startswith("password manager ")


def test_every_shipped_class_is_excluded_whatever_its_case(rules: ExclusionRules) -> None:
    defaults = default_exclusions()
    classes = [c for app in defaults.apps + defaults.private_browsers for c in app.classes]
    assert len(classes) > 100
    for cls in classes:
        for variant in (cls, cls.upper(), cls.lower(), f"  {cls} "):
            assert rules.excludes(window(variant)) is not None, variant


def test_reason_names_the_password_manager(rules: ExclusionRules) -> None:
    assert rules.excludes(window("KeePassXC")) == "password manager KeePassXC"
    assert rules.excludes(window("org.gnome.World.Secrets")) == "password manager Secrets"
    assert rules.excludes(window("authy")) == "authenticator Authy"
    assert rules.excludes(window("pinentry-qt")) == "password prompt pinentry"


@pytest.mark.parametrize(
    "cls",
    [
        "ＫｅｅＰａｓｓＸＣ",
        "KeePassXC.exe",
        "keeper_password_manager",
        "Keeper  Password-Manager",
        "GOPASS UI",
    ],
)
def test_class_spellings_from_other_platforms_still_match(rules: ExclusionRules, cls: str) -> None:
    assert rules.excludes(window(cls)) is not None


@pytest.mark.parametrize(
    "title",
    ["Passwords and Keys", "Keychain Access", "Credential Manager", "Vaults | Bitwarden Web vault"],
)
def test_password_managers_are_excluded_by_title_in_any_window(
    rules: ExclusionRules, title: str
) -> None:
    reason = rules.excludes(window("some-shell", title))
    assert reason is not None and reason.startswith("password manager ")


@pytest.mark.parametrize(("cls", "title"), PRIVATE_WINDOWS)
def test_private_browsing_windows_are_excluded(rules: ExclusionRules, cls: str, title: str) -> None:
    reason = rules.excludes(window(cls, title))
    assert reason is not None and reason.startswith(PRIVATE_WINDOW)


def test_tor_browser_is_excluded_by_class_whatever_its_title(rules: ExclusionRules) -> None:
    assert rules.excludes(window("Tor Browser", "")) == "private browsing window (Tor Browser)"


@pytest.mark.parametrize(("cls", "title"), ORDINARY_WINDOWS)
def test_ordinary_windows_are_captured(rules: ExclusionRules, cls: str, title: str) -> None:
    assert rules.excludes(window(cls, title)) is None


@pytest.mark.parametrize(
    "title",
    [
        "Mozilla Firefox Private  Browsing",
        "Mozilla Firefox Private\u00a0Browsing",
        "Mozilla Firefox Private\u2009\u2009Browsing",
        "Mozilla Firefox Private\u200bBrowsing",
        "Mozilla Firefox PrivateBrowsing",
        "MOZILLA FIREFOX PRIVATE BROWSING",
        "New Tab - Google Chrome (Ｉｎｃｏｇｎｉｔｏ)",
        "New Tab - Google Chrome (In\u00adcognito)",
        "新しいタブ - Google Chrome (ｼｰｸﾚｯﾄ ﾓｰﾄﾞ)",
        "新しいタブ - Google Chrome (シークレット  モード)",
    ],
)
def test_spacing_case_and_width_do_not_hide_a_marker(rules: ExclusionRules, title: str) -> None:
    assert rules.excludes(window("UnknownBrowser", title)) == PRIVATE_WINDOW


def test_unambiguous_markers_count_in_windows_of_unknown_browsers(rules: ExclusionRules) -> None:
    # A browser we do not list (or a class a backend reports differently) still says "Incognito".
    assert rules.excludes(window("NewBrowser", "Start - NewBrowser (Incognito)")) == PRIVATE_WINDOW
    assert rules.excludes(window("NewBrowser", "Start - NewBrowser [InPrivate]")) == PRIVATE_WINDOW


def test_generic_markers_count_only_in_browsers(rules: ExclusionRules) -> None:
    assert rules.excludes(window("brave-browser", "Search - Brave (Private)")) == PRIVATE_WINDOW
    assert rules.excludes(window("libreoffice", "Search - Brave (Private)")) is None
    assert (
        rules.excludes(window("google-chrome", "新标签页 - Google Chrome (无痕)")) == PRIVATE_WINDOW
    )
    assert rules.excludes(window("gedit", "无痕.txt")) is None


def test_generic_markers_are_whole_words(rules: ExclusionRules) -> None:
    assert rules.excludes(window("firefox", "Privateer game — Mozilla Firefox")) is None
    assert rules.excludes(window("firefox", "Privatization — Mozilla Firefox")) is None


def test_documented_over_exclusions(rules: ExclusionRules) -> None:
    # Leaning towards hiding: a false positive skips a window, a false negative stores it.
    assert rules.excludes(window("vim", "incognito mode docs - Vim")) == PRIVATE_WINDOW
    assert rules.excludes(window("firefox", "Private equity — Mozilla Firefox")) == PRIVATE_WINDOW


def test_reasons_never_quote_the_title(rules: ExclusionRules) -> None:
    secret = "hunter2-statement"
    for cls, title in [
        ("firefox", f"{secret} — Mozilla Firefox Private Browsing"),
        ("KeePassXC", secret),
    ]:
        reason = rules.excludes(window(cls, title))
        assert reason is not None and secret not in reason


def test_defaults_can_be_switched_off_one_family_at_a_time() -> None:
    no_private = ExclusionRules(private_browsing=False)
    assert no_private.excludes(window("firefox", "Mozilla Firefox Private Browsing")) is None
    assert no_private.excludes(window("Tor Browser", "About Tor")) is None
    assert no_private.excludes(window("KeePassXC")) is not None
    no_managers = ExclusionRules(password_managers=False)
    assert no_managers.excludes(window("KeePassXC")) is None
    assert no_managers.excludes(window("Seahorse", "Passwords and Keys")) is None
    assert no_managers.excludes(window("firefox", "Mozilla Firefox Private Browsing")) is not None


def test_user_app_rules_are_globs_over_the_whole_class() -> None:
    rules = ExclusionRules(
        apps=["bank*", "Signal"], password_managers=False, private_browsing=False
    )
    assert rules.excludes(window("BankingApp")) == "your rule 'bank*'"
    assert rules.excludes(window("signal")) == "your rule 'Signal'"
    assert rules.excludes(window("signal-desktop")) is None
    assert rules.excludes(window("mybank")) is None


def test_user_title_rules_are_substrings_or_whole_title_globs() -> None:
    rules = ExclusionRules(titles=["salary", "bank*", "*.kdbx*"], private_browsing=False)
    assert rules.excludes(window("libreoffice", "Q3 SALARY review.ods")) == "your rule 'salary'"
    assert rules.excludes(window("firefox", "Bank of Examples — Online")) == "your rule 'bank*'"
    assert rules.excludes(window("firefox", "My bank — Online")) is None
    assert (
        rules.excludes(window("gedit", "notes about vault.kdbx - gedit")) == "your rule '*.kdbx*'"
    )
    assert rules.excludes(window("gedit", "notes.txt - gedit")) is None


def test_user_rules_are_normalised_like_titles() -> None:
    rules = ExclusionRules(titles=["Gehaltsabrechnung  März"])
    assert rules.excludes(window("evince", "GEHALTSABRECHNUNG MÄRZ.pdf")) is not None


@pytest.mark.parametrize("pattern", ["", "   ", "[abc", "bank[", "［abc", "a\nb", 42])
def test_malformed_user_patterns_are_settings_errors(pattern: object) -> None:
    with pytest.raises(SettingsError) as info:
        ExclusionRules(titles=[pattern])  # type: ignore[list-item]
    assert repr(pattern) in info.value.message
    assert isinstance(info.value, ExpectedError)


def test_bracket_classes_are_accepted() -> None:
    rules = ExclusionRules(titles=["report[0-9]*", "[[]draft]*"])
    assert rules.excludes(window("evince", "report7.pdf")) is not None
    assert rules.excludes(window("evince", "[draft] plan")) is not None
    assert rules.excludes(window("evince", "reports.pdf")) is None


def test_rules_from_capture_settings() -> None:
    settings = CaptureSettings(
        default_exclusions=False, exclude_apps=["steam"], exclude_titles=["diary"]
    )
    rules = ExclusionRules.from_settings(settings)
    assert rules.excludes(window("KeePassXC")) is None
    assert rules.excludes(window("Steam")) == "your rule 'steam'"
    assert rules.excludes(window("gedit", "Diary 2024")) == "your rule 'diary'"
    assert ExclusionRules.from_settings(CaptureSettings()).excludes(window("KeePassXC"))


def test_normalisation() -> None:
    assert normalize_text("  Ｐｒｉｖａｔｅ\u00a0\u200bBROWSING ") == "private browsing"
    assert normalize_text("Straße") == "strasse"
    assert normalize_app("Keeper Password_Manager.EXE") == "keeper-password-manager"


def test_the_shipped_list_covers_every_family() -> None:
    defaults = default_exclusions()
    names = {app.name for app in defaults.apps}
    assert {"KeePassXC", "1Password", "Bitwarden", "LastPass", "Keychain Access"} <= names
    assert {app.name for app in defaults.private_browsers} >= {"Tor Browser"}
    assert len(defaults.private_titles) >= 80
    browsers = {normalize_app(b) for b in defaults.browsers}
    assert {"firefox", "google-chrome", "chromium", "microsoft-edge", "brave-browser"} <= browsers


def test_a_malformed_default_list_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        parse_defaults({"version": 2})
    good = {
        "version": 1,
        "apps": [{"name": "X", "classes": ["x"]}],
        "private_browsers": [],
        "browsers": [],
        "private_titles": {"any_window": {"en": ["Private Browsing"]}, "browser_only": {}},
    }
    assert parse_defaults(good).apps[0].kind == "password manager"
    with pytest.raises(ValueError, match="X"):
        parse_defaults({**good, "apps": [{"name": "X", "classes": []}]})
    with pytest.raises(ValueError, match="en"):
        parse_defaults({**good, "private_titles": {"any_window": {"en": [""]}, "browser_only": {}}})
