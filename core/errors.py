"""Mnemo's error hierarchy.

Every error a user can meet is a `MnemoError` carrying a one-line, user-facing message. Expected
conditions (a locked store, a wrong passphrase, a full disk, a corrupt input file) derive from
`ExpectedError`: the CLI prints the message and exits non-zero, the GUI shows it, and neither shows
a traceback. Anything else is a bug and is reported with its traceback.
"""

from __future__ import annotations


class MnemoError(Exception):
    """Base class: `message` is what the user reads."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExpectedError(MnemoError):
    """A condition the user can act on; shown without a traceback."""

    exit_code = 2


class StoreMissingError(ExpectedError):
    """No store exists at the given home."""


class StoreOpenError(ExpectedError):
    """The database file cannot be opened (permissions, a folder in its place, a bad path)."""


class StoreExistsError(ExpectedError):
    """`init` was asked to create a store where one already exists."""


class StoreLockedError(ExpectedError):
    """Another Mnemo process holds the write lock."""


class KeyMissingError(ExpectedError):
    """The data key cannot be found (keyring entry or key file missing)."""


class WrongPassphraseError(ExpectedError):
    """The passphrase does not unwrap the data key."""


class PassphraseRequiredError(ExpectedError):
    """A passphrase is needed but none was given and no terminal can ask for one."""


class KeyringUnavailableError(ExpectedError):
    """The OS keyring was requested but no usable backend exists."""


class DatabaseTooNewError(ExpectedError):
    """The database was written by a newer Mnemo."""


class DatabaseCorruptError(ExpectedError):
    """The database cannot be read with the data key (corrupt, or not a Mnemo store)."""


class DiskFullError(ExpectedError):
    """The disk (or the database's size cap) is full; nothing was committed."""


class EmbedderMismatchError(ExpectedError):
    """The store's vectors come from another embedder than the one configured."""


class InvalidInputError(ExpectedError):
    """An input file or argument is malformed."""


class NotFoundError(ExpectedError):
    """A memory or observation id does not exist."""


class SettingsError(ExpectedError):
    """The settings file is invalid."""


class ModelMissingError(ExpectedError):
    """A model file the user configured is not on disk."""


class ModelInvalidError(ExpectedError):
    """A model or adapter file is not usable (corrupt, wrong kind, made for another base)."""


class ModelOutputError(ExpectedError):
    """A model's output could not be used (cut off, or not matching its schema)."""


class CancelledError(ExpectedError):
    """The user cancelled a long operation."""


class DownloadError(ExpectedError):
    """A model download failed (network, checksum, disk); nothing was left in place."""


class CaptureUnavailableError(ExpectedError):
    """Screen capture cannot run here (no display, Wayland, an unsupported platform)."""


class FrameCorruptError(ExpectedError):
    """A frame thumbnail file is damaged, truncated, renamed or sealed with another key."""


class SleepBusyError(ExpectedError):
    """Another sleep run holds this profile's sleep lock."""


class BackupError(ExpectedError):
    """The database backup before a sleep run could not be made or did not verify."""


class ArchiveError(ExpectedError):
    """A memory archive cannot be written or read; the store was left as it was."""


class NotAnArchiveError(ArchiveError):
    """The file is not a Mnemo archive (not age-encrypted, or no Mnemo manifest inside)."""


class ArchivePassphraseError(ArchiveError):
    """The passphrase (or identity) does not open the archive."""


class ArchiveDamagedError(ArchiveError):
    """The archive's ciphertext fails authentication: some byte of it was changed."""


class ArchiveTruncatedError(ArchiveError):
    """The archive ends before its last encrypted chunk: it was cut short."""


class ArchiveTooNewError(ArchiveError):
    """The archive was written by a newer Mnemo (archive format or store schema)."""


class ArchiveMismatchError(ArchiveError):
    """A member of the archive does not match the checksum its manifest gives."""


class ArchiveInvalidError(ArchiveError):
    """The archive decrypts but its contents are malformed (a bad record or manifest)."""
