"""The first-run wizard, driven page by page: key, capture, model download, store creation."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytestqt.qtbot import QtBot

from app.gui.unlock import unlock
from app.gui.wizard import CAPTURE, FINISH, KEY, MODEL, WELCOME, FirstRunWizard, first_run_needed
from app.qt import QtWidgets
from core.errors import WrongPassphraseError
from core.home import Home
from core.keys import KEYRING_SERVICE
from core.profile import open_store
from core.settings import Settings
from core.store import Store
from models.catalog import CatalogEntry
from models.embedders import HashingEmbedder
from tests.conftest import TEST_SCRYPT_N

PASSPHRASE = "correct horse battery staple"
PAYLOAD = os.urandom(300_000)
SLOW_PAYLOAD = os.urandom(2_000_000)
Button = QtWidgets.QWizard.WizardButton


class MemoryKeyring:
    """An OS keyring stand-in that keeps entries in a dict (or refuses them, like a locked one)."""

    def __init__(self, refuse: bool = False) -> None:
        self.entries: dict[tuple[str, str], str] = {}
        self.refuse = refuse

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refuse:
            raise RuntimeError("the collection is locked")
        self.entries[(service, username)] = password


class ModelServer:
    """Serves /fast.gguf at once and /slow.gguf in small pieces, on 127.0.0.1."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                slow = self.path == "/slow.gguf"
                body = SLOW_PAYLOAD if slow else PAYLOAD
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                step = 8192 if slow else len(body)
                try:
                    for start in range(0, len(body), step):
                        self.wfile.write(body[start : start + step])
                        if slow:
                            time.sleep(0.005)
                except (BrokenPipeError, ConnectionResetError):  # the client cancelled
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def catalog(self, slow: bool = False, sha: str | None = None) -> dict[str, CatalogEntry]:
        """A one-model catalog pinned to what this server sends."""
        body = SLOW_PAYLOAD if slow else PAYLOAD
        entry = CatalogEntry(
            name="test-base",
            kind="base",
            url=f"{self.base}/{'slow' if slow else 'fast'}.gguf",
            license="MIT",
            size=len(body),
            sha256=sha or hashlib.sha256(body).hexdigest(),
            description="A small file standing in for a model.",
        )
        embedder = CatalogEntry("test-embedder", "embedder", entry.url, "MIT", 1, "0" * 64)
        return {entry.name: entry, embedder.name: embedder}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ModelServer]:
    s = ModelServer()
    yield s
    s.close()


def make_wizard(
    home: Home,
    qtbot: QtBot,
    keyring: MemoryKeyring | None = None,
    catalog: dict[str, CatalogEntry] | None = None,
) -> FirstRunWizard:
    settings = Settings()
    wizard = FirstRunWizard(
        home, settings, HashingEmbedder(), keyring, catalog=catalog or {}, scrypt_n=TEST_SCRYPT_N
    )
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def to_page(wizard: FirstRunWizard, page: int) -> None:
    """Click Next until `page` (filling a passphrase on the key page if one is needed)."""
    while wizard.currentId() != page:
        if wizard.currentId() == KEY and wizard.key_page.storage == "passphrase":
            wizard.key_page.passphrase_edit.setText(PASSPHRASE)
            wizard.key_page.repeat_edit.setText(PASSPHRASE)
        before = wizard.currentId()
        wizard.next()
        assert wizard.currentId() != before, f"page {before} refused Next"


def finish(wizard: FirstRunWizard, qtbot: QtBot) -> Store:
    """Click 'Create my store' and wait for the wizard to close with the open store."""
    wizard.button(Button.FinishButton).click()
    assert wizard.creating or wizard.store is not None
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=10_000)
    assert wizard.result() == QtWidgets.QDialog.DialogCode.Accepted
    assert wizard.store is not None
    return wizard.store


def test_the_wizard_creates_a_store_with_the_chosen_settings(
    mnemo_home: Home, qtbot: QtBot
) -> None:
    assert first_run_needed(mnemo_home)
    wizard = make_wizard(mnemo_home, qtbot)
    assert wizard.currentId() == WELCOME
    wizard.next()
    assert wizard.currentId() == KEY
    # No keyring on this machine: the passphrase is the only choice.
    assert not wizard.key_page.keyring_radio.isEnabled()
    assert wizard.key_page.passphrase_radio.isChecked()
    wizard.key_page.passphrase_edit.setText(PASSPHRASE)
    wizard.key_page.repeat_edit.setText(PASSPHRASE)
    wizard.next()
    assert wizard.currentId() == CAPTURE
    page = wizard.capture_page
    assert "KeePassXC (password manager)" in page.defaults_view.toPlainText()
    assert page.defaults_view.isReadOnly()
    page.capture_check.setChecked(False)
    page.apps_edit.setPlainText("signal-desktop\n\n  *banking*  \nsignal-desktop\n")
    page.titles_edit.setPlainText("Payslip\nMedical record")
    wizard.next()
    assert wizard.currentId() == MODEL
    wizard.next()  # on without a model
    assert wizard.currentId() == FINISH
    summary = wizard.finish_page.summary_label.text()
    assert "protected by your passphrase" in summary and "Screen capture: off" in summary
    assert "Model: none" in summary
    store = finish(wizard, qtbot)
    store.close()

    saved = Settings.load(mnemo_home.settings_path)
    assert saved.capture.enabled is False
    assert saved.capture.exclude_apps == ["signal-desktop", "*banking*"]
    assert saved.capture.exclude_titles == ["Payslip", "Medical record"]
    assert saved.models.base == ""
    assert wizard.settings == saved
    assert not first_run_needed(mnemo_home)
    with pytest.raises(WrongPassphraseError):
        open_store(mnemo_home, saved, HashingEmbedder(), lambda: "wrong passphrase", None)
    reopened = open_store(mnemo_home, saved, HashingEmbedder(), lambda: PASSPHRASE, None)
    assert reopened.stats() is not None
    reopened.close()


