"""Frame thumbnails: downscaled WebP images, encrypted one file each with AES-GCM.

A thumbnail lets the user see the moment a memory came from; it is the only pixel data Mnemo keeps,
and it never touches the disk in plaintext. Each file is `MNF1 | nonce (12) | ciphertext | tag (16)`
under a key derived with HKDF from the store's data key, so the database key itself is never used
on files and a leaked file key would not open the database. The frame id (and the magic) are the
associated data: a file renamed to another frame's name fails to open instead of showing the wrong
picture. The nonce is random per file; at one frame every few seconds for years the number of
files stays many orders of magnitude below where random 96-bit nonces could collide.

Encoding: Pillow reduces by an integer factor with a box filter first when the screen is at least
three times the thumbnail width (`reducing_gap`), then resamples bicubically, and encodes lossy
WebP with `method=WEBP_METHOD`. Measured on a synthetic 1920x1080 desktop (text, code, a photo) to
1280 px at quality 50, on 2 cores: bicubic takes 23 ms against Lanczos' 32 ms and differs from it by
40 dB PSNR, far below WebP's own error (32 dB), so the sharper filter would be lost anyway; WebP
method 2 gives 101 KiB in 28 ms, method 4 97 KiB in 59 ms, method 0 115 KiB in 18 ms. The whole
thumbnail costs about 50 ms for a full-HD grab and 60 ms for 4K. Secrets OCR finds later are
blacked out on the thumbnail itself (`redact_boxes`), so the kept image agrees with the redacted
text.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from PIL import Image

from core.capture.desktop import Rect
from core.capture.mask import black_out
from core.errors import FrameCorruptError, NotFoundError
from core.files import write_atomic

MAGIC = b"MNF1"
NONCE_SIZE = 12
TAG_SIZE = 16
KEY_INFO = b"mnemo frame thumbnails v1"
WEBP_METHOD = 2
RESAMPLE = Image.Resampling.BICUBIC
REDUCING_GAP = 1.5
REDACT_MARGIN = 3  # thumbnail pixels: resampling spreads a screen pixel up to about 2 px


def frame_key(data_key: bytes) -> bytes:
    """The 32-byte thumbnail key derived from the store's data key (HKDF-SHA256)."""
    if len(data_key) != 32:
        raise ValueError("the data key must be 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(data_key)


def _image(pixels: npt.NDArray[np.uint8]) -> Image.Image:
    """A Pillow RGB (or L) image from a BGRA grab (mss order) or an RGB / grey array."""
    if pixels.dtype != np.uint8:
        raise ValueError(f"pixels must be uint8, not {pixels.dtype}")
    if pixels.ndim == 2:
        return Image.fromarray(pixels)
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        return Image.fromarray(pixels)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        height, width = pixels.shape[:2]
        data = np.ascontiguousarray(pixels)
        # The raw decoder reorders BGRA to RGB in C, without a numpy copy.
        return Image.frombuffer("RGB", (width, height), data, "raw", "BGRX", 0, 1)
    raise ValueError(f"pixels must be HxW, HxWx3 (RGB) or HxWx4 (BGRA), not {pixels.shape}")


def _webp(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="WEBP", quality=quality, method=WEBP_METHOD)
    return buf.getvalue()


def thumbnail(pixels: npt.NDArray[np.uint8], max_width: int, quality: int) -> tuple[bytes, float]:
    """A WebP thumbnail at most `max_width` wide, and its scale (thumbnail px per screen px)."""
    if max_width < 1:
        raise ValueError("max_width must be at least 1")
    if not 0 <= quality <= 100:
        raise ValueError("quality must be between 0 and 100")
    image = _image(pixels)
    width, height = image.size
    scale = 1.0
    if width > max_width:
        scale = max_width / width
        size = (max_width, max(1, round(height * scale)))
        image = image.resize(size, RESAMPLE, reducing_gap=REDUCING_GAP)
    return _webp(image, quality), scale


def _on_thumbnail(box: Rect, scale: float) -> Rect:
    """A full-resolution box on a thumbnail `scale` times smaller, rounded outwards, with a margin."""
    x0 = math.floor(box.x * scale) - REDACT_MARGIN
    y0 = math.floor(box.y * scale) - REDACT_MARGIN
    x1 = math.ceil(box.right * scale) + REDACT_MARGIN
    y1 = math.ceil(box.bottom * scale) + REDACT_MARGIN
    return Rect(x0, y0, x1 - x0, y1 - y0)


def redact_boxes(webp: bytes, boxes: Iterable[Rect], scale: float, quality: int) -> bytes:
    """The thumbnail with `boxes` (full-resolution pixels, relative to the frame) blacked out."""
    rects = [_on_thumbnail(box, scale) for box in boxes if not box.empty]
    if not rects:
        return webp
    with Image.open(io.BytesIO(webp)) as decoded:
        pixels = np.array(decoded.convert("RGB"))
    black_out(pixels, rects)
    return _webp(Image.fromarray(pixels), quality)


class FrameCipher:
    """Seals and opens thumbnail files with AES-256-GCM under the frame key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the frame key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, frame_id: str, data: bytes) -> bytes:
        """The file bytes for `data`: magic, a fresh random nonce, ciphertext and tag."""
        nonce = os.urandom(NONCE_SIZE)
        return MAGIC + nonce + self._aead.encrypt(nonce, data, MAGIC + frame_id.encode("utf-8"))

    def open(self, frame_id: str, blob: bytes) -> bytes:
        """The plaintext of a sealed file; FrameCorruptError unless it is intact and `frame_id`'s."""
        if len(blob) < len(MAGIC) + NONCE_SIZE + TAG_SIZE:
            raise FrameCorruptError(f"frame {frame_id} is truncated ({len(blob)} bytes)")
        if not blob.startswith(MAGIC):
            raise FrameCorruptError(f"frame {frame_id} is not a Mnemo frame file")
        nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_SIZE]
        body = blob[len(MAGIC) + NONCE_SIZE :]
        try:
            return self._aead.decrypt(nonce, body, MAGIC + frame_id.encode("utf-8"))
        except InvalidTag:
            raise FrameCorruptError(
                f"frame {frame_id} cannot be decrypted: the file is damaged, belongs to another "
                "frame, or was written with another key"
            ) from None


def write_frame(path: Path, frame_id: str, webp: bytes, cipher: FrameCipher) -> None:
    """Encrypt and store a thumbnail atomically; no plaintext ever reaches the disk."""
    write_atomic(path, cipher.seal(frame_id, webp), mode=0o600)


def read_frame(path: Path, frame_id: str, cipher: FrameCipher) -> Image.Image:
    """The decrypted thumbnail, decoded in memory."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"frame {frame_id} is no longer on disk") from None
    data = cipher.open(frame_id, blob)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.copy()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise FrameCorruptError(f"frame {frame_id} is not a readable image") from exc
