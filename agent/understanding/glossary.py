"""The shop's product words in the five other languages it answers in, for a query the model left
untranslated or mistranslated.

Why a glossary: the search knows the catalog's English words, and the 1.5B model writes the request's
query in English only most of the time. A dev run of the understanding bench copied "mel" and
"Kräutertee" into the query, wrote "milk" for "miel", and read "Estou procurando café descafeinado" as
off-topic; asked once more it copied again, and asked plainly to translate it wrote "cucumber" for
Kräutertee. Product words are a small, closed set a shop can list (`glossary.json`: an English catalog
word, its category and the attribute value(s) it is when it is one, then its words in es, fr, de, it,
pt, and English words besides the catalog's own), the way shop search engines keep synonym lists.
Country adjectives that are not the country's name with an ending ("dutch", "cinese") are listed too,
to confirm an origin the model chose (`Concept.confirms_only`).

Matching: longest phrase first, on whole words, lowercase with accents; a phrase of five letters or
more also matches typed without its accents ("krautertee"), a shorter one only as written ("té" is a
tea, "te" a pronoun).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shop.core.text import normalize

GLOSSARY_FILE = Path(__file__).with_name("glossary.json")
MIN_UNACCENTED = 5


@dataclass(frozen=True)
class Concept:
    english: str
    """The catalog's word(s): the query."""
    category: str = ""
    """The category slug such products are in ("" when they are in several)."""
    filters: tuple[str, ...] = ()
    """The attribute values the words are ("decaf", "green" of green tea), () when they name a product;
    several are alternatives ("sin cafeína" is caffeine "none" in tea and "decaf" in coffee)."""
    confirms_only: bool = False
    """Words that confirm a value the model chose but are not read from the customer's message as one:
    country adjectives that are not the country's name with an ending ("french", "dutch", "cinese",
    "alemán"; "indian" and "brasileño" are read from the value itself). Said to the customer, "french"
    is also a press and "english" a breakfast tea. The model's English query adds them as its other
    value words do, on a shelf that carries the value only (`Executor._values_in_query`)."""


@dataclass(frozen=True)
class Glossary:
    phrases: dict[str, dict[str, str]]
    """lang -> phrase (lowercase) -> English catalog word(s), longest phrase first."""
    concepts: dict[str, Concept]

    @classmethod
    def load(cls, path: Path = GLOSSARY_FILE) -> Glossary:
        raw: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
        phrases: dict[str, dict[str, str]] = {}
        concepts: dict[str, Concept] = {}
        for english, entry in raw.items():
            values = entry.get("filter", ())
            concepts[english] = Concept(
                english,
                entry.get("category", ""),
                (values,) if isinstance(values, str) else tuple(values),
                entry.get("confirms_only", False),
            )
            for lang, words in [("en", [english]), *entry.items()]:
                if lang in ("category", "filter", "confirms_only"):
                    continue
                for word in words:
                    phrases.setdefault(lang, {})[word.lower()] = english
                    if len(normalize(word)) >= MIN_UNACCENTED:
                        phrases[lang].setdefault(normalize(word), english)
        longest_first = {
            lang: dict(sorted(table.items(), key=lambda item: -len(item[0]))) for lang, table in phrases.items()
        }
        return cls(longest_first, concepts)

    def concepts_in(self, text: str, lang: str) -> list[Concept]:
        """The kinds of product `text` names in `lang`, in text order (words that only confirm a
        value are no kind of product)."""
        return [c for english in self.english(text, lang) if not (c := self.concepts[english]).confirms_only]

    def values_named(self, text: str) -> set[str]:
        """The attribute values that words of `text` are, in any of the six languages ("sin cafeína",
        "caffeine-free", "koffeinfrei": none and decaf; "olandese": netherlands)."""
        return {
            value
            for lang in self.phrases
            for english in self.english(text, lang)
            for value in self.concepts[english].filters
        }

    def english(self, text: str, lang: str) -> list[str]:
        """The English catalog words of the product words `text` holds in `lang`, in text order."""
        table = self.phrases.get(lang)
        if not table:
            return []
        found: list[tuple[int, str]] = []
        for variant in dict.fromkeys((text.lower(), normalize(text))):
            taken = [False] * len(variant)
            for phrase, english in table.items():
                for match in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", variant):
                    if not any(taken[match.start() : match.end()]):
                        taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                        found.append((match.start(), english))
        return list(dict.fromkeys(english for _, english in sorted(found)))


@cache
def glossary() -> Glossary:
    return Glossary.load()
