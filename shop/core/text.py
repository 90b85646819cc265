"""Text as the shop compares and addresses it: accent-free lowercase, word tokens, URL slugs.

Search, the catalog listings, the agent's guard and tools, review summaries and the demo generator
all match words the same way ('Crème' finds 'creme'), and the owner's product form and the demo
generator make the same slug from the same name, so a CSV import that names a demo product finds it.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9%]+")


def normalize(text: str) -> str:
    """Lowercase, accents removed: 'Crème' matches 'creme'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """The words of `text`, normalized; '%' stays part of a word ('100%')."""
    return _WORD.findall(normalize(text))


def slugify(text: str, *, separator: str = "-", max_length: int = 80) -> str:
    """'Crème Brûlée Tea #2' -> 'creme-brulee-tea-2', 'Rose & Tulsi' -> 'rose-and-tulsi': ASCII,
    lowercase, '&' and '+' read as words, everything else collapsed to single separators, at most
    `max_length` characters (80 for a web address; a database name takes "_" and 38)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = plain.replace("&", " and ").replace("+", " plus ").lower()
    return re.sub(r"[^a-z0-9]+", separator, plain).strip(separator)[:max_length].strip(separator)
