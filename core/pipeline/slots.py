"""Slots: the subject, attribute and value a statement sets, so a new value can supersede an old.

"My dentist is Dr. Lee" sets (user, dentist, Dr. Lee); "I live in Lisbon now" sets (user,
residence, Lisbon); "Ana just moved to Porto" sets (ana, residence, Porto); "I no longer work at
Acme" clears (user, employer, Acme). A change stated without its attribute ("I switched to Dr.
Park") has an empty attribute; the update step pairs it with the live slot whose value has the
same shape (a "Dr." title, a capitalised name). This is the rule path's answer to Mem0's UPDATE
and DELETE decisions: deterministic, explainable, and only for the phrasings it knows, leaving
everything else to similarity thresholds (or to the model, when one is installed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import tokenize

_NAME = r"[A-Z][\w'\-]*(?:\.)?(?:\s+(?:de |da |van |von |del |la )?[A-Z][\w'\-]*\.?)*"
_VALUE_TAIL = re.compile(
    r"\s*(?:,|;|\bnow\b|\bthese days\b|\banymore\b|\bany more\b|\bsince\b|\bfor\b|\bbecause\b|"
    r"\bwhich\b|\bwho\b|\band\b|\bbut\b|\bas\b|\bat\b|\bin\b|\bwith\b|\bstarting\b|\bfrom\b|\bafter\b|\bin (?:january|"
    r"february|march|april|may|june|july|august|september|october|november|december)\b|"
    r"\blast\b|\bthis\b|\bnext\b|\btoday\b|\byesterday\b|\bat the\b|[.!?]).*$",
    re.I,
)
_TITLE_DOT = re.compile(r"\b(Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr)\.")
_ARTICLE = re.compile(r"^(?:a|an|the|my|our)\s+", re.I)

# Canonical attributes and the words that name them (also used to judge a question's relevance).
ATTRIBUTE_WORDS: dict[str, frozenset[str]] = {
    "car": frozenset(["car", "drive", "drives", "driving"]),
    "residence": frozenset(
        ["live", "lives", "living", "home", "city", "reside", "moved", "move", "based", "where"]
    ),
    "employer": frozenset(["work", "works", "working", "job", "employer", "company", "employed"]),
    "role": frozenset(["job", "role", "title", "position", "work", "profession"]),
}

_MY_ATTR = re.compile(
    r"\bmy (?:new |current |old )?(?P<attr>(?:[a-z]+[ \-]){0,2}?[a-z]+)(?:'s name)? "
    r"(?:is|are|is now|are now|has become|became|was changed to) (?P<value>[^.!?;]+)",
    re.I,
)
_IS_MY = re.compile(rf"(?P<value>{_NAME}) is my (?:new )?(?P<attr>[a-z]+(?: [a-z]+)?)\b", re.I)
_LIVE = re.compile(
    r"\b(?P<subj>I|we|(?:[A-Z][a-z]+))(?:'ve| have| has)? (?:just |recently |finally |now |"
    r"officially )?(?:live|lives|am living|'m living|is living|moved|relocated|am based|'m based|"
    r"is based|settled|have settled)(?: back)? (?:in|to) (?P<value>(?:the )?[A-Z][\w'\- ]*)",
)
_WORK = re.compile(
    r"\b(?P<subj>I|(?:[A-Z][a-z]+))(?:'ve| have| has)? (?:just |recently |now )?(?:work|works|"
    r"am working|'m working|is working|joined|started (?:a new job |working )?at|got a job at|"
    r"took a job at|accepted an offer from)(?: at| for)? (?P<value>[A-Z][\w&'\- ]*)",
)
_ROLE = re.compile(
    r"\b(?P<subj>I|(?:[A-Z][a-z]+)) (?:work|works|am working|'m working) as (?:a |an )?"
    r"(?P<value>[a-z][\w\- ]*)",
)
_DRIVE = re.compile(
    r"\b(?P<subj>I|(?:[A-Z][a-z]+)) (?:now )?(?:drive|drives) (?:an? |the )?(?:old |new )?"
    r"(?P<value>[\w\- ]+)"
)
_CHANGE = re.compile(
    r"\bI(?:'ve| have)? (?:just |finally |recently )?(?:switched|changed|moved over) to "
    r"(?P<value>[^.!?;,]+?)(?: as my (?P<attr>[a-z]+(?: [a-z]+)?))?(?=[.!?;,]|$| now\b| this\b)",
    re.I,
)
_CHANGED_MY = re.compile(
    r"\b(?:I )?(?:changed|switched|moved) my (?P<attr>[a-z]+(?: [a-z]+)?) (?:to|over to) "
    r"(?P<value>[^.!?;,]+)",
    re.I,
)
_NEW_THING = re.compile(
    r"^(?:my )?new (?P<attr>[a-z]+(?: [a-z]+)?)[:!]\s+(?:an? |the )?(?P<value>[^.!?;,]+)", re.I
)
_NEGATION = re.compile(
    r"\b(?P<subj>I|(?:[A-Z][a-z]+)) (?:no longer|don't|do not|doesn't|does not) "
    r"(?P<verb>live|work)s? (?:in|at|for) (?P<value>[A-Z][\w'\- ]*?)(?: anymore| any more)?"
    r"(?=[.!?;,]|$| anymore| any more)",
)
_QUIT = re.compile(
    r"\bI (?:quit|left|resigned from) (?:my job at |my position at )?(?P<value>[A-Z][\w&'\- ]*)"
)
_ATTR_CANON = {
    "home town": "hometown",
    "favorite": "favourite",
    "favorite food": "favourite food",
    "favorite color": "favourite colour",
    "favourite color": "favourite colour",
    "employer": "employer",
    "job": "role",
    "job title": "role",
    "address": "address",
}
_VAGUE_ATTRS = frozenset(
    [
        "plan", "idea", "point", "guess", "problem", "question", "bad", "fault", "pleasure",
        "turn", "day", "week", "life", "goal", "hope", "concern", "worry", "issue", "thing",
        "mind", "head", "feeling", "advice", "answer", "opinion", "favourite", "treat",
    ]
)  # fmt: skip


@dataclass(frozen=True)
class Slot:
    """One subject's attribute and the value a statement gives it (or takes away from it)."""

    subject: str  # "user" or a person's name, casefolded
    attribute: str  # canonical attribute; "" for a change that does not name it
    value: str
    negated: bool = False

    @property
    def key(self) -> str:
        return f"{self.subject}|{self.attribute}"

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "key": self.key,
            "subject": self.subject,
            "attribute": self.attribute,
            "value": self.value,
            "negated": self.negated,
        }

    @classmethod
    def from_dict(cls, raw: object) -> Slot | None:
        if not isinstance(raw, dict):
            return None
        try:
            return cls(
                str(raw["subject"]),
                str(raw["attribute"]),
                str(raw["value"]),
                bool(raw.get("negated", False)),
            )
        except KeyError:
            return None