def test_left_out_the_embedder_and_keyring_are_looked_up(mnemo_home: Home, qtbot: QtBot) -> None:
    wizard = FirstRunWizard(mnemo_home, Settings(), scrypt_n=TEST_SCRYPT_N, catalog={})
    qtbot.addWidget(wizard)
    assert isinstance(wizard.embedder, HashingEmbedder)  # the configured one: "hashing"
    # The tests run with the keyring's "fail" backend: no keyring, so a passphrase it is.
    assert wizard.keyring is None and not wizard.key_page.keyring_radio.isEnabled()


def test_a_short_or_mismatched_passphrase_blocks_next(mnemo_home: Home, qtbot: QtBot) -> None:
    wizard = make_wizard(mnemo_home, qtbot)
    wizard.next()
    page = wizard.key_page
    page.passphrase_edit.setText("short")
    page.repeat_edit.setText("short")
    wizard.next()
    assert wizard.currentId() == KEY
    assert "too short" in page.error_label.text()
    page.passphrase_edit.setText(PASSPHRASE)
    page.repeat_edit.setText(PASSPHRASE + " ")
    wizard.next()
    assert wizard.currentId() == KEY
    assert "do not match" in page.error_label.text()
    assert page.passphrase_edit.text() == PASSPHRASE  # nothing typed is thrown away
    page.repeat_edit.setText(PASSPHRASE)
    wizard.next()
    assert wizard.currentId() == CAPTURE


def test_a_bad_exclusion_pattern_is_explained_and_kept(mnemo_home: Home, qtbot: QtBot) -> None:
    wizard = make_wizard(mnemo_home, qtbot)
    to_page(wizard, CAPTURE)
    wizard.capture_page.titles_edit.setPlainText("Payslip\n[draft")
    wizard.next()
    assert wizard.currentId() == CAPTURE
    assert "without a closing ']'" in wizard.capture_page.error_label.text()
    assert wizard.capture_page.titles_edit.toPlainText() == "Payslip\n[draft"
    wizard.capture_page.titles_edit.setPlainText("Payslip\n[[]draft")
    wizard.next()
    assert wizard.currentId() == MODEL


def test_a_keyring_keeps_the_key_and_unlocks_without_asking(mnemo_home: Home, qtbot: QtBot) -> None:
    keyring = MemoryKeyring()
    wizard = make_wizard(mnemo_home, qtbot, keyring)
    to_page(wizard, KEY)
    assert wizard.key_page.keyring_radio.isChecked()
    to_page(wizard, FINISH)
    assert "keyring" in wizard.finish_page.summary_label.text()
    finish(wizard, qtbot).close()
    assert [service for service, _user in keyring.entries] == [KEYRING_SERVICE]
    store = unlock(mnemo_home, Settings.load(mnemo_home.settings_path), HashingEmbedder(), keyring)
    assert isinstance(store, Store)
    store.close()


def test_a_refused_keyring_is_reported_leaves_nothing_and_the_user_can_go_back(
    mnemo_home: Home, qtbot: QtBot
) -> None:
    wizard = make_wizard(mnemo_home, qtbot, MemoryKeyring(refuse=True))
    to_page(wizard, FINISH)
    wizard.button(Button.FinishButton).click()
    qtbot.waitUntil(lambda: not wizard.creating)
    status = wizard.finish_page.status_label.text()
    assert "the OS keyring refused the key" in status and "Go Back" in status
    assert wizard.isVisible() and wizard.store is None
    assert not mnemo_home.db_path.exists() and not mnemo_home.key_path.exists()
    assert wizard.button(Button.BackButton).isEnabled()
    wizard.back()
    wizard.back()
    wizard.back()
    assert wizard.currentId() == KEY
    wizard.key_page.passphrase_radio.setChecked(True)
    to_page(wizard, FINISH)
    finish(wizard, qtbot).close()
    store = open_store(mnemo_home, Settings(), HashingEmbedder(), lambda: PASSPHRASE, None)
    store.close()
    assert Settings.load(mnemo_home.settings_path).keys.storage == "passphrase"


