"""The first-run wizard: explain what Mnemo keeps, choose how the key is kept, set up capture,
optionally download a model, then create the encrypted store.

It is shown when the profile has no store yet (`first_run_needed`). Each page keeps its own widgets
and writes its choices into the wizard's working copy of the settings when the user moves on, after
checking them with the same code the rest of Mnemo uses (`ExclusionRules` for exclusion patterns),
so a bad entry is reported on its page and nothing typed is lost. The two slow steps run on a
background lane (an `app.gui.ops.Runner` of the wizard's own, since no `AppContext` exists yet):
the model download calls `models.catalog.download`, whose partial file stays on disk when the user
cancels so a later Download resumes it, and a finished download is recorded with the CLI's
`use-base` command; the last page calls `core.profile.init_store`, which removes anything it
half-created when it fails, so the user can go back, change a choice and try again. The
wizard's `store` holds the open store afterwards and `settings` the saved settings.
"""

from __future__ import annotations

import argparse
import copy
import enum
import io
import logging
from pathlib import Path
from typing import Literal

from app.gui.ops import Job, Op, Runner, describe_error
from app.model_commands import cmd_use_base, make_embedder
from app.qt import QtWidgets
from core.capture.exclusions import ExclusionRules, default_exclusions
from core.errors import CancelledError, MnemoError, StoreMissingError
from core.home import Home
from core.keys import DEFAULT_SCRYPT_N, read_key_file, system_keyring
from core.ports import Embedder, Keyring
from core.profile import init_store
from core.settings import Settings, describe
from core.store import Store
from models.catalog import CatalogEntry, download, load_catalog

log = logging.getLogger(__name__)

MIN_PASSPHRASE = 8


class Lookup(enum.Enum):
    """Marks an argument left for the wizard to look up the way the CLI does."""

    SYSTEM = "system"


WELCOME, KEY, CAPTURE, MODEL, FINISH = range(5)

WELCOME_TEXT = """
<p><b>What Mnemo keeps</b></p>
<ul>
<li>Small pictures of your screen, taken when something on it changes.</li>
<li>The text it reads from the parts of the screen that changed.</li>
<li>Which program you are using and the titles of its windows.</li>
<li>What you and Mnemo say to each other in its chat.</li>
</ul>
<p><b>What Mnemo never keeps</b></p>
<ul>
<li>Password managers, password prompts, and private or incognito browser windows: they are
blanked out before anything is saved or read.</li>
<li>Any program or window you add to your own list on a later page.</li>
<li>Passwords, secret keys and card numbers it finds in text are removed before anything is
saved.</li>
</ul>
<p><b>Your memories stay yours</b></p>
<ul>
<li>Nothing leaves this computer. There is no account and no cloud; Mnemo uses the internet only
if you ask it to download a model.</li>
<li>Everything Mnemo keeps is encrypted on your disk.</li>
<li>You can pause capture at any time, and make Mnemo forget any memory.</li>
</ul>
"""


def first_run_needed(home: Home) -> bool:
    """Whether `home` has no store yet, so the wizard comes before any unlocking."""
    try:
        read_key_file(home)
    except StoreMissingError:
        return True
    except MnemoError:  # a damaged or missing key file: unlocking reports it
        return False
    return False


def _doc(name: str) -> str:
    """The one-line description `core.settings` gives the setting `name`."""
    return next(doc for key, _default, doc in describe() if key == name)


def _lines(text: str) -> list[str]:
    """The non-empty lines of `text`, stripped, duplicates dropped, in order."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def _size(count: int) -> str:
    """A byte count for people."""
    if count >= 1_000_000_000:
        return f"{count / 1e9:.1f} GB"
    return f"{count / 1e6:.1f} MB"


def _label(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    return label


class WelcomePage(QtWidgets.QWizardPage):
    """What is captured and what never is, in plain words."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to Mnemo")
        self.setSubTitle(
            "Mnemo remembers what you see and say on this computer, so you can ask about it later."
        )
        text = _label(WELCOME_TEXT)
        text.setAccessibleName("What Mnemo keeps and never keeps")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(text)
        layout.addStretch(1)


