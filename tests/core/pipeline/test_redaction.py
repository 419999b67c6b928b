"""Secret redaction: every corpus secret disappears, ordinary numbers and words stay."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.pipeline.redaction import Redaction, contains_secret, redact

DATA = Path(__file__).resolve().parents[2] / "data"
KINDS = {"card", "api-key", "private-key", "password", "otp", "iban"}


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _secrets() -> list[tuple[str, str, str]]:
    rows = []
    for line in _lines("secrets.txt"):
        kind, text, secret = line.split("\t")
        rows.append((kind, text.replace("\\n", "\n"), secret))
    return rows


SECRETS = _secrets()
NOT_SECRETS = _lines("not_secrets.txt")


def _compact(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def test_corpora_are_large_and_cover_every_kind() -> None:
    assert len(SECRETS) >= 40
    assert len(NOT_SECRETS) >= 25
    assert {kind for kind, _, _ in SECRETS} == KINDS
    assert all(secret in text for _, text, secret in SECRETS)


@pytest.mark.parametrize(("kind", "text", "secret"), SECRETS, ids=[r[1][:40] for r in SECRETS])
def test_secret_is_removed_and_its_kind_reported(kind: str, text: str, secret: str) -> None:
    result = redact(text)
    assert secret not in result.text
    if kind in {"card", "iban"}:
        assert _compact(secret) not in _compact(result.text)
    assert kind in result.kinds
    assert f"[redacted {kind}]" in result.text
    assert contains_secret(text)


@pytest.mark.parametrize(("kind", "text", "secret"), SECRETS, ids=[r[1][:40] for r in SECRETS])
def test_redacting_twice_changes_nothing(kind: str, text: str, secret: str) -> None:
    once = redact(text).text
    assert redact(once) == Redaction(once, ())
    assert not contains_secret(once)


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact(text) == Redaction(text, ())
    assert not contains_secret(text)


def test_label_stays_and_only_the_value_goes() -> None:
    assert redact("password: hunter2").text == "password: [redacted password]"
    assert redact("My password is hunter2.").text == "My password is [redacted password]."
    assert redact("Your verification code is 482913").text == (
        "Your verification code is [redacted otp]"
    )


def test_card_failing_luhn_stays() -> None:
    assert not contains_secret("order 4111 1111 1111 1112 shipped")
    assert contains_secret("order 4111 1111 1111 1111 shipped")


def test_iban_failing_mod97_stays() -> None:
    assert not contains_secret("IBAN DE88 3704 0044 0532 0130 00")
    assert not contains_secret("IBAN GB82 WEST 1234 5698 7654 33")
    assert redact("IBAN DE89 3704 0044 0532 0130 00").kinds == ("iban",)


def test_iban_stops_at_its_country_length() -> None:
    result = redact("send to DE89 3704 0044 0532 0130 00 IS fine")
    assert result.text == "send to [redacted iban] IS fine"


def test_private_key_without_end_is_redacted_to_the_end() -> None:
    text = "here:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXkFAKE\nAAAAFAKEmore\n"
    result = redact(text)
    assert result == Redaction("here:\n[redacted private-key]", ("private-key",))


def test_text_after_a_private_key_block_is_kept() -> None:
    text = "a\n-----BEGIN EC PRIVATE KEY-----\nMHcFAKE\n-----END EC PRIVATE KEY-----\nafter"
    assert redact(text).text == "a\n[redacted private-key]\nafter"


def test_overlapping_secrets_are_redacted_as_their_union() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.FAKEsigFAKEsig0123"
    text = f"Authorization: Bearer {jwt}\nnext line"
    result = redact(text)
    assert result.text == "Authorization: Bearer [redacted api-key]\nnext line"
    assert result.kinds == ("api-key",)
    # A labelled AWS secret matches both the AWS and the generic detector.
    aws = "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert redact(aws).text == "aws_secret_access_key=[redacted api-key]"


def test_kinds_follow_the_order_of_appearance() -> None:
    text = "OTP: 5521, card 4111111111111111, password: hunter2, code 5521 again: OTP 1234"
    assert redact(text).kinds == ("otp", "card", "password", "otp")


def test_live_vendor_key_forms() -> None:
    # Assembled here so the repository holds no string a secret scanner would take for a live key.
    for prefix in ("sk_" + "live_", "rk_" + "live_", "pk_" + "live_"):
        key = prefix + "FAKE0123456789abcdefWXYZ"
        assert redact(f"key {key} end").text == "key [redacted api-key] end"
    for prefix in ("ghu_", "ghs_", "ghr_"):
        key = prefix + "FAKE" + "a1" * 16
        assert redact(key).kinds == ("api-key",)
    assert redact("xoxp-1234-5678-FAKEfake").kinds == ("api-key",)


def test_phrase_in_prose_is_not_a_password() -> None:
    for text in ("Reset your password by Friday.", "the password is too weak", "Password manager"):
        assert not contains_secret(text)
