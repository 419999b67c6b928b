"""The age file format (age-encryption.org/v1), streamed: what a `.mnemo` archive is wrapped in.

An archive must open with the standard `age` tool, so its container is plain age:

- **Passphrase** archives carry one `scrypt` stanza. pyrage's passphrase API takes and returns
  whole byte strings, which would hold a store of several GB in memory, so this module writes and
  reads the format itself with `cryptography`'s primitives, chunk by chunk: a random 16-byte file
  key wrapped with ChaCha20-Poly1305 under scrypt(passphrase), an HMAC-SHA256 over the header, then
  the payload in 64 KiB ChaCha20-Poly1305 chunks (STREAM: an 11-byte counter and a last-chunk flag
  as the nonce). Interoperability is tested both ways against pyrage and the `age` command.
- **Recipient** archives (an `age1...` X25519 public key, for a backup another device opens) are
  encrypted and decrypted by pyrage's streaming `encrypt_io` / `decrypt_io`, fed through a pipe
  from a thread, so they stream as well.

Reading tells apart what went wrong: not an age file, a wrong passphrase, a changed byte (a chunk
fails authentication), and a file cut short (the stream ends before its last chunk). The last case
needs one convention from the writer: `final_chunk` tells the reader how long the writer makes the
final chunk (Mnemo archives pad their plaintext so it is one byte), so a short final piece of
another length is a truncation and one of that length that fails is damage.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import os
import re
import threading
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path
from typing import IO, Any

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from core.errors import (
    ArchiveDamagedError,
    ArchiveInvalidError,
    ArchivePassphraseError,
    ArchiveTruncatedError,
    InvalidInputError,
    NotAnArchiveError,
)

MAGIC = b"age-encryption.org/v1\n"
ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
CHUNK = 64 * 1024
TAG = 16
WORK = 18  # scrypt log2(N): age's own default, about a second and 256 MiB on this machine
MAX_WORK = 22  # the most an archive may ask of the reader (4 GiB of scrypt memory)
MAX_HEADER = 16 * 1024
_SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
_B64 = re.compile(rb"[A-Za-z0-9+/]*")
_DECIMAL = re.compile(rb"[1-9][0-9]?")


# -- primitives --------------------------------------------------------------------------------
def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _unb64(text: bytes, what: str) -> bytes:
    """Strict unpadded base64, as age requires (no padding, no stray bits, canonical)."""
    if not _B64.fullmatch(text) or len(text) % 4 == 1:
        raise ArchiveInvalidError(f"the archive header has a malformed {what}")
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise ArchiveInvalidError(f"the archive header has a malformed {what}") from None
    if _b64(data) != text:
        raise ArchiveInvalidError(f"the archive header has a non-canonical {what}")
    return data


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def _scrypt(passphrase: str, salt: bytes, work: int) -> bytes:
    kdf = Scrypt(salt=_SCRYPT_LABEL + salt, length=32, n=1 << work, r=8, p=1)
    return kdf.derive(passphrase.encode("utf-8"))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# -- writing -----------------------------------------------------------------------------------
class _PayloadWriter(io.RawIOBase):
    """Encrypts what is written in STREAM chunks; `close()` seals the last chunk."""

    def __init__(self, out: IO[bytes], file_key: bytes) -> None:
        nonce = os.urandom(16)
        out.write(nonce)
        self._out = out
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._buffer = bytearray()
        self._counter = 0
        self.plaintext_bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._buffer += view
        self.plaintext_bytes += len(view)
        # A full chunk is kept back until more follows: only then is it known not to be the last.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(view)

    def _seal(self, chunk: bytes, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._counter, last), chunk, None))
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


def passphrase_writer(
    out: IO[bytes], passphrase: str, work: int = WORK, keys: dict[bytes, bytes] | None = None
) -> _PayloadWriter:
    """Write an age header for `passphrase` to `out`; return the stream that takes the plaintext.

    `keys`, when given, remembers the file key by header, so reading the file back (to verify it)
    does not pay for scrypt again."""
    if not passphrase:
        raise InvalidInputError("an archive passphrase cannot be empty")
    file_key = os.urandom(16)
    salt = os.urandom(16)
    wrapped = ChaCha20Poly1305(_scrypt(passphrase, salt, work)).encrypt(bytes(12), file_key, None)
    header = MAGIC + b"-> scrypt " + _b64(salt) + b" " + str(work).encode() + b"\n" + _b64(wrapped)
    header += b"\n---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, sha256).digest()
    out.write(header + b" " + _b64(mac) + b"\n")
    if keys is not None:
        keys[header] = file_key
    return _PayloadWriter(out, file_key)


def parse_recipient(text: str) -> Any:
    """An age X25519 public key (`age1...`), or a clear error."""
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        raise InvalidInputError(
            f"{text!r} is not an age public key (it looks like age1... ; 'age-keygen' makes one)"
        ) from None


def load_identities(path: Path) -> list[Any]:
    """The X25519 identities (`AGE-SECRET-KEY-1...` lines) in an age identity file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read the identity file {path}: {exc}") from None
    found = []
    for line in lines:
        if line.strip().startswith("AGE-SECRET-KEY-1"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line.strip()))
            except pyrage.IdentityError:
                raise InvalidInputError(f"{path} holds a malformed age secret key") from None
    if not found:
        raise InvalidInputError(f"{path} holds no age secret key (AGE-SECRET-KEY-1...)")
    return found


