"""The OCR queue never blocks the grabber: full means the oldest job is dropped and reported."""

from __future__ import annotations

import threading

from PIL import Image

from core.capture.desktop import Rect
from core.capture.ocr import OcrJob, OcrQueue, Reading, Word, redact_reading


def job(n: int) -> OcrJob:
    return OcrJob(f"f{n}", Image.new("RGB", (4, 4)), (0, 0))


def test_a_full_queue_drops_the_oldest_pending_jobs_and_reports_each() -> None:
    release = threading.Event()
    started = threading.Event()
    results: list[str] = []
    dropped: list[str] = []

    def read(j: OcrJob) -> Reading:
        started.set()
        release.wait(5)
        return Reading((j.frame_id,))

    q = OcrQueue(
        2, read, lambda j, r: results.append(j.frame_id), lambda j: dropped.append(j.frame_id)
    )
    q.put(job(0))
    assert started.wait(5)  # job 0 is being read; the queue itself is empty
    for n in range(1, 6):
        q.put(job(n))  # returns at once although the worker is busy
    assert dropped == ["f1", "f2", "f3"]
    assert q.pending() == 3
    release.set()
    assert q.join(5)
    q.stop()
    assert results == ["f0", "f4", "f5"]


def test_stop_without_drain_reports_the_jobs_left() -> None:
    release = threading.Event()
    dropped: list[str] = []
    q = OcrQueue(
        4,
        lambda j: (release.wait(5), Reading())[1],
        lambda j, r: None,
        lambda j: dropped.append(j.frame_id),
    )
    for n in range(3):
        q.put(job(n))
    release.set()
    q.stop(drain=False, timeout=5)
    assert len(dropped) <= 3 and all(d.startswith("f") for d in dropped)


def test_a_failing_read_is_reported_as_none_and_the_worker_goes_on() -> None:
    got: list[tuple[str, Reading | None]] = []

    def read(j: OcrJob) -> Reading:
        if j.frame_id == "f0":
            raise RuntimeError("tesseract crashed")
        return Reading(("ok",))

    q = OcrQueue(4, read, lambda j, r: got.append((j.frame_id, r)), lambda j: None)
    q.put(job(0))
    q.put(job(1))
    assert q.join(5)
    q.stop()
    assert got[0] == ("f0", None) and got[1][1] == Reading(("ok",))


def w(text: str, x: int) -> Word:
    return Word(text, Rect(x, 10, 40, 20), 90.0)


def test_secrets_are_redacted_from_lines_and_their_words_boxes_returned() -> None:
    lines = [
        [w("Card", 0), w("4111", 50), w("1111", 100), w("1111", 150), w("1111", 200)],
        [w("Meeting", 0), w("at", 50), w("noon", 100)],
    ]
    reading = redact_reading(lines)
    assert reading.lines[0] == "Card [redacted card]"
    assert reading.lines[1] == "Meeting at noon"
    assert [b.x for b in reading.secret_boxes] == [50, 100, 150, 200]
    assert "4111" not in " ".join(word.text for word in reading.words)
    assert reading.secret_kinds == ("card",)


def test_a_password_label_keeps_the_label_and_hides_the_value() -> None:
    reading = redact_reading([[w("password:", 0), w("hunter2!", 60)]])
    assert "hunter2" not in reading.text
    assert reading.text.startswith("password:")
    assert [word.text for word in reading.words] == ["password:"]


def test_text_without_secrets_is_kept_word_for_word() -> None:
    reading = redact_reading([[w("Quarterly", 0), w("report", 50)]])
    assert reading.text == "Quarterly report" and len(reading.words) == 2
    assert reading.secret_boxes == ()


def test_ocr_writes_no_temporary_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tempfile

    from PIL import ImageDraw

    from core.capture.ocr import read_image

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    image = Image.new("RGB", (500, 60), "white")
    ImageDraw.Draw(image).text(
        (10, 10), "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", fill="black", font_size=24
    )
    reading = read_image(image, (100, 200), "eng", 0)
    assert "token" in reading.text and "ghp_" not in reading.text
    assert reading.words[0].box.x >= 100 and reading.words[0].box.y >= 200  # screen coordinates
    assert list(tmp_path.iterdir()) == []


def test_a_missing_language_is_refused_in_one_line() -> None:
    import pytest

    from core.capture.ocr import check_languages
    from core.errors import CaptureUnavailableError

    check_languages("eng")
    with pytest.raises(CaptureUnavailableError, match=r"no data for xyz.*tesseract-ocr-xyz"):
        check_languages("eng+xyz")