def test_downloading_a_model_shows_progress_and_makes_it_the_base_model(
    mnemo_home: Home, qtbot: QtBot, server: ModelServer
) -> None:
    wizard = make_wizard(mnemo_home, qtbot, catalog=server.catalog())
    to_page(wizard, MODEL)
    page = wizard.model_page
    assert page.model_list.count() == 1  # base models only
    assert page.model_list.item(0).text().startswith("test-base (0.3 MB)")
    values: list[int] = []
    page.progress.valueChanged.connect(values.append)
    page.download_button.click()
    assert page.downloading and not wizard.button(Button.NextButton).isEnabled()
    qtbot.waitUntil(lambda: not page.downloading, timeout=10_000)
    assert values and values[-1] == 1000 and len(values) > 2
    assert (mnemo_home.models_dir / "test-base.gguf").read_bytes() == PAYLOAD
    assert page.status_label.text() == "Ready: Mnemo will use test-base.gguf."
    assert wizard.settings.models.base == "test-base.gguf"
    assert wizard.button(Button.NextButton).isEnabled()
    to_page(wizard, FINISH)
    assert "Model: test-base.gguf" in wizard.finish_page.summary_label.text()
    finish(wizard, qtbot).close()
    assert Settings.load(mnemo_home.settings_path).models.base == "test-base.gguf"


def test_a_model_already_on_disk_is_used_without_downloading(
    mnemo_home: Home, qtbot: QtBot
) -> None:
    mnemo_home.models_dir.mkdir(parents=True)
    (mnemo_home.models_dir / "test-base.gguf").write_bytes(b"GGUF")
    dead = CatalogEntry("test-base", "base", "http://127.0.0.1:9/m.gguf", "MIT", 4, "0" * 64)
    wizard = make_wizard(mnemo_home, qtbot, catalog={dead.name: dead})
    to_page(wizard, MODEL)
    page = wizard.model_page
    assert page.download_button.text() == "&Use this model"
    page.download_button.click()
    assert not page.downloading
    assert wizard.settings.models.base == "test-base.gguf"
    assert (mnemo_home.models_dir / "test-base.gguf").read_bytes() == b"GGUF"


def test_cancelling_a_download_stops_it_and_keeps_the_part_for_later(
    mnemo_home: Home, qtbot: QtBot, server: ModelServer
) -> None:
    wizard = make_wizard(mnemo_home, qtbot, catalog=server.catalog(slow=True))
    to_page(wizard, MODEL)
    page = wizard.model_page
    page.download_button.click()
    qtbot.waitUntil(lambda: page.progress.value() > 0, timeout=10_000)
    assert "Downloading test-base:" in page.status_label.text()
    page.cancel_button.click()
    qtbot.waitUntil(lambda: not page.downloading, timeout=10_000)
    assert "Download cancelled" in page.status_label.text()
    part = mnemo_home.models_dir / "test-base.gguf.part"
    assert 0 < part.stat().st_size < len(SLOW_PAYLOAD)
    assert not (mnemo_home.models_dir / "test-base.gguf").exists()
    assert wizard.settings.models.base == ""
    assert page.download_button.isEnabled() and not page.cancel_button.isEnabled()
    wizard.next()
    assert wizard.currentId() == FINISH


def test_a_failed_download_is_one_line_and_the_wizard_goes_on(
    mnemo_home: Home, qtbot: QtBot, server: ModelServer
) -> None:
    wizard = make_wizard(mnemo_home, qtbot, catalog=server.catalog(sha="0" * 64))
    to_page(wizard, MODEL)
    page = wizard.model_page
    page.download_button.click()
    qtbot.waitUntil(lambda: not page.downloading, timeout=10_000)
    message = page.status_label.text()
    assert "does not match its published checksum" in message and "\n" not in message
    assert wizard.settings.models.base == ""
    to_page(wizard, FINISH)
    finish(wizard, qtbot).close()
    assert Settings.load(mnemo_home.settings_path).models.base == ""


def test_cancel_during_a_download_closes_the_wizard_and_creates_nothing(
    mnemo_home: Home, qtbot: QtBot, server: ModelServer
) -> None:
    wizard = make_wizard(mnemo_home, qtbot, catalog=server.catalog(slow=True))
    to_page(wizard, MODEL)
    wizard.model_page.download_button.click()
    qtbot.waitUntil(lambda: wizard.model_page.progress.value() > 0, timeout=10_000)
    wizard.button(Button.CancelButton).click()
    assert not wizard.isVisible() and wizard.store is None
    assert not mnemo_home.db_path.exists() and not mnemo_home.key_path.exists()
    assert first_run_needed(mnemo_home)
