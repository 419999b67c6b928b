"""Secrets are removed from text before it is stored or shown to a model.

Each kind of secret has a detector: a regular expression that finds candidates, the group that
holds the secret itself (so a label such as "password:" can stay and keep the sentence readable),
and where a checksum exists a validator that rejects look-alikes (Luhn for card numbers, mod-97 and
the country's length for IBANs), so order numbers and references stay. Every detector runs over
the whole text and reports spans; overlapping spans are merged into their union and each merged
span becomes one marker, "[redacted <kind>]", named after the span that starts first. Markers are
never matched again, so redacting twice changes nothing. Detection leans towards redacting: a
false positive hides a number from the user's memory, a false negative leaks a credential into the
database and every prompt built from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MARKER = "[redacted {kind}]"
_NOT_MARKER = r"(?!\[redacted )"


@dataclass(frozen=True)
class Redaction:
    """Text with every secret replaced by a marker, and the kinds found in order of appearance."""

    text: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class _Detector:
    """One kind of secret: where to look, which group is the secret, and how to check it."""

    kind: str
    pattern: re.Pattern[str]
    group: int | str = 0
    valid: Callable[[str], bool] | None = None


def _luhn(digits: str) -> bool:
    """Whether a digit string passes the Luhn check used by every card network."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(candidate: str) -> bool:
    """Whether a candidate is a plausible card number: 13-19 digits, Luhn-valid, not one digit."""
    digits = re.sub(r"[ -]", "", candidate)
    # "0000 0000 0000 0000" passes Luhn but is a placeholder, not a card.
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn(digits)


# Official IBAN lengths per country (SWIFT IBAN registry); the length alone rejects most look-alikes.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def _iban_valid(compact: str) -> bool:
    """Whether a compact upper-case IBAN has its country's length and passes mod-97."""
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


_IBAN_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,32}")


def _iban_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of valid IBANs; a candidate is cut to its country's length before the check."""
    pos = 0
    while (m := _IBAN_CANDIDATE.search(text, pos)) is not None:
        pos = m.start() + 1
        length = _IBAN_LENGTHS.get(m.group()[:2].upper())
        if length is None:
            continue
        # The greedy candidate may run into the next word ("... 3000 IS"), so count characters
        # up to the country's length and require the IBAN to end there.
        count, end = 0, m.start()
        for i in range(m.start(), m.end()):
            if text[i] != " ":
                count += 1
            if count == length:
                end = i + 1
                break
        if count != length or (end < len(text) and text[end].isalnum()):
            continue
        if _iban_valid(text[m.start() : end].replace(" ", "").upper()):
            yield m.start(), end
            pos = end


def _has_digit_and_letter(value: str) -> bool:
    """Whether a value mixes digits and letters, as generated keys do and words do not."""
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _random_looking(value: str) -> bool:
    """Whether a labelled value looks generated: digits and letters, or long mixed-case."""
    if _has_digit_and_letter(value):
        return True
    letters = [c for c in value if c.isalpha()]
    return (
        len(value) >= 20 and any(c.isupper() for c in letters) and any(c.islower() for c in letters)
    )


# Words that follow "password is" in ordinary sentences ("the password is incorrect").
_PASSWORD_PROSE = frozenset((
    "a", "an", "the", "this", "that", "it", "its", "my", "your", "his", "her", "our", "their",
    "same", "different", "incorrect", "wrong", "invalid", "correct", "required", "optional",
    "mandatory", "expired", "weak", "strong", "too", "not", "still", "now", "being", "case",
    "changed", "reset", "missing", "empty", "saved", "stored", "set", "long", "short", "secure",
    "insecure", "easy", "hard", "safe", "ok", "okay", "fine", "in", "on", "at", "for", "to",
    "also", "very", "quite", "really", "something", "nothing", "managed", "protected", "hidden",
    "visible", "shown", "encrypted", "needed", "used", "and", "or", "but", "so", "because", "if",
    "when", "which", "what", "where", "who", "how", "never", "always", "written", "sent", "given",
    "below", "above", "here", "there", "must", "should", "click", "enter", "forgot", "please",
    "tap", "type", "choose", "create", "confirm",
))  # fmt: skip


def _password_value(value: str) -> bool:
    """Whether the token after a password label is a value rather than the next word of prose."""
    word = value.strip(".,;:!?\"'")
    # "will be emailed", "is usually ..." : a lower-case -ed or -ly word continues the sentence.
    if word.isalpha() and word.islower() and word.endswith(("ed", "ly")):
        return False
    return word.lower() not in _PASSWORD_PROSE