class KeyPage(QtWidgets.QWizardPage):
    """Where the data key is kept: the OS keyring if there is one, else a passphrase."""

    def __init__(self, keyring_available: bool) -> None:
        super().__init__()
        self.setTitle("How your memories are locked")
        self.setSubTitle(
            "Mnemo encrypts everything with a random key. That key has to be kept somewhere safe."
        )
        self.keyring_radio = QtWidgets.QRadioButton(
            "&Keep the key in this computer's keyring (recommended)"
        )
        self.keyring_radio.setAccessibleName("Keep the key in the system keyring")
        keyring_note = _label(
            "Mnemo unlocks by itself when you log in; your login password protects the key."
            if keyring_available
            else "No system keyring was found on this computer, so a passphrase will protect "
            "your memories."
        )
        self.keyring_radio.setEnabled(keyring_available)
        self.passphrase_radio = QtWidgets.QRadioButton(
            "Protect it with a pass&phrase I type when Mnemo starts"
        )
        self.passphrase_radio.setAccessibleName("Protect the key with a passphrase")
        (self.keyring_radio if keyring_available else self.passphrase_radio).setChecked(True)

        self.passphrase_edit = QtWidgets.QLineEdit()
        self.passphrase_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Passphrase")
        self.repeat_edit = QtWidgets.QLineEdit()
        self.repeat_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.repeat_edit.setAccessibleName("Repeat the passphrase")
        first = QtWidgets.QLabel("&Passphrase:")
        first.setBuddy(self.passphrase_edit)
        second = QtWidgets.QLabel("&Repeat it:")
        second.setBuddy(self.repeat_edit)
        warning = _label(
            f"Use at least {MIN_PASSPHRASE} characters; a few unrelated words are easy to "
            "remember and hard to guess. A forgotten passphrase cannot be recovered: without it "
            "your memories cannot be opened."
        )
        self.error_label = _label("")
        self.error_label.setAccessibleName("Passphrase problem")

        form = QtWidgets.QFormLayout()
        form.addRow(first, self.passphrase_edit)
        form.addRow(second, self.repeat_edit)
        self._passphrase_box = QtWidgets.QWidget()
        box = QtWidgets.QVBoxLayout(self._passphrase_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(form)
        box.addWidget(warning)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.keyring_radio)
        layout.addWidget(keyring_note)
        layout.addWidget(self.passphrase_radio)
        layout.addWidget(self._passphrase_box)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

        self.passphrase_radio.toggled.connect(self._update)
        self.passphrase_edit.textChanged.connect(self.error_label.clear)
        self.repeat_edit.textChanged.connect(self.error_label.clear)
        self._update()

    @property
    def storage(self) -> str:
        """The chosen key storage, as `core.keys.create_key` names it."""
        return "passphrase" if self.passphrase_radio.isChecked() else "keyring"

    @property
    def passphrase(self) -> str:
        return self.passphrase_edit.text()

    def _update(self) -> None:
        self._passphrase_box.setEnabled(self.passphrase_radio.isChecked())
        self.error_label.clear()

    def validatePage(self) -> bool:
        """Refuse a short passphrase or two that differ, saying which."""
        if self.storage == "keyring":
            return True
        problem = ""
        if len(self.passphrase) < MIN_PASSPHRASE:
            problem = f"The passphrase is too short: use at least {MIN_PASSPHRASE} characters."
            self.passphrase_edit.setFocus()
        elif self.repeat_edit.text() != self.passphrase:
            problem = "The two passphrases do not match: type the same one in both fields."
            self.repeat_edit.setFocus()
        self.error_label.setText(problem)
        return not problem