class _Piped(io.RawIOBase):
    """One end of a pipe whose other end a pyrage call works on in a thread."""

    def __init__(self, end: IO[bytes], other: IO[bytes], job: Callable[[IO[bytes]], None]) -> None:
        self._end = end
        self.error: BaseException | None = None

        def run() -> None:
            try:
                job(other)
            except BaseException as exc:  # reported to the caller's thread on close
                self.error = exc
            finally:
                other.close()

        self._thread = threading.Thread(target=run, name="age-pipe", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        self._end.close()
        self._thread.join()


class _RecipientWriter(_Piped):
    def __init__(self, out: IO[bytes], recipient: Any) -> None:
        read_fd, write_fd = os.pipe()
        super().__init__(
            os.fdopen(write_fd, "wb"),
            os.fdopen(read_fd, "rb"),
            lambda source: pyrage.encrypt_io(source, out, [recipient]),
        )

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        try:
            return self._end.write(data)
        except BrokenPipeError:
            self.finish()
            raise InvalidInputError(f"age encryption failed: {self.error}") from None

    def close(self) -> None:
        if not self.closed:
            self.finish()
            if self.error is not None:
                raise InvalidInputError(f"age encryption failed: {self.error}")
        super().close()


def recipient_writer(out: IO[bytes], recipient: str) -> io.RawIOBase:
    """A stream that encrypts to an age X25519 public key (through pyrage) as it is written."""
    return _RecipientWriter(out, parse_recipient(recipient))


# -- reading -----------------------------------------------------------------------------------
class Header:
    """A parsed age header: its stanzas, the bytes the MAC covers, and the MAC."""

    def __init__(self, stanzas: list[tuple[list[bytes], bytes]], signed: bytes, mac: bytes):
        self.stanzas = stanzas
        self.signed = signed
        self.mac = mac

    @property
    def kind(self) -> str:
        types = {args[0] for args, _ in self.stanzas}
        if types == {b"scrypt"}:
            return "passphrase"
        if b"scrypt" in types:
            raise ArchiveInvalidError("the archive header mixes a passphrase with other recipients")
        return "recipient"


def read_header(src: IO[bytes]) -> Header:
    first = src.read(len(MAGIC))
    if first != MAGIC:
        if (first + src.read(len(ARMOR) - len(first))).startswith(ARMOR):
            raise NotAnArchiveError(
                "this is an ASCII-armored age file; Mnemo archives are binary "
                "(decrypt it with 'age -d' and encrypt it again without -a)"
            )
        raise NotAnArchiveError("this file is not a Mnemo archive (it is not age-encrypted)")
    signed = bytearray(MAGIC)
    stanzas: list[tuple[list[bytes], bytes]] = []

    def line() -> bytes:
        text = src.readline(MAX_HEADER - len(signed) + 1)
        if not text.endswith(b"\n"):
            if len(signed) + len(text) > MAX_HEADER:
                raise ArchiveInvalidError("the archive header is too long")
            raise ArchiveTruncatedError("the archive is truncated: it ends inside its header")
        signed.extend(text)
        return text[:-1]

    current = line()
    while current.startswith(b"-> "):
        args = current[3:].split(b" ")
        if not all(args):
            raise ArchiveInvalidError("the archive header has a malformed recipient line")
        body = bytearray()
        while True:
            piece = line()
            body += piece
            if len(piece) < 64:
                break
        stanzas.append((args, bytes(body)))
        current = line()
    if not current.startswith(b"--- ") or not stanzas:
        raise ArchiveInvalidError("the archive header is malformed")
    # The MAC covers the header up to and including '---'.
    covered = bytes(signed[: len(signed) - len(current) - 1]) + b"---"
    return Header(stanzas, covered, _unb64(current[4:], "header MAC"))


def _unwrap_scrypt(header: Header, passphrase: str, max_work: int) -> bytes:
    if len(header.stanzas) != 1:
        raise ArchiveInvalidError("a passphrase archive must have exactly one recipient")
    args, body = header.stanzas[0]
    if len(args) != 3 or not _DECIMAL.fullmatch(args[2]):
        raise ArchiveInvalidError("the archive header has a malformed passphrase stanza")
    salt = _unb64(args[1], "salt")
    work = int(args[2])
    wrapped = _unb64(body, "wrapped key")
    if len(salt) != 16 or len(wrapped) != 32:
        raise ArchiveInvalidError("the archive header has a malformed passphrase stanza")
    if work > max_work:
        raise ArchiveInvalidError(
            f"the archive asks for a passphrase work factor of 2^{work}, above the limit 2^{max_work}"
        )
    try:
        file_key = ChaCha20Poly1305(_scrypt(passphrase, salt, work)).decrypt(
            bytes(12), wrapped, None
        )
    except InvalidTag:
        raise ArchivePassphraseError("wrong passphrase: it does not open this archive") from None
    return file_key


def _check_mac(header: Header, file_key: bytes) -> None:
    expected = hmac.new(_hkdf(file_key, b"", b"header"), header.signed, sha256).digest()
    if not hmac.compare_digest(expected, header.mac):
        raise ArchiveDamagedError("the archive is damaged: its header was changed")


class _PayloadReader(io.RawIOBase):
    """Decrypts STREAM chunks as they are read; every chunk is authenticated before use."""

    def __init__(self, src: IO[bytes], file_key: bytes, final_chunk: int | None) -> None:
        nonce = src.read(16)
        if len(nonce) != 16:
            raise ArchiveTruncatedError("the archive is truncated: it ends after its header")
        self._src = src
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._final = final_chunk
        self._counter = 0
        self._plain = b""
        self._offset = 0
        self._done = False
        self._peek = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._offset >= len(self._plain) and not self._done:
            self._next()
        n = min(len(buffer), len(self._plain) - self._offset)
        buffer[:n] = self._plain[self._offset : self._offset + n]
        self._offset += n
        return n

    def _read(self, size: int) -> bytes:
        data = self._peek + self._src.read(size - len(self._peek))
        self._peek = b""
        while len(data) < size:
            more = self._src.read(size - len(data))
            if not more:
                break
            data += more
        return data

    def _next(self) -> None:
        piece = self._read(CHUNK + TAG)
        last = len(piece) < CHUNK + TAG
        if not last:
            self._peek = self._src.read(1)
            last = not self._peek
        if len(piece) < TAG or (len(piece) == TAG and self._counter > 0):
            raise ArchiveTruncatedError("the archive is truncated: it was cut short")
        try:
            self._plain = self._aead.decrypt(_nonce(self._counter, last), piece, None)
        except InvalidTag:
            raise self._failure(piece, last) from None
        self._offset = 0
        self._counter += 1
        self._done = last

    def _failure(self, piece: bytes, last: bool) -> Exception:
        if not last:
            return ArchiveDamagedError(
                f"the archive is damaged: a byte in its chunk {self._counter + 1} was changed"
            )
        if len(piece) == CHUNK + TAG:
            try:
                self._aead.decrypt(_nonce(self._counter, False), piece, None)
                return ArchiveTruncatedError("the archive is truncated: it was cut short")
            except InvalidTag:
                pass
        elif self._final is not None and len(piece) != self._final + TAG:
            return ArchiveTruncatedError("the archive is truncated: it was cut short")
        return ArchiveDamagedError(
            "the archive is damaged: a byte in its last chunk was changed"
            if self._final is not None
            else "the archive is damaged or truncated"
        )


class _RecipientReader(_Piped):
    def __init__(self, src: IO[bytes], identities: list[Any]) -> None:
        read_fd, write_fd = os.pipe()
        super().__init__(
            os.fdopen(read_fd, "rb"),
            os.fdopen(write_fd, "wb"),
            lambda sink: pyrage.decrypt_io(src, sink, identities),
        )

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = int(self._end.readinto(buffer))  # type: ignore[attr-defined]
        if n == 0:
            self.finish()
            if self.error is not None:
                message = str(self.error)
                if "no matching keys" in message.lower():
                    raise ArchivePassphraseError("none of the given identities opens this archive")
                raise ArchiveDamagedError(f"the archive is damaged or truncated ({message})")
        return n

    def close(self) -> None:
        if not self.closed:
            self.finish()
        super().close()


def reader(
    src: IO[bytes],
    passphrase: Callable[[], str] | None = None,
    identities: list[Any] | None = None,
    final_chunk: int | None = None,
    max_work: int = MAX_WORK,
    keys: dict[bytes, bytes] | None = None,
) -> io.RawIOBase:
    """The decrypted stream of the age file `src` (positioned at its start).

    `passphrase` is asked only when the file is a passphrase one and its file key is not already
    in `keys` (which then learns it: a second pass over the same file skips scrypt);
    `identities` (X25519) open a recipient one.
    """
    start = src.tell()
    header = read_header(src)
    if header.kind == "passphrase":
        if passphrase is None:
            raise ArchivePassphraseError("this archive is protected by a passphrase; give it")
        file_key = keys.get(header.signed) if keys is not None else None
        if file_key is None:
            file_key = _unwrap_scrypt(header, passphrase(), max_work)
        _check_mac(header, file_key)
        if keys is not None:
            keys[header.signed] = file_key
        return _PayloadReader(src, file_key, final_chunk)
    if not identities:
        raise ArchivePassphraseError(
            "this archive is encrypted to an age public key: give the identity file (--identity)"
        )
    src.seek(start)
    return _RecipientReader(src, identities)