_BOUNDARY_L = r"(?<![A-Za-z0-9_])"
# An underscore may precede a password label (DB_PASSWORD=...), a digit may not (1Password).
_PASSWORD_L = r"(?<![A-Za-z0-9])"
_PASSWORD_LABEL = (
    r"(?:pass(?:word|wd|code|phrase)|pass\s+phrase|pwd|pw|"
    r"passwort|kennwort|mot\s+de\s+passe|contrase(?:ñ|n)a|senha)"
)
# A value is a quoted string or a run of non-space characters; trailing sentence punctuation is
# left outside because "hunter2." at the end of a sentence means "hunter2".
_VALUE = _NOT_MARKER + r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|\S+?)(?=[.,;:!?)\]]*(?:\s|$))"""
# A code stands alone: not part of a longer number, a decimal, a date or a time.
_CODE = r"(?P<v>\d{4,8}|\d{3}[ -]\d{3})(?!\d|[.,:/-]\d)"
_CODE_L = r"(?<!\d)(?<!\d[.,:/-])"
# Words that announce a one-time code; "your/the/use ... code" only with a name in between that is
# not one of the codes that are no secret (zip, area, promo, error, tracking...).
_OTP_WORD = (
    r"(?:(?:verification|verify|security|login|log-in|sign-in|signin|authentication|auth|"
    r"confirmation|access|one[- ]time|otp|2fa|mfa|two[- ]factor|sms|text|sign-on|device)\s+"
    r"(?:code|pin|passcode|password|number)|one[- ]time\s+(?:code|passcode|password|pin)|"
    r"otp|2fa|mfa|totp|(?:your|the|enter|use|with|this)\s+"
    r"(?:(?!(?:zip|postal|post|area|country|dial|source|promo|discount|coupon|error|status|exit|"
    r"return|tax|product|reference|ref|booking|tracking|order|invoice|sort|swift|bank|branch|"
    r"routing|language|airport|dress|color|colour|qr|bar)\b)(?-i:[A-Z][\w.&-]*)\s+){0,2}code)"
)
# What may follow "code" without it being a one-time code.
_OTP_NOT_AFTER = r"(?!\s+(?:review|base|snippet|editor|style|of\s+conduct|block|sample|example))"
_OTP_GAP = r"(?:\s+(?:for|from|to)\s+[^\n\d]{1,30}?)?[\s:=#(-]*(?:(?:is|was|reads)\b[\s:=#(-]*)?"

_DETECTORS: tuple[_Detector, ...] = (
    _Detector(
        "private-key",
        re.compile(
            r"(?<!-)-{3,}\s*BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?\s*-{3,}.*?"
            r"(?:-{3,}\s*END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?\s*-{3,}|\Z)",
            re.S,
        ),
    ),
    _Detector(
        "card",
        re.compile(
            r"(?<![\w.,-])(?:\d{13,19}|\d{4}(?P<s>[ -])\d{4}(?P=s)\d{4}(?P=s)\d{1,4}(?:(?P=s)\d{1,3})?"
            r"|\d{4}(?P<t>[ -])\d{6}(?P=t)\d{4,5})(?![\w-]|[.,]\d)"
        ),
        valid=_card,
    ),
    _Detector(
        "api-key",
        re.compile(
            _BOUNDARY_L + r"(?:(?:AKIA|ASIA)[A-Z0-9]{16}"
            r"|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}"
            r"|glpat-[A-Za-z0-9_-]{20,}"
            r"|xox[abprs]-[A-Za-z0-9-]{10,}"
            r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"
            r"|AIza[0-9A-Za-z_-]{35}"
            r"|sk-ant-[A-Za-z0-9_-]{20,}"
            r"|sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{20,}"
            r"|hf_[A-Za-z0-9]{30,}"
            r"|npm_[A-Za-z0-9]{36}"
            r"|SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"
            r"|SK[0-9a-fA-F]{32}"
            r"|eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)" + r"(?![A-Za-z0-9_-])"
        ),
    ),
    _Detector(
        "api-key",
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
    ),
    _Detector(
        "api-key",
        re.compile(
            r"(?i)\baws_?secret(?:_?access)?_?key\b[\"']?\s*[:=]\s*[\"']?"
            r"(?P<v>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
        group="v",
    ),
    _Detector(
        "api-key",
        re.compile(
            r"(?i)\b(?:authorization\s*:\s*)?(?:bearer|token)\s+"
            + _NOT_MARKER
            + r"(?P<v>[A-Za-z0-9._~+/-]{20,}=*)"
        ),
        group="v",
        valid=_has_digit_and_letter,
    ),
    _Detector(
        "api-key",
        re.compile(
            r"(?i)\bauthorization\s*:\s*(?:basic|bearer|token)\s+" + _NOT_MARKER + r"(?P<v>\S+)"
        ),
        group="v",
    ),
    _Detector(
        "api-key",
        re.compile(
            r"(?i)\b[\w.-]{0,40}?(?:api[_ -]?key|apikey|api[_ -]?secret|api[_ -]?token|secret[_ -]?key|"
            r"client[_ -]?secret|access[_ -]?token|auth[_ -]?token|refresh[_ -]?token|"
            r"private[_ -]?key|secret|token)[\w.-]{0,40}?[\"']?\s*[:=]\s*[\"']?"
            + _NOT_MARKER
            + r"(?P<v>[A-Za-z0-9._~+/=-]{16,})"
        ),
        group="v",
        valid=_random_looking,
    ),
    # Before the passwords, so "one-time passcode ... is 1234" is reported as a one-time code.
    _Detector(
        "otp",
        re.compile(r"(?i)\b" + _OTP_WORD + r"\b" + _OTP_NOT_AFTER + _OTP_GAP + _CODE_L + _CODE),
        group="v",
    ),
    _Detector(
        "otp",
        re.compile(
            _CODE_L + r"(?<!\d[ -])" + _CODE + r"\s+is\s+(?:your|the)\s+(?:[\w.&'-]+\s+){0,3}?"
            r"(?i:code|otp|pin|passcode|password|one[- ]time\s+\w+)\b"
        ),
        group="v",
    ),
    _Detector(
        "password",
        re.compile(r"(?i)" + _PASSWORD_L + _PASSWORD_LABEL + r"[\"']?\s*[:=]\s*" + _VALUE),
        group="v",
        valid=_password_value,
    ),
    _Detector(
        "password",
        re.compile(
            r"(?i)"
            + _PASSWORD_L
            + _PASSWORD_LABEL
            + r"(?:\s+(?:for|to|of|on)(?:\s+[\w'-]+){1,4}?)?\s+(?:is|was|will\s+be)\s*:?\s+"
            + _VALUE
        ),
        group="v",
        valid=_password_value,
    ),
    # A phrase is several words, so everything to the end of the line is the secret.
    _Detector(
        "password",
        re.compile(
            r"(?i)\b(?:pass\s*phrase|seed\s+phrase|recovery\s+phrase|mnemonic)\s*[:=]\s*"
            + _NOT_MARKER
            + r"(?P<v>\S(?:[^\n]*\S)?)"
        ),
        group="v",
    ),
    # "the pin is loose" and "Pin: Dropped pin" are prose: a PIN is digits.
    _Detector(
        "password",
        re.compile(
            r"(?i)(?<![A-Za-z0-9])pin(?:\s+(?:code|number))?\s*(?:[:=#]|is\b|was\b)\s*"
            r"(?P<v>\d{4,12})(?!\d|[.,:/-]\d)"
        ),
        group="v",
    ),
    _Detector("password", re.compile(r"(?<=://)[^\s/:@]+:(?P<v>[^\s/@]+)@"), group="v"),
)


def _matches(det: _Detector, text: str) -> Iterator[tuple[int, int]]:
    """Spans of one detector's valid secrets; a rejected candidate does not hide a later one."""
    pos = 0
    while (m := det.pattern.search(text, pos)) is not None:
        value = m.group(det.group)
        if value and (det.valid is None or det.valid(value)):
            yield m.start(det.group), m.end(det.group)
            pos = max(m.end(), m.start() + 1)
        else:
            # A rejected candidate may overlap a real secret that starts inside it.
            pos = m.start() + 1


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Every secret's span and kind, unmerged."""
    found = [(s, e, det.kind) for det in _DETECTORS for s, e in _matches(det, text)]
    found.extend((s, e, "iban") for s, e in _iban_spans(text))
    return found


def secret_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every secret, overlapping ones merged, in order."""
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(_spans(text), key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            first, last, first_kind = merged[-1]
            merged[-1] = (first, max(last, end), first_kind)
        else:
            merged.append((start, end, kind))
    return merged


def redact(text: str) -> Redaction:
    """Replace every secret in the text with a marker naming its kind."""
    return redact_spans(text, secret_spans(text))


def redact_spans(text: str, spans: list[tuple[int, int, str]]) -> Redaction:
    """Replace the given merged (start, end, kind) spans of the text with markers."""
    parts: list[str] = []
    pos = 0
    for start, end, kind in spans:
        parts += [text[pos:start], MARKER.format(kind=kind)]
        pos = end
    parts.append(text[pos:])
    return Redaction("".join(parts), tuple(kind for _, _, kind in spans))


def contains_secret(text: str) -> bool:
    """Whether redact() would change the text."""
    return bool(_spans(text))