class CapturePage(QtWidgets.QWizardPage):
    """Screen capture on or off, and the user's own exclusions next to the built-in ones."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.setTitle("What Mnemo may see")
        self.setSubTitle(_doc("capture.enabled"))
        self.capture_check = QtWidgets.QCheckBox("&Capture my screen while Mnemo runs")
        self.capture_check.setAccessibleName("Capture the screen")
        self.capture_check.setChecked(settings.capture.enabled)

        self.apps_edit = self._editor(settings.capture.exclude_apps, "Applications never captured")
        apps_label = QtWidgets.QLabel(
            f"Never capture these &applications (one per line). {_doc('capture.exclude_apps')}"
        )
        apps_label.setWordWrap(True)
        apps_label.setBuddy(self.apps_edit)
        self.titles_edit = self._editor(
            settings.capture.exclude_titles, "Window titles never captured"
        )
        titles_label = QtWidgets.QLabel(
            f"Never capture &windows whose title has these words (one per line). "
            f"{_doc('capture.exclude_titles')}"
        )
        titles_label.setWordWrap(True)
        titles_label.setBuddy(self.titles_edit)

        self.defaults_view = QtWidgets.QPlainTextEdit()
        self.defaults_view.setReadOnly(True)
        self.defaults_view.setTabChangesFocus(True)
        self.defaults_view.setAccessibleName("Always excluded")
        self.defaults_view.setPlainText(self._defaults_text())
        defaults_label = QtWidgets.QLabel(
            f"Always e&xcluded, whatever you choose here. {_doc('capture.default_exclusions')}"
        )
        defaults_label.setWordWrap(True)
        defaults_label.setBuddy(self.defaults_view)

        self.error_label = _label("")
        self.error_label.setAccessibleName("Exclusion problem")
        self.apps_edit.textChanged.connect(self.error_label.clear)
        self.titles_edit.textChanged.connect(self.error_label.clear)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.capture_check)
        layout.addWidget(apps_label)
        layout.addWidget(self.apps_edit)
        layout.addWidget(titles_label)
        layout.addWidget(self.titles_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(defaults_label)
        layout.addWidget(self.defaults_view, 1)

    @staticmethod
    def _editor(lines: list[str], name: str) -> QtWidgets.QPlainTextEdit:
        editor = QtWidgets.QPlainTextEdit("\n".join(lines))
        editor.setAccessibleName(name)
        editor.setTabChangesFocus(True)  # Tab moves on instead of typing a tab: no keyboard trap
        editor.setMaximumHeight(editor.fontMetrics().lineSpacing() * 5)
        return editor

    @staticmethod
    def _defaults_text() -> str:
        shipped = default_exclusions()
        rows = [f"{app.name} ({app.kind})" for app in shipped.apps]
        rows += [f"{app.name} (private browser)" for app in shipped.private_browsers]
        rows.append("Private and incognito windows of every browser")
        return "\n".join(rows)

    def validatePage(self) -> bool:
        """Check the patterns as capture will read them; keep the text on a mistake."""
        apps = _lines(self.apps_edit.toPlainText())
        titles = _lines(self.titles_edit.toPlainText())
        try:
            ExclusionRules(apps, titles)
        except MnemoError as exc:
            self.error_label.setText(exc.message)
            return False
        self.settings.capture.enabled = self.capture_check.isChecked()
        self.settings.capture.exclude_apps = apps
        self.settings.capture.exclude_titles = titles
        return True


class ModelPage(QtWidgets.QWizardPage):
    """An optional on-device model: download one from the catalog, or go on without."""

    def __init__(self, wizard: FirstRunWizard, catalog: dict[str, CatalogEntry]) -> None:
        super().__init__()
        self._wizard = wizard
        self._entries = [entry for entry in catalog.values() if entry.kind == "base"]
        self._op: Op[Path] | None = None
        self.setTitle("A language model (optional)")
        self.setSubTitle(
            "Mnemo works without one. Click Next to continue without a model: you can "
            "download one later."
        )
        intro = _label(
            "Without a model, built-in rules turn what you see and say into memories, and "
            "answers quote your memories. A model, run entirely on this computer, writes better "
            "memories and answers. Downloading it is the only time Mnemo uses the internet."
        )
        self.model_list = QtWidgets.QListWidget()
        self.model_list.setAccessibleName("Models you can download")
        self.model_list.setSpacing(3)
        for entry in self._entries:
            size = f" ({_size(entry.size)})" if entry.size else ""
            item = QtWidgets.QListWidgetItem(f"{entry.name}{size}\n{entry.description}")
            item.setToolTip(f"Licence: {entry.license}")
            self.model_list.addItem(item)
        list_label = QtWidgets.QLabel("&Models:")
        list_label.setBuddy(self.model_list)

        self.download_button = QtWidgets.QPushButton("&Download")
        self.download_button.setAccessibleName("Download the selected model")
        self.cancel_button = QtWidgets.QPushButton("&Cancel download")
        self.cancel_button.setAccessibleName("Cancel the download")
        self.cancel_button.setEnabled(False)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setAccessibleName("Download progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.status_label = _label("")
        self.status_label.setAccessibleName("Download status")

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(list_label)
        layout.addWidget(self.model_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)

        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.model_list.currentRowChanged.connect(self._selection_changed)
        if self._entries:
            self.model_list.setCurrentRow(0)
        else:
            self.download_button.setEnabled(False)
            self.status_label.setText("The model catalog is empty: continue without a model.")

    @property
    def downloading(self) -> bool:
        return self._op is not None

    def initializePage(self) -> None:
        base = self._wizard.settings.models.base
        if base and not self.downloading:
            self.status_label.setText(f"Mnemo will use {base}.")

    def isComplete(self) -> bool:
        """Next waits for a running download to finish or be cancelled."""
        return not self.downloading

    def _selected(self) -> CatalogEntry | None:
        row = self.model_list.currentRow()
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def _installed(self, entry: CatalogEntry) -> bool:
        return (self._wizard.home.models_dir / entry.filename).exists()

    def _selection_changed(self) -> None:
        entry = self._selected()
        installed = entry is not None and self._installed(entry)
        self.download_button.setText("&Use this model" if installed else "&Download")
        self.download_button.setAccessibleName(
            "Use the selected model" if installed else "Download the selected model"
        )

    def start_download(self) -> None:
        """Download the selected model on the background lane (or use it if it is already here)."""
        entry = self._selected()
        if entry is None or self.downloading:
            return
        if self._installed(entry):
            self._use(self._wizard.home.models_dir / entry.filename)
            return
        models_dir = self._wizard.home.models_dir
        self._wizard.home.ensure()  # the folders are created private before the download makes them

        def work(job: Job) -> Path:
            shown = [-1]

            def report(done: int, total: int) -> None:
                job.check()  # every chunk: Cancel stops the download within one read
                # Byte counts overflow a Qt int for big models; permille and a label do not.
                permille = done * 1000 // total if total else 0
                step = permille if total else done // 1_000_000  # unknown size: every MB
                if step != shown[0]:
                    shown[0] = step
                    of = f" of {_size(total)}" if total else ""
                    job.progress(permille, 1000 if total else 0, f"{_size(done)}{of}")

            return download(entry, models_dir, progress=report)

        op: Op[Path] = Op(self._wizard.runner(), work, "db", self)
        op.on_progress(self._progressed).success(self._use).failure(self._failed)
        self._op = op.on_done(self._finished)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status_label.setText(f"Downloading {entry.name}…")
        self._set_busy(True)
        op.run()

    def cancel_download(self) -> None:
        """Stop the download; the part already fetched is kept so Download resumes it."""
        if self._op is not None:
            self.status_label.setText("Cancelling…")
            self._op.cancel()

    def _progressed(self, done: int, total: int, label: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        entry = self._selected()
        self.status_label.setText(f"Downloading {entry.name if entry else 'the model'}: {label}")

    def _use(self, path: Path) -> None:
        """Make `path` the base model, the way `mnemo models use-base` does."""
        try:
            cmd_use_base(
                argparse.Namespace(name=path.name),
                self._wizard.home,
                self._wizard.settings,
                io.StringIO(),
            )
        except MnemoError as exc:
            self.status_label.setText(exc.message)
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.status_label.setText(f"Ready: Mnemo will use {path.name}.")
        self._selection_changed()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, CancelledError):
            self.status_label.setText(
                "Download cancelled. The part already downloaded is kept: Download continues "
                "where it stopped."
            )
            return
        message, details = describe_error(error)
        if details is not None:
            log.error("model download failed:\n%s", details)
        self.status_label.setText(message)

    def _finished(self) -> None:
        self._op = None
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.download_button.setEnabled(not busy and bool(self._entries))
        self.model_list.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        (self.cancel_button if busy else self.download_button).setFocus()
        self.completeChanged.emit()


class FinishPage(QtWidgets.QWizardPage):
    """Sums up the choices; Create makes the store (off the GUI thread)."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Ready to start")
        self.setSubTitle("Check your choices, then create your encrypted memory store.")
        self.setButtonText(QtWidgets.QWizard.WizardButton.FinishButton, "&Create my store")
        self.summary_label = _label("")
        self.summary_label.setAccessibleName("Your choices")
        self.status_label = _label("")
        self.status_label.setAccessibleName("Creation status")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.status_label)
        layout.addStretch(1)

    def initializePage(self) -> None:
        wizard = self._wizard
        settings = wizard.settings
        key = (
            "kept in this computer's keyring"
            if wizard.key_page.storage == "keyring"
            else "protected by your passphrase"
        )
        capture = "on" if settings.capture.enabled else "off (you can turn it on later)"
        own = len(settings.capture.exclude_apps) + len(settings.capture.exclude_titles)
        model = settings.models.base or "none: Mnemo works with its built-in rules"
        self.summary_label.setText(
            f"Key: {key}.\nScreen capture: {capture}.\nYour own exclusions: {own}.\n"
            f"Model: {model}.\nYour memories will be kept in {wizard.home.data_dir}."
        )
        self.status_label.clear()

    def isComplete(self) -> bool:
        return not self._wizard.creating

    def validatePage(self) -> bool:
        """Finish only once the store exists; the first click starts creating it."""
        if self._wizard.store is not None:
            return True
        self._wizard.create_store()
        return False