def _clean_value(raw: str) -> str:
    value = _VALUE_TAIL.sub("", raw.strip())
    value = _ARTICLE.sub("", value.strip()) if not re.match(r"^the [A-Z]", value) else value
    return value.strip(" '\"")


def _subject(word: str, speaker: str | None) -> str | None:
    lowered = word.casefold()
    return speaker if lowered in ("i", "we") else lowered


def _canonical(attr: str) -> str:
    attr = attr.casefold().strip().replace("-", " ")
    return _ATTR_CANON.get(attr, attr)


# Attributes that hold several values at once: a second sister does not replace the first.
MULTI_VALUED = frozenset(
    [
        "sister", "brother", "friend", "best friend", "cousin", "colleague", "coworker", "kid",
        "child", "son", "daughter", "aunt", "uncle", "neighbour", "neighbor", "hobby", "pet",
        "niece", "nephew", "grandchild", "client", "teammate", "classmate", "language",
    ]
)  # fmt: skip


def slot_of(text: str, speaker: str | None = "user") -> Slot | None:
    """The slot a statement sets, if it is phrased in a way the rules know; `speaker` is the
    subject of first-person statements ("user", or the casefolded name of another speaker, or
    None when nobody knows who "I" is, as in captured screen text)."""
    if "?" in text:
        return None
    text = _TITLE_DOT.sub(r"\1", text)  # "Dr. Lee" is one value, not the end of a sentence
    for pattern, verb_attr in ((_NEGATION, ""), (_QUIT, "employer")):
        match = pattern.search(text)
        if match:
            groups = match.groupdict()
            attribute = verb_attr or ("residence" if groups["verb"] == "live" else "employer")
            subject = _subject(groups.get("subj") or "I", speaker)
            value = _clean_value(match.group("value"))
            if value and subject:
                return Slot(subject, attribute, value, negated=True)
    if speaker is None:
        return _third_person(text)
    for pattern in (_CHANGED_MY, _NEW_THING):
        match = pattern.search(text)
        if match:
            attr = _canonical(match.group("attr"))
            value = _clean_value(match.group("value"))
            if attr not in _VAGUE_ATTRS and value:
                return Slot(speaker, attr, value)
    match = _MY_ATTR.search(text)
    if match:
        attr = _canonical(match.group("attr"))
        value = _clean_value(match.group("value"))
        if attr not in _VAGUE_ATTRS and value and len(value.split()) <= 6:
            return Slot(speaker, attr, value)
    match = _IS_MY.search(text)
    if match and not match.group("value").casefold().startswith(("this", "that", "it", "he")):
        attr = _canonical(match.group("attr"))
        value = _clean_value(match.group("value"))
        if attr not in _VAGUE_ATTRS and value:
            return Slot(speaker, attr, value)
    found = _third_person(text, speaker)
    if found is not None:
        return found
    match = _CHANGE.search(text)
    if match:
        value = _clean_value(match.group("value"))
        attr = _canonical(match.group("attr") or "")
        if value:
            return Slot(speaker, attr, value)
    return None


def _third_person(text: str, speaker: str | None = None) -> Slot | None:
    for pattern, attribute in (
        (_LIVE, "residence"),
        (_ROLE, "role"),
        (_WORK, "employer"),
        (_DRIVE, "car"),
    ):
        match = pattern.search(text)
        if match:
            value = _clean_value(match.group("value"))
            subject = _subject(match.group("subj"), speaker)
            if value and subject:
                return Slot(subject, attribute, value)
    return None


def value_shape(value: str) -> str:
    """A coarse shape of a value, so an unnamed change can find the slot it belongs to."""
    first = value.split()[0].rstrip(".").casefold() if value.split() else ""
    if first in ("dr", "doctor", "prof", "mr", "mrs", "ms"):
        return "title:dr" if first in ("dr", "doctor") else f"title:{first}"
    if re.fullmatch(r"[\d.,:]+\s*\w*", value):
        return "number"
    if value[:1].isupper():
        return "name"
    return "word"


def same_value(a: str, b: str) -> bool:
    """True when two slot values name the same thing, ignoring case, punctuation and articles."""
    return tokenize(_ARTICLE.sub("", a)) == tokenize(_ARTICLE.sub("", b))
