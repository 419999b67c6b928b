"""Plain-text analysis shared by extraction, retrieval and the hashing embedder.

Tokens are lower-cased words (letters, digits, inner apostrophes and hyphens); stopwords are the
English function words that carry no topic, kept short on purpose so that words such as "not" or
"never", which change a fact's meaning, are not among them.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    """
    a about above after again all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves s t d
    ll m re ve tell know remember recall please anything something thing things
    """.split()
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens, with possessive 's removed ("Alice's" -> "alice")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    tokens = []
    for tok in _TOKEN_RE.findall(folded):
        tok = tok.replace("’", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        tokens.append(tok)
    return tokens


def content_words(text: str) -> list[str]:
    """Tokens that are not stopwords, in order."""
    return [t for t in tokenize(text) if t not in STOPWORDS]


_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""))


def stem(word: str) -> str:
    """A light suffix strip ("meetings" -> "meet", "budgets" -> "budget") for word features."""
    for suffix, replacement in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    return word


def stems(text: str) -> set[str]:
    """The stemmed content words of a text."""
    return {stem(word) for word in content_words(text)}
