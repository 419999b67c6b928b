"""Frame thumbnails: right size and colours, encrypted on disk, refused when anything is off."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import core.files
from core.capture.desktop import Rect
from core.capture.frames import (
    MAGIC,
    FrameCipher,
    frame_key,
    read_frame,
    redact_boxes,
    thumbnail,
    write_frame,
)
from core.errors import ExpectedError, FrameCorruptError, NotFoundError

FRAME_ID = "0190f3a4-7b1c-7d2e-8f00-0123456789ab"


def bgra(width: int, height: int, b: int, g: int, r: int) -> np.ndarray:
    pixels = np.empty((height, width, 4), dtype=np.uint8)
    pixels[...] = (b, g, r, 255)
    return pixels


def decode(webp: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(webp))
    assert image.format == "WEBP"
    return image.convert("RGB")


def noisy(width: int = 320, height: int = 180) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.fixture
def cipher() -> FrameCipher:
    return FrameCipher(frame_key(os.urandom(32)))


@pytest.fixture
def webp() -> bytes:
    return thumbnail(noisy(), 160, 60)[0]


def test_frame_key_is_derived_not_the_data_key() -> None:
    data_key = os.urandom(32)
    key = frame_key(data_key)
    assert len(key) == 32 and key != data_key
    assert frame_key(data_key) == key
    assert frame_key(os.urandom(32)) != key
    with pytest.raises(ValueError):
        frame_key(b"short")


def test_thumbnail_keeps_the_aspect_and_reports_its_scale() -> None:
    data, scale = thumbnail(bgra(400, 200, 0, 0, 0), 100, 50)
    assert decode(data).size == (100, 50)
    assert scale == 0.25
    data, scale = thumbnail(bgra(333, 101, 0, 0, 0), 100, 50)
    assert decode(data).size == (100, 30)
    assert scale == pytest.approx(100 / 333)


def test_a_small_screen_is_not_enlarged() -> None:
    data, scale = thumbnail(bgra(80, 40, 0, 0, 0), 100, 50)
    assert decode(data).size == (80, 40) and scale == 1.0


def test_bgra_grabs_and_rgb_arrays_keep_their_colours() -> None:
    blue = decode(thumbnail(bgra(64, 32, 255, 0, 0), 32, 90)[0]).getpixel((16, 8))
    assert isinstance(blue, tuple) and blue[2] > 200 and blue[0] < 50
    rgb = np.zeros((32, 64, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    red = decode(thumbnail(rgb, 32, 90)[0]).getpixel((16, 8))
    assert isinstance(red, tuple) and red[0] > 200 and red[2] < 50


def test_a_non_contiguous_grab_is_accepted() -> None:
    part = bgra(400, 200, 10, 20, 30)[:, 100:300]  # one monitor cut out of the virtual screen
    assert decode(thumbnail(part, 100, 50)[0]).size == (100, 100)


def test_quality_trades_size() -> None:
    low, _ = thumbnail(noisy(), 160, 10)
    high, _ = thumbnail(noisy(), 160, 90)
    assert len(low) < len(high)


def test_bad_thumbnail_arguments_are_bugs() -> None:
    with pytest.raises(ValueError):
        thumbnail(np.zeros((10, 10, 2), dtype=np.uint8), 100, 50)
    with pytest.raises(ValueError):
        thumbnail(np.zeros((10, 10, 3), dtype=np.float32), 100, 50)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        thumbnail(noisy(), 0, 50)


def test_seal_and_open_round_trip(cipher: FrameCipher, webp: bytes) -> None:
    blob = cipher.seal(FRAME_ID, webp)
    assert blob.startswith(MAGIC)
    assert len(blob) == len(webp) + 4 + 12 + 16
    assert cipher.open(FRAME_ID, blob) == webp


def test_every_seal_uses_a_fresh_nonce(cipher: FrameCipher, webp: bytes) -> None:
    assert cipher.seal(FRAME_ID, webp) != cipher.seal(FRAME_ID, webp)


def test_a_wrong_key_is_refused(cipher: FrameCipher, webp: bytes) -> None:
    other = FrameCipher(frame_key(os.urandom(32)))
    with pytest.raises(FrameCorruptError) as info:
        other.open(FRAME_ID, cipher.seal(FRAME_ID, webp))
    assert isinstance(info.value, ExpectedError)
    assert "another key" in info.value.message


def test_a_flipped_byte_anywhere_is_refused(cipher: FrameCipher) -> None:
    blob = cipher.seal(FRAME_ID, b"a small frame" * 5)
    for i in range(len(blob)):
        tampered = bytearray(blob)
        tampered[i] ^= 0x01
        with pytest.raises(FrameCorruptError):
            cipher.open(FRAME_ID, bytes(tampered))


@pytest.mark.parametrize("keep", [0, 3, 4, 16, 31, 32, -1])
def test_a_truncated_file_is_refused(cipher: FrameCipher, webp: bytes, keep: int) -> None:
    blob = cipher.seal(FRAME_ID, webp)
    with pytest.raises(FrameCorruptError):
        cipher.open(FRAME_ID, blob[:keep])


def test_a_file_renamed_to_another_frame_is_refused(cipher: FrameCipher, webp: bytes) -> None:
    blob = cipher.seal(FRAME_ID, webp)
    with pytest.raises(FrameCorruptError):
        cipher.open(FRAME_ID[:-1] + "c", blob)


def test_a_file_that_is_not_a_frame_is_refused(cipher: FrameCipher, webp: bytes) -> None:
    with pytest.raises(FrameCorruptError, match="not a Mnemo frame"):
        cipher.open(FRAME_ID, webp)


def test_file_bytes_hold_no_plaintext(tmp_path: Path, cipher: FrameCipher, webp: bytes) -> None:
    path = tmp_path / "2024" / f"{FRAME_ID}.mnf"
    write_frame(path, FRAME_ID, webp, cipher)
    data = path.read_bytes()
    assert b"RIFF" not in data and b"WEBP" not in data and b"VP8" not in data
    runs = {webp[i : i + 8] for i in range(len(webp) - 8)}
    assert not any(data[i : i + 8] in runs for i in range(len(data) - 8))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_the_temporary_file_only_ever_holds_ciphertext(
    tmp_path: Path, cipher: FrameCipher, webp: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bytes] = []
    replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append(Path(src).read_bytes())
        replace(src, dst)

    monkeypatch.setattr(core.files.os, "replace", spy)
    write_frame(tmp_path / "f.mnf", FRAME_ID, webp, cipher)
    assert len(seen) == 1
    assert seen[0].startswith(MAGIC) and b"WEBP" not in seen[0]


def test_read_frame_decrypts_in_memory(tmp_path: Path, cipher: FrameCipher) -> None:
    webp, _ = thumbnail(bgra(200, 100, 0, 0, 255), 100, 80)
    path = tmp_path / "f.mnf"
    write_frame(path, FRAME_ID, webp, cipher)
    image = read_frame(path, FRAME_ID, cipher)
    assert image.size == (100, 50)
    red = image.convert("RGB").getpixel((50, 25))
    assert isinstance(red, tuple) and red[0] > 200


def test_read_frame_errors_are_clear(tmp_path: Path, cipher: FrameCipher) -> None:
    with pytest.raises(NotFoundError):
        read_frame(tmp_path / "gone.mnf", FRAME_ID, cipher)
    path = tmp_path / "junk.mnf"
    write_frame(path, FRAME_ID, b"authentic but not an image", cipher)
    with pytest.raises(FrameCorruptError, match="not a readable image"):
        read_frame(path, FRAME_ID, cipher)
    (tmp_path / "renamed.mnf").write_bytes(path.read_bytes())
    with pytest.raises(FrameCorruptError):
        read_frame(tmp_path / "renamed.mnf", "another-frame", cipher)


def test_redact_boxes_blacks_out_the_box_on_the_thumbnail() -> None:
    screen = np.full((400, 800, 3), 255, dtype=np.uint8)
    webp, scale = thumbnail(screen, 400, 90)
    assert scale == 0.5
    box = Rect(200, 100, 120, 40)  # full-resolution pixels -> (100, 50)-(160, 70) on the thumbnail
    pixels = np.asarray(decode(redact_boxes(webp, [box], scale, 90))).astype(int)
    assert pixels.shape == (200, 400, 3)
    assert pixels[50:70, 100:160].max() < 24
    assert pixels[48:72, 98:162].max() < 24  # the margin covers resampling's spread
    assert pixels[:40].min() > 230 and pixels[80:].min() > 230
    assert pixels[:, :90].min() > 230 and pixels[:, 170:].min() > 230


def test_redact_boxes_clips_and_leaves_an_untouched_thumbnail_alone() -> None:
    webp, scale = thumbnail(np.full((100, 200, 3), 255, dtype=np.uint8), 100, 80)
    assert redact_boxes(webp, [], scale, 80) is webp
    assert redact_boxes(webp, [Rect(10, 10, 0, 5)], scale, 80) is webp
    out = np.asarray(decode(redact_boxes(webp, [Rect(150, 60, 500, 500)], scale, 80)))
    assert out.shape == (50, 100, 3)
    assert out[35:, 80:].max() < 24 and out[:20, :60].min() > 230
