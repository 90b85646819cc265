"""The sentences code writes into replies, in the customer's language.

Replies that carry a write or a summary (a cart change, an order summary, an order's status, what is
still needed) are written by code, never by the model: their figures must be exact and they must come
at once. Like any shop's interface text they are translated once, in `phrases.json` (data, so a
translator edits one file and a new language is one more key per phrase), for the languages the
understanding stage recognises; product names, prices and the owner's policy text stay as they are.
A missing translation falls back to English rather than failing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_DATA = json.loads((Path(__file__).with_name("phrases.json")).read_text(encoding="utf-8"))
_PHRASES: dict[str, dict[str, str]] = _DATA["phrases"]
STATUS_NAMES: dict[str, dict[str, str]] = _DATA["statusNames"]
"""An order's status in each language (the order keeps its English status value)."""


def say(key: str, lang: str, **values: Any) -> str:
    """The phrase `key` in `lang` (English when missing), filled with `values`."""
    table = _PHRASES[key]
    return table.get(lang, table["en"]).format(**values)


def listing(parts: list[str], lang: str) -> str:
    """ "a, b and c" in `lang`."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {say('and', lang)} " + parts[-1]