class FirstRunWizard(QtWidgets.QWizard):
    """Guides a new user from nothing to an open, encrypted store with their settings saved."""

    def __init__(
        self,
        home: Home,
        settings: Settings,
        embedder: Embedder | None = None,
        keyring: Keyring | Literal[Lookup.SYSTEM] | None = Lookup.SYSTEM,
        parent: QtWidgets.QWidget | None = None,
        *,
        catalog: dict[str, CatalogEntry] | None = None,
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> None:
        """Left out, `embedder` and `keyring` are looked up as the CLI does; keyring None: none."""
        super().__init__(parent)
        self.home = home
        self.settings = copy.deepcopy(settings)  # the caller's copy changes only on success
        self.embedder = make_embedder(settings, home) if embedder is None else embedder
        self.keyring = system_keyring() if keyring is Lookup.SYSTEM else keyring
        self.scrypt_n = scrypt_n
        self.store: Store | None = None
        self._runner: Runner | None = None
        self._create_op: Op[Store] | None = None

        self.setWindowTitle("Set up Mnemo")
        self.setMinimumSize(640, 560)  # the welcome page's three lists fit without clipping
        self.setAccessibleName("Set up Mnemo")
        self.setOption(QtWidgets.QWizard.WizardOption.NoBackButtonOnStartPage)
        self.key_page = KeyPage(self.keyring is not None)
        self.capture_page = CapturePage(self.settings)
        self.model_page = ModelPage(self, load_catalog() if catalog is None else catalog)
        self.finish_page = FinishPage(self)
        self.setPage(WELCOME, WelcomePage())
        self.setPage(KEY, self.key_page)
        self.setPage(CAPTURE, self.capture_page)
        self.setPage(MODEL, self.model_page)
        self.setPage(FINISH, self.finish_page)
        for which, name in (
            (QtWidgets.QWizard.WizardButton.BackButton, "Back"),
            (QtWidgets.QWizard.WizardButton.NextButton, "Next"),
            (QtWidgets.QWizard.WizardButton.FinishButton, "Create my store"),
            (QtWidgets.QWizard.WizardButton.CancelButton, "Cancel set-up"),
        ):
            self.button(which).setAccessibleName(name)
        self.finished.connect(self._shut_down)

    @property
    def creating(self) -> bool:
        return self._create_op is not None

    def runner(self) -> Runner:
        """The wizard's background lane (made on first use)."""
        if self._runner is None:
            self._runner = Runner()
        return self._runner

    def create_store(self) -> None:
        """Save the settings and create the store with the chosen key storage, off the GUI thread."""
        if self.creating or self.store is not None:
            return
        storage = self.key_page.storage
        secret = self.key_page.passphrase
        settings = self.settings
        settings.keys.storage = storage
        try:
            # Saved first: if creating fails the choices are kept for the next attempt.
            settings.save(self.home.settings_path)
        except OSError as exc:
            self.finish_page.status_label.setText(f"The settings could not be saved: {exc}")
            return
        home, embedder, keyring, scrypt_n = self.home, self.embedder, self.keyring, self.scrypt_n

        def work(job: Job) -> Store:
            return init_store(
                home,
                settings,
                embedder,
                lambda: secret,
                keyring,
                storage=storage,
                scrypt_n=scrypt_n,
            )

        op: Op[Store] = Op(self.runner(), work, "db", self)
        self._create_op = op.success(self._created).failure(self._create_failed)
        op.on_done(self._create_done)
        self.finish_page.status_label.setText("Creating your encrypted store…")
        self.finish_page.completeChanged.emit()
        # Emitted after completeChanged, which re-enables Back on its own.
        self.button(QtWidgets.QWizard.WizardButton.BackButton).setEnabled(False)
        self.button(QtWidgets.QWizard.WizardButton.CancelButton).setEnabled(False)
        op.run()

    def _created(self, store: Store) -> None:
        self.store = store
        self.finish_page.status_label.setText("Your store is ready.")

    def _create_failed(self, error: BaseException) -> None:
        message, details = describe_error(error)
        if details is not None:
            log.error("creating the store failed:\n%s", details)
        self.finish_page.status_label.setText(
            f"{message}\nNothing was created. Go Back to change your choices, then try again."
        )

    def _create_done(self) -> None:
        self._create_op = None
        self.finish_page.completeChanged.emit()
        self.button(QtWidgets.QWizard.WizardButton.CancelButton).setEnabled(True)
        if self.store is not None:
            self.accept()  # validatePage now passes

    def reject(self) -> None:
        """Cancel set-up, except while the store is being created (it takes a moment)."""
        if self.creating:
            return
        self.model_page.cancel_download()
        super().reject()

    def _shut_down(self) -> None:
        """Stop the background lane once the wizard has closed (cancelling a download)."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.shutdown(cancel=True)


__all__ = ["FirstRunWizard", "Lookup", "first_run_needed"]
