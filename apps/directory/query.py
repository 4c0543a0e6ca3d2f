"""What a homeowner means: "couvreur", "plaquiste", "PAC", "toiture lyon", "plombier paris 11".

The trade words come from a reviewed data file, apps/directory/data/trade_vocabulary.csv
(one everyday word or trade name per line → a category slug of apps/directory/catalog.py);
the places from the gazetteer (apps/directory/places.py). `query_understand` splits one
free-text box into a trade, a place and the words left (a company's name), tolerating a
typo in either. Pure Python over in-memory data: no query, the same answer on every
backend, and `make bench-search` measures it on bench/search_queries.csv.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from apps.directory.places import Place, PlaceResolution, place_understand
from apps.directory.text import fold

VOCABULARY_FILE = Path(__file__).resolve().parent / "data" / "trade_vocabulary.csv"
# The broad trade: chosen only when no more precise word is in the query.
GENERIC_CATEGORY = "renovation-globale"
TYPO_CUTOFF = 0.82
MAX_TERM_WORDS = 6
# Words that say nothing about the trade or the place.
STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "de",
        "des",
        "du",
        "d",
        "l",
        "la",
        "le",
        "les",
        "un",
        "une",
        "pour",
        "mon",
        "ma",
        "mes",
        "son",
        "sa",
        "ses",
        "et",
        "ou",
        "en",
        "sur",
        "dans",
        "chez",
        "par",
        "avec",
        "cherche",
        "recherche",
        "besoin",
        "trouver",
        "trouve",
        "urgent",
        "urgence",
        "devis",
        "prix",
        "tarif",
        "tarifs",
        "pas",
        "cher",
        "bon",
        "bons",
        "meilleur",
        "meilleurs",
        "artisan",
        "artisans",
        "entreprise",
        "entreprises",
        "societe",
        "pro",
        "pros",
        "professionnel",
        "professionnels",
        "qualifie",
        "rge",
        "pres",
        "proche",
        "autour",
        "vers",
        "secteur",
        "region",
        "ville",
        "environs",
        "alentours",
        "je",
        "veux",
        "faire",
        "refaire",
        "changer",
        "remplacer",
        "poser",
        "pose",
        "installer",
        "installation",
        "reparer",
        "reparation",
        "entretien",
        "depannage",
        "nouveau",
        "nouvelle",
        "maison",
        "appartement",
    ]
)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def _term_key(text: str) -> str:
    return " ".join(_singular(word) for word in fold(text).split())


@lru_cache(maxsize=1)
def trade_vocabulary() -> dict[str, str]:
    """Folded, singular term → category slug."""
    with VOCABULARY_FILE.open(encoding="utf-8", newline="") as handle:
        return {_term_key(row["term"]): row["category"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def _single_words() -> list[str]:
    return [key for key in trade_vocabulary() if " " not in key and len(key) >= 4]


@dataclass(frozen=True)
class QueryUnderstanding:
    """``category``: a category slug or ""; ``place``: the place named, if any, with the
    ``alternatives`` an ambiguous name may mean; ``rest``: the words neither (a name)."""

    category: str = ""
    trade_words: str = ""
    place: Place | None = None
    alternatives: tuple[Place, ...] = ()
    place_words: str = ""
    rest: str = ""


def _match_trades(words: list[str]) -> tuple[list[str], list[bool]]:
    """Categories found (in order) and which words they used; longest terms first."""
    vocabulary = trade_vocabulary()
    keys = [_singular(word) for word in words]
    used = [False] * len(words)
    found: list[str] = []
    for size in range(min(MAX_TERM_WORDS, len(words)), 0, -1):
        for start in range(0, len(words) - size + 1):
            if any(used[start : start + size]):
                continue
            category = vocabulary.get(" ".join(keys[start : start + size]))
            if category:
                found.append(category)
                used[start : start + size] = [True] * size
    return found, used


def _typo_trade(word: str) -> str:
    if len(word) < 5 or word in STOPWORDS:
        return ""
    close = difflib.get_close_matches(_singular(word), _single_words(), 1, TYPO_CUTOFF)
    return trade_vocabulary()[close[0]] if close else ""


def trade_understand(text: str) -> str:
    """The category slug a text names ("" if none): exact terms, then one typo."""
    return query_understand(text, places=False).category


def _pick(categories: list[str]) -> str:
    precise = [c for c in categories if c != GENERIC_CATEGORY]
    return (precise or categories or [""])[0]


def _place_from(words: list[str], *, lenient: bool) -> tuple[PlaceResolution, int, int]:
    """The longest run of words that names a place, preferring the last words."""
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size, -1, -1):
            chunk = words[start : start + size]
            if chunk[0] in STOPWORDS and chunk[0] not in {"la", "le", "les", "l"}:
                continue
            resolution = place_understand(" ".join(chunk), lenient=lenient, prefix=False)
            if resolution.place is not None:
                return resolution, start, start + size
    return PlaceResolution(None), 0, 0


def _place_in(
    words: list[str], used: list[bool], *, lenient: bool
) -> tuple[PlaceResolution, tuple[int, int]]:
    """The place named by a run of words not used yet (the last run first); marks its
    words used."""
    spans: list[list[int]] = []
    for index, flag in enumerate(used):
        if flag:
            continue
        if spans and spans[-1][-1] == index - 1:
            spans[-1].append(index)
        else:
            spans.append([index])
    for span in reversed(spans):
        resolution, start, end = _place_from([words[i] for i in span], lenient=lenient)
        if resolution.place is not None:
            start, end = span[0] + start, span[0] + end
            for i in range(start, end):
                used[i] = True
            return resolution, (start, end)
    return PlaceResolution(None), (0, 0)


def query_understand(text: str, *, places: bool = True) -> QueryUnderstanding:
    words = fold((text or "")[:200]).split()[:12]
    if not words:
        return QueryUnderstanding()
    categories, used = _match_trades(words)
    resolution, span = PlaceResolution(None), (0, 0)
    if places and not categories:
        # Names first: "Marseille" is a place, not a typo for "margelle".
        resolution, span = _place_in(words, used, lenient=False)
    if not categories:
        for index, word in enumerate(words):
            category = "" if used[index] else _typo_trade(word)
            if category:
                categories.append(category)
                used[index] = True
                break
    category = _pick(categories)
    trade_words = " ".join(
        w
        for i, (w, u) in enumerate(zip(words, used, strict=True))
        if u and not span[0] <= i < span[1]
    )
    if places and resolution.place is None:
        # With a trade found, the other words most likely name a place, maybe misspelt.
        resolution, span = _place_in(words, used, lenient=bool(category))
    rest = " ".join(
        w for w, u in zip(words, used, strict=True) if not u and w not in STOPWORDS and len(w) > 1
    )
    return QueryUnderstanding(
        category=category,
        trade_words=trade_words,
        place=resolution.place,
        alternatives=resolution.alternatives,
        place_words=" ".join(words[span[0] : span[1]]),
        rest=rest,
    )
