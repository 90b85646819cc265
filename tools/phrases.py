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
from datetime import date
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


# --- plural forms and dates (the owner's reports, tools/owner.py) -------------------------------


def plural(number: int | str, lang: str) -> str:
    """ "one" or "other": which form of a counted phrase `number` takes in `lang` (CLDR's rules).

    `number` as it is written in the text ("1", "1.0", "14"): English "1.0 days" is plural. French
    counts 0 and 1 (and 1.5) as one ("0 commande", "1,5 jour"); the other five languages only an
    unwritten-decimal 1 (Portuguese here is Portugal's, as the other phrases are).
    """
    text = str(number)
    if lang == "fr":
        return "one" if text.split(".")[0].lstrip("-") in ("0", "1") else "other"
    return "one" if text == "1" else "other"


def say_n(key: str, lang: str, n: int | str, **values: Any) -> str:
    """The phrase `key_one` or `key_other` for the count `n`, with `n` filled in as written."""
    return say(f"{key}_{plural(n, lang)}", lang, n=n, **values)


def day(d: date, lang: str) -> str:
    """A date as the owner's reports write it: "Mon 07 Dec", "lun. 7 déc.", "Mo., 7. Dez.".

    From phrases.json, not strftime: `%a %b` follow the process's locale, and the server has only C.
    """
    weekdays = say("owner_weekdays", lang).split()
    months = say("owner_months", lang).split()
    return say("owner_date", lang, weekday=weekdays[d.weekday()], day=d.day, month=months[d.month - 1])
