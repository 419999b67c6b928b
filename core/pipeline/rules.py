"""The rule path of extraction: observations to typed memories without any model.

It is what makes Mnemo useful on first launch. Text is split into sentences; chit-chat, questions
and fragments are dropped; each remaining sentence is typed by patterns (a secret is `vault`, a URL
or file is `resource`, instructions are `procedural`, lasting facts the user states about
themselves are `core`, dated or past events are `episodic`, the rest `semantic`); dates are grounded
against the observation's own time; names, quantities and dates go into `fields`. A sentence
spoken by someone other than the user keeps the speaker's name in the memory text, so "where does
Alice live" finds "Alice: I moved to Berlin". Assistant turns yield only procedures and resources:
an assistant's small talk is not a memory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.dates import MONTHS, WEEKDAYS, find_dates, start_of_day
from core.memory import Memory, MemoryType, Observation, Trust
from core.text import STOPWORDS, content_words

_ABBREVIATIONS = (
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd",
    "no", "approx", "dept", "est", "mt", "ave", "fig", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec",
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_PATH = re.compile(
    r"(?:^|\s)(?:~|/|[A-Za-z]:\\)[\w.\-/\\]+|\b[\w\-]+\.(?:pdf|docx?|xlsx?|pptx?|csv|md|txt|png|jpe?g|zip)\b",
    re.I,
)
_SECRET = re.compile(
    r"\b(password|passcode|passphrase|pin(?: code)?|account number|iban|routing number|"
    r"social security|ssn|passport number|credit card|card number|cvv|license number|"
    r"seed phrase|recovery code|api key|secret key|(?:access|door|gate|locker|alarm|safe) code|"
    r"wi-?fi password|combination)\b",
    re.I,
)
_HAS_VALUE = re.compile(r"\d{3,}|[A-Za-z0-9]{6,}\W*$|\bis\s+\S+")
_PROCEDURE = re.compile(
    r"^(?:to\s+\w+.*?,|first\b|then\b|next\b|finally\b|step\s+\d|run\b|install\b|open\b|click\b|"
    r"press\b|type\b|go to\b|set\b|restart\b|enable\b|disable\b|use\b|make sure\b|remember to\b|"
    r"don'?t forget to\b|always\b|never\b)|\bhow to\b|\bthe way to\b|`[^`]+`",
    re.I,
)
_CORE = re.compile(
    r"\b(?:my name is|call me|i am (?:a|an)\b|i'm (?:a|an)\b|i live in|i'm living in|i work (?:at|as|for|in)|"
    r"i'm working (?:at|as|for)|i prefer|i like|i love|i enjoy|i hate|i dislike|i don'?t like|"
    r"i can'?t stand|my fav(?:ou)?rite|i'?m allergic|i am allergic|i'?m (?:vegetarian|vegan)|"
    r"i was born|my birthday|i speak|i'm from|i am from|my (?:wife|husband|partner|girlfriend|"
    r"boyfriend|son|daughter|kids?|children|mother|mom|father|dad|brother|sister|dog|cat|boss|"
    r"manager|dentist|doctor|therapist|friend|best friend|team|landlord)\b.*\b(?:is|are|'s)\b)(?!\w)",
    re.I,
)
_EVENT = re.compile(
    r"\b(?:met|went|visited|had|saw|called|bought|sold|finished|started|moved|decided|agreed|"
    r"talked|attended|joined|left|arrived|flew|drove|ate|signed|launched|shipped|fixed|broke|lost|"
    r"found|won|graduated|married|adopted|booked|ordered|paid|received|sent|wrote|read|watched|"
    r"played|ran|painted|celebrated|hosted|took|gave|got|spent|tried|learned|presented|"
    r"am going|are going|is going|will|have a|has a)\b",
    re.I,
)
_FILLER = re.compile(
    r"^(?:hi|hello|hey|thanks?|thank you|ok(?:ay)?|sure|yes|no|yeah|yep|nope|cool|great|nice|"
    r"awesome|lol|haha|bye|good night|good morning|sounds good|got it|see you|wow|oh|hmm|right|"
    r"of course|no problem|you're welcome|me too|perfect|congrats|congratulations|ugh|yay|oops|"
    r"sorry|welcome|cheers|good luck|well done|nice one)\b[\s!.,]*(?:\w+[\s!.,]*){0,2}$",
    re.I,
)
_PROPER = re.compile(r"(?<!^)\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*|[A-Z]{2,})\b")
_TITLES = frozenset(["dr", "mr", "mrs", "ms", "prof", "st", "sr", "jr"])
_QUANTITY = re.compile(
    r"(?:[$€£]\s?\d+(?:[,.]\d+)*|\d+(?:[,.]\d+)*\s?(?:%|percent|dollars?|euros?|usd|eur|kg|km|miles?|"
    r"hours?|minutes?|mins?|days?|weeks?|months?|years?|people|times|gb|mb|tb)\b)",
    re.I,
)
_CALENDAR_WORDS = frozenset([*WEEKDAYS, *MONTHS, "today", "yesterday", "tomorrow"])
IMPORTANCE = {
    MemoryType.VAULT: 0.9,
    MemoryType.CORE: 0.8,
    MemoryType.PROCEDURAL: 0.6,
    MemoryType.EPISODIC: 0.5,
    MemoryType.RESOURCE: 0.5,
    MemoryType.SEMANTIC: 0.5,
}


@dataclass(frozen=True)
class SpeakerRoles:
    """Which speaker names mean the user and which the assistant (case-insensitive)."""

    user: frozenset[str]
    assistant: frozenset[str]

    @classmethod
    def of(cls, user: Sequence[str], assistant: Sequence[str]) -> SpeakerRoles:
        return cls(
            frozenset(u.casefold() for u in user), frozenset(a.casefold() for a in assistant)
        )

    def trust(self, speaker: str | None) -> Trust:
        name = (speaker or "").casefold()
        if name in self.assistant:
            return Trust.ASSISTANT
        if name in self.user or not name:
            return Trust.USER
        return Trust.IMPORT


_LEADING_NAME = re.compile(
    r"^([A-Z][a-z]+)(?=\s+(?:is|was|has|had|just|will|lives|lived|moved|said|says|told|called|"
    r"and|works|worked|wants|asked|got|went|loves|likes|started|joined|left|sent|bought)\b|'s\b)"
)


def _entities(sentence: str) -> list[str]:
    """Capitalised names in the sentence, without calendar words ("Tuesday Priya" -> "Priya").

    A capitalised first word is a name only when a verb follows it ("Ana is my sister"), since
    every sentence starts with a capital.
    """
    names: set[str] = set()
    leading = _LEADING_NAME.match(sentence.strip())
    if leading and leading.group(1).casefold() not in _CALENDAR_WORDS | STOPWORDS:
        names.add(leading.group(1))
    for match in _PROPER.finditer(sentence):
        words = [
            w
            for w in match.group(1).split()
            if w.casefold() not in _CALENDAR_WORDS and w.casefold() not in _TITLES
        ]
        if words and words != ["I"]:
            names.add(" ".join(words))
    return sorted(names)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations ("Dr. Lee") and URLs intact."""
    pieces: list[str] = []
    buffer = ""
    for part in _SENTENCE_END.split(text.strip()):
        if not part or not part.strip():
            continue
        buffer = f"{buffer} {part.strip()}".strip() if buffer else part.strip()
        last = buffer.rsplit(None, 1)[-1].rstrip(".").casefold() if buffer else ""
        if buffer.endswith(".") and (last in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last)):
            continue
        pieces.append(buffer)
        buffer = ""
    if buffer:
        pieces.append(buffer)
    return pieces


