"""Reading one string field out of a JSON object while the model is still writing it.

A model's structured output arrives as JSON text in token-sized fragments that split anywhere:
inside a key, between a backslash and the character it escapes, in the middle of a `\\uXXXX`
escape or between the two halves of a surrogate pair. `FieldStream` is a small push scanner over
that text: it follows only what it needs (string boundaries, escapes, nesting depth and, at the top
level, whether a string is a key or a value) and decodes the value of one top-level field as its
characters arrive, so the caller can show a growing answer without waiting for the closing brace.
It never backtracks and keeps no copy of the input, so each fragment costs time in proportion to
its own length. It trusts its input to be a prefix of valid JSON (the grammar guarantees that);
on anything else it only ever shows less, never raises. The decoded text follows `json.loads`
except that a lone surrogate becomes U+FFFD, as `models.grammars.parse_output` does.
"""

from __future__ import annotations

_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t"}  # fmt: skip
_REPLACEMENT = "\ufffd"


class FieldStream:
    """Decodes the string value of one top-level field of a JSON object from its fragments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.complete = False  # the field's closing quote has been seen
        self._parts: list[str] = []
        self._depth = 0
        self._in_string = False
        self._expect_key = False  # at depth 1: the next string is a key
        self._role = "other"  # of the current string: "key", "field" (ours) or "other"
        self._key: list[str] = []
        self._last_key: str | None = None
        self._escape: str | None = None  # the escape read so far, after its backslash
        self._high: int | None = None  # a high surrogate waiting for its low half

    @property
    def text(self) -> str:
        """The field's decoded text so far."""
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def feed(self, fragment: str) -> bool:
        """Scan the next piece of JSON text; True when the field grew or was completed."""
        before, was_complete = len(self._parts), self.complete
        for ch in fragment:
            if self._in_string:
                self._string_char(ch)
            elif ch == '"':
                self._open_string()
            elif ch in "{[":
                self._depth += 1
                self._expect_key = self._depth == 1 and ch == "{"
            elif ch in "}]":
                self._depth -= 1
            elif self._depth == 1 and ch == ",":
                self._expect_key = True
            elif self._depth == 1 and ch == ":":
                self._expect_key = False
        return len(self._parts) > before or self.complete != was_complete

    def _open_string(self) -> None:
        self._in_string = True
        if self._depth == 1 and self._expect_key:
            self._role = "key"
            self._key = []
        elif self._depth == 1 and self._last_key == self.name and not self.complete:
            self._role = "field"
        else:
            self._role = "other"

    def _string_char(self, ch: str) -> None:
        if self._escape is not None:
            self._escape_char(ch)
        elif ch == "\\":
            self._escape = ""
        elif ch == '"':
            self._close_string()
        else:
            self._put(ch)

    def _escape_char(self, ch: str) -> None:
        assert self._escape is not None
        if self._escape == "":
            if ch == "u":
                self._escape = "u"
            else:
                self._escape = None
                self._put(_SIMPLE_ESCAPES.get(ch, _REPLACEMENT))
            return
        self._escape += ch
        if len(self._escape) < 5:  # "u" and four hex digits
            return
        digits, self._escape = self._escape[1:], None
        try:
            code = int(digits, 16)
        except ValueError:
            self._put(_REPLACEMENT)
            return
        self._put_code(code)

    def _put_code(self, code: int) -> None:
        """Place one UTF-16 code unit, pairing surrogates."""
        if 0xD800 <= code <= 0xDBFF:
            self._flush_high()
            self._high = code
        elif 0xDC00 <= code <= 0xDFFF:
            if self._high is None:
                self._emit(_REPLACEMENT)
            else:
                self._emit(chr(0x10000 + ((self._high - 0xD800) << 10) + (code - 0xDC00)))
                self._high = None
        else:
            self._put(chr(code))

    def _put(self, ch: str) -> None:
        self._flush_high()
        self._emit(ch)

    def _flush_high(self) -> None:
        if self._high is not None:  # a high surrogate with no low half after it
            self._high = None
            self._emit(_REPLACEMENT)

    def _emit(self, ch: str) -> None:
        if self._role == "field":
            self._parts.append(ch)
        elif self._role == "key":
            self._key.append(ch)

    def _close_string(self) -> None:
        self._flush_high()
        if self._role == "key":
            self._last_key = "".join(self._key)
        elif self._role == "field":
            self.complete = True
        self._in_string = False
        self._role = "other"
