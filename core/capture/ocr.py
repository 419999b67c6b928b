"""Reading the screen: tesseract on a bounded background queue that never blocks the grabber.

The grabber hands each kept frame's crop (the changed region, or the focused window after a focus
change, already privacy-masked) to `OcrQueue.put` and goes on at once. One worker thread runs
tesseract on the oldest pending crop. The queue has a fixed capacity: when it is full, the OLDEST
pending crop is dropped (the newer screen is the one worth reading) and the drop is reported to
`on_drop`, so the frame is recorded as "OCR dropped" and the health counter says so; nothing is
lost silently. `read_image` keeps every word with its box (screen coordinates) and confidence, so
the timeline can highlight a hit on the frame, and redacts secrets before anything leaves it:
words inside a secret's span are dropped and their boxes returned, so the thumbnail can be
blacked out there too.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from core.capture.desktop import Rect
from core.errors import CaptureUnavailableError
from core.pipeline.redaction import redact_spans, secret_spans

log = logging.getLogger(__name__)

OCR_TIMEOUT = 120  # seconds: a crop tesseract cannot read in this long is given up
OCR_THREADS: str | None = "1"  # tesseract's OpenMP threads; None: its default (the benchmark)


class OcrError(Exception):
    """tesseract failed on one crop (the frame is recorded as OCR lost)."""


@dataclass(frozen=True)
class Word:
    """One word read on the screen, with its box in screen pixels and tesseract's confidence."""

    text: str
    box: Rect
    confidence: float

    def row(self) -> list[Any]:
        """Compact JSON form: [text, x, y, width, height, confidence]."""
        b = self.box
        return [self.text, b.x, b.y, b.width, b.height, round(self.confidence, 1)]


@dataclass(frozen=True)
class Reading:
    """What OCR found in one crop, after redaction."""

    lines: tuple[str, ...] = ()
    words: tuple[Word, ...] = ()
    secret_boxes: tuple[Rect, ...] = ()
    secret_kinds: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _tesseract_cmd() -> str:
    import pytesseract

    return str(pytesseract.pytesseract.tesseract_cmd)


def tesseract_version() -> str:
    """The installed tesseract's version, or a clear error when it is missing."""
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError):
        raise CaptureUnavailableError(
            "tesseract is not installed, so the screen's text cannot be read: install it "
            "(Debian/Ubuntu: apt install tesseract-ocr) or set capture.ocr to false"
        ) from None


def check_languages(language: str) -> None:
    """Refuse, in one line, a capture.ocr_language whose tesseract data is not installed."""
    import pytesseract

    installed = set(pytesseract.get_languages(config=""))
    missing = [lang for lang in language.split("+") if lang not in installed]
    if missing:
        raise CaptureUnavailableError(
            f"tesseract has no data for {', '.join(missing)} (capture.ocr_language = "
            f"{language!r}); install it (Debian/Ubuntu: apt install "
            f"tesseract-ocr-{missing[0]}) or choose from: {', '.join(sorted(installed))}"
        )


def read_image(
    image: Image.Image, offset: tuple[int, int], language: str, min_confidence: float
) -> Reading:
    """OCR `image` (a crop whose top-left is `offset` on screen) into redacted lines and words.

    tesseract runs on pipes (image in, TSV out): pytesseract's own calls write the crop and the
    recognised text to temporary files, and no temporary file may hold plaintext.
    """
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PPM")
    try:
        done = subprocess.run(
            [_tesseract_cmd(), "stdin", "stdout", "-l", language, "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=OCR_TIMEOUT,
            check=False,
            # tesseract's OpenMP threads fight each other on a few cores: one thread reads a
            # screen about 5x faster here (bench/capture_bench.py), and leaves a core free.
            env=dict(os.environ)
            if OCR_THREADS is None
            else {**os.environ, "OMP_THREAD_LIMIT": OCR_THREADS},
        )
    except FileNotFoundError:
        tesseract_version()  # raises the clear message
        raise
    if done.returncode != 0:
        raise OcrError(f"tesseract exited with code {done.returncode}")
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text, confidence = cols[11].strip(), float(cols[10])
        if not text or confidence < min_confidence:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        box = Rect(offset[0] + left, offset[1] + top, width, height)
        lines.setdefault((int(cols[2]), int(cols[3]), int(cols[4])), []).append(
            Word(text, box, confidence)
        )
    return redact_reading(list(lines.values()))


def redact_reading(lines: list[list[Word]]) -> Reading:
    """Join words into lines, find secrets across the whole text, drop the words inside them."""
    full = ""
    spans: list[tuple[int, int, Word]] = []
    for words in lines:
        if full:
            full += "\n"
        for j, word in enumerate(words):
            if j:
                full += " "
            spans.append((len(full), len(full) + len(word.text), word))
            full += word.text
    secrets = secret_spans(full)
    if not secrets:
        return Reading(
            tuple(" ".join(w.text for w in ws) for ws in lines), tuple(s[2] for s in spans)
        )
    kept: list[Word] = []
    hidden: list[Rect] = []
    for start, end, word in spans:
        if any(start < s_end and s_start < end for s_start, s_end, _ in secrets):
            hidden.append(word.box)
        else:
            kept.append(word)
    redacted = redact_spans(full, secrets)
    return Reading(tuple(redacted.text.split("\n")), tuple(kept), tuple(hidden), redacted.kinds)


@dataclass
class OcrJob:
    """One crop waiting to be read."""

    frame_id: str
    image: Image.Image
    offset: tuple[int, int]


class OcrQueue:
    """A bounded FIFO of OCR jobs with one worker thread; full means drop the oldest and report it."""

    def __init__(
        self,
        capacity: int,
        read: Callable[[OcrJob], Reading],
        on_result: Callable[[OcrJob, Reading | None], None],
        on_drop: Callable[[OcrJob], None],
    ) -> None:
        self.capacity = capacity
        self._read = read
        self._on_result = on_result
        self._on_drop = on_drop
        self._jobs: deque[OcrJob] = deque()
        self._cond = threading.Condition()
        self._busy = False
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="mnemo-ocr", daemon=True)
        self._thread.start()

    def put(self, job: OcrJob) -> None:
        """Queue `job` without waiting; if the queue is full, drop (and report) the oldest job."""
        dropped: OcrJob | None = None
        with self._cond:
            if len(self._jobs) >= self.capacity:
                dropped = self._jobs.popleft()
            self._jobs.append(job)
            self._cond.notify_all()
        if dropped is not None:
            self._on_drop(dropped)

    def pending(self) -> int:
        with self._cond:
            return len(self._jobs) + (1 if self._busy else 0)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every queued job is read; False if `timeout` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs and not self._busy, timeout)

    def stop(self, drain: bool = True, timeout: float | None = None) -> None:
        """Stop the worker, after reading what is queued when `drain`; undrained jobs are dropped."""
        if drain:
            self.join(timeout)
        with self._cond:
            self._stopping = True
            left = list(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()
        for job in left:
            self._on_drop(job)
        self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._jobs or self._stopping)
                if self._stopping:
                    return
                job = self._jobs.popleft()
                self._busy = True
            reading: Reading | None
            try:
                reading = self._read(job)
            except Exception as exc:  # one unreadable crop must not stop OCR for good
                # The type only: a message could quote what was on the screen.
                log.warning("OCR failed on a frame (%s)", type(exc).__name__)
                reading = None
            try:
                self._on_result(job, reading)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