def classify(sentence: str, is_user: bool, has_date: bool) -> MemoryType:
    """The memory type a sentence's wording points to."""
    if _SECRET.search(sentence) and _HAS_VALUE.search(sentence):
        return MemoryType.VAULT
    if _URL.search(sentence) or _PATH.search(sentence):
        return MemoryType.RESOURCE
    if _PROCEDURE.search(sentence):
        return MemoryType.PROCEDURAL
    if is_user and _CORE.search(sentence) and not has_date:
        return MemoryType.CORE
    if has_date or _EVENT.search(sentence):
        return MemoryType.EPISODIC
    return MemoryType.SEMANTIC


def is_memorable(sentence: str) -> bool:
    """False for questions, greetings, acknowledgements and fragments."""
    stripped = sentence.strip()
    if stripped.endswith("?") or _FILLER.match(stripped):
        return False
    return len(content_words(stripped)) >= 2 and len(stripped.split()) >= 3


def extract(obs: Observation, roles: SpeakerRoles) -> list[Memory]:
    """Typed candidate memories from one observation, by rules alone."""
    trust = roles.trust(obs.speaker) if obs.speaker is not None else obs.trust
    is_user = trust is Trust.USER
    local_time = obs.time
    memories: list[Memory] = []
    for sentence in split_sentences(obs.text):
        if not is_memorable(sentence):
            continue
        dates = find_dates(sentence, local_time)
        mtype = classify(sentence, is_user, bool(dates))
        if trust is Trust.ASSISTANT and mtype not in (MemoryType.PROCEDURAL, MemoryType.RESOURCE):
            continue
        named = obs.speaker and not is_user and trust is not Trust.ASSISTANT
        text = f"{obs.speaker}: {sentence}" if named else sentence
        fields: dict[str, object] = {}
        if obs.speaker:
            fields["speaker"] = obs.speaker
        entities = _entities(sentence)
        if entities:
            fields["entities"] = entities
        quantities = [q.group(0).strip() for q in _QUANTITY.finditer(sentence)]
        if quantities:
            fields["quantities"] = quantities
        urls = _URL.findall(sentence)
        if urls:
            fields["urls"] = urls
        valid_from = obs.time
        if dates:
            fields["date"] = dates[0].day.isoformat()
            fields["dates"] = [d.as_dict() for d in dates]
            valid_from = start_of_day(dates[0].day, local_time)
        memories.append(
            Memory(
                type=mtype,
                text=text,
                fields=fields,
                valid_from=valid_from,
                sources=[obs.id],
                importance=IMPORTANCE[mtype],
            )
        )
    return memories
