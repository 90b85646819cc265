"""The owner's reports in the owner's language: the same counts and rows as in English, every sentence
and label a phrase of tools/phrases.json, plural forms per language, dates from its own month names."""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Any

import pytest

from tests.tools.test_owner_tools import history, suppliers  # noqa: F401  (fixtures)
from tools import owner as t
from tools.context import ToolContext
from tools.phrases import _PHRASES, day, plural, say, say_n

LANGUAGES = {"en", "es", "fr", "de", "it", "pt"}
NAMES = (
    "Ethiopia Yirgacheffe", "House Espresso Roast", "Earl Grey Supreme", "Chamomile Dream", "Wildflower Honey",
    "Rose Hand Cream", "Fernwood Roasters", "Meadow & Moss Botanicals", "Test Supplier",
    "Coffee", "Tea", "Food", "Beauty", "Inventory", "Sold out",
)  # fmt: skip
"""Names stay as they are in every language: products, suppliers, categories, the admin's labels."""
ENGLISH = re.compile(
    r"\b(?:products?|units?|days?|orders?|threshold|supplier|will|run|runs|reorder(?:ing)?|first|most|urgent|"
    r"cover|forecast|sales|revenue|the|of|none|lead|time|already|expected|next|sellers|category|average|"
    r"stock now|seller|whole|matches|nothing|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Dec|Nov|Jan)\b",
    re.IGNORECASE,
)


def english_words(report: str) -> list[str]:
    """English structure words left in a report once its names (and the forecast's model name) are out."""
    text = re.sub(r"\b(?:Model|Modelo|Modèle|Modell|Modello) [^,]+,", " ", body(report))
    for name in NAMES:
        text = text.replace(name, " ")
    return ENGLISH.findall(text)


def body(report: str) -> str:
    return "\n".join(line for line in report.splitlines() if not line.startswith(("<data", "</data")))


def rows(report: str) -> list[str]:
    return [line for line in body(report).splitlines() if " | " in line]


def stated(report: str) -> int:
    found = re.match(r"(\d+) ", body(report))
    assert found, report
    return int(found.group(1))


@pytest.fixture
def speak(make_ctx: Any) -> Any:
    """An owner's ToolContext in a language (a fresh turn each time)."""

    def make(lang: str) -> ToolContext:
        ctx = make_ctx("owner")
        ctx.lang = lang
        return ctx

    return make


def test_every_owner_phrase_is_in_six_languages_with_the_same_data() -> None:
    """Each language may drop a count it does not need ("le premier"), never a name or a figure."""
    counts = {"n", "days", "within"}
    for key, table in _PHRASES.items():
        if not key.startswith("owner_"):
            continue
        assert set(table) == LANGUAGES, key
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(text) if f} for lang, text in table.items()}
        every = set().union(*fields.values())
        for lang, used in fields.items():
            assert used - counts == every - counts, (key, lang)
            table[lang].format(**dict.fromkeys(every, 3))  # fills without a KeyError


def test_plural_forms_follow_each_language() -> None:
    assert [plural(n, "en") for n in (0, 1, 2, "1.0")] == ["other", "one", "other", "other"]
    assert [plural(n, "fr") for n in (0, 1, 2, "1.5", "2.0")] == ["one", "one", "other", "one", "other"]
    assert [plural(n, "de") for n in (0, 1, 2)] == ["other", "one", "other"]
    assert say_n("owner_units", "fr", 1) == "1 unité" and say_n("owner_units", "fr", 3) == "3 unités"
    assert say_n("owner_orders", "de", 1) == "1 Bestellung" and say_n("owner_orders", "de", 5) == "5 Bestellungen"
    assert say_n("owner_sold_out", "es", 2).startswith("Ya agotados, no contados arriba: 2 productos")


def test_dates_from_the_phrases_not_the_locale() -> None:
    monday = date(2026, 12, 7)
    assert day(monday, "en") == "Mon 07 Dec" == f"{monday:%a %d %b}"  # what the reports wrote before
    assert day(monday, "fr") == "lun. 7 déc."
    assert day(monday, "de") == "Mo., 7. Dez."
    assert day(monday, "es") == "lun 7 dic"
    assert day(date(2026, 8, 16), "it") == "dom 16 ago" and day(date(2026, 8, 16), "pt") == "dom, 16 ago"
    assert day(monday, "xx") == "Mon 07 Dec"  # an unknown language falls back to English


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    ("lang", "head", "sold_out"),
    [
        ("fr", "2 produits seront épuisés d'ici 7 jours (jusqu'au ", "Déjà épuisé, non compté ci-dessus : 1 produit "),
        ("de", "2 Produkte werden in den nächsten 7 Tagen ausverkauft sein (bis ", "Bereits ausverkauft, oben nicht gezählt: 1 Produkt "),
        ("es", "2 productos se agotarán en los próximos 7 días (hasta el ", "Ya agotado, no contado arriba: 1 producto "),
    ],
)  # fmt: skip
def test_will_run_out_in_other_languages(speak: Any, lang: str, head: str, sold_out: str) -> None:
    report = t.will_run_out(speak(lang), days=7)
    assert body(report).startswith(head)
    assert [row.split(" | ")[0] for row in rows(report)] == ["Rose Hand Cream", "Ethiopia Yirgacheffe"]
    assert stated(report) == len(rows(report)) == 2
    assert sold_out in report and "Chamomile" not in report
    assert english_words(report) == [], report


@pytest.mark.usefixtures("history")
def test_will_run_out_cut_and_one_day(speak: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(t, "MAX_ROWS", 1)
    cut = t.will_run_out(speak("fr"), days=30)
    assert body(cut).startswith("3 produits seront épuisés d'ici 30 jours") and " ; le premier :\n" in cut
    assert len(rows(cut)) == 1 and english_words(cut) == []
    one_day = t.will_run_out(speak("it"), days=1)  # singular forms: 1 giorno
    assert "entro 1 giorno" in one_day and english_words(one_day) == []


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_nothing_runs_out_in_other_languages(speak: Any, items: Any, lang: str) -> None:
    report = t.will_run_out(speak(lang), days=7)
    start = {"fr": "Selon la prévision, aucun produit", "it": "Secondo la previsione nessun prodotto"}[lang]
    assert body(report).startswith(start) and english_words(report) == []


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    ("lang", "head", "row"),
    [
        ("fr", "2 produits en stock bas, les plus urgents d'abord :", "Rose Hand Cream | stock 3 (seuil 5)"),
        ("pt", "2 produtos com stock baixo, os mais urgentes primeiro:", "Rose Hand Cream | stock 3 (limite 5)"),
    ],
)
def test_low_stock_in_other_languages(speak: Any, lang: str, head: str, row: str) -> None:
    report = t.low_stock(speak(lang))
    assert body(report).startswith(head) and row in report
    assert stated(report) == len(rows(report)) == 2
    assert english_words(report) == [], report


@pytest.mark.usefixtures("history", "suppliers")
@pytest.mark.parametrize(
    ("lang", "head", "none"),
    [
        ("es", "1 producto que reponer de Fernwood Roasters, el más urgente primero:", "Ahora mismo no hay nada de Test Supplier"),
        ("it", "1 prodotto da riordinare da Fernwood Roasters, il più urgente per primo:", "Al momento non c'è niente da riordinare da Test Supplier"),
    ],
)  # fmt: skip
def test_reorder_in_other_languages(speak: Any, lang: str, head: str, none: str) -> None:
    everyone = t.reorder(speak(lang))
    assert stated(everyone) == len(rows(everyone)) >= 2 and english_words(everyone) == [], everyone
    fernwood = t.reorder(speak(lang), supplier="fernwood")
    assert body(fernwood).startswith(head)
    assert [row.split(" | ")[0] for row in rows(fernwood)] == ["Ethiopia Yirgacheffe"]
    assert "| Fernwood Roasters" not in fernwood and english_words(fernwood) == [], fernwood
    assert none in t.reorder(speak(lang), supplier="Test Supplier")


@pytest.mark.usefixtures("suppliers")
def test_unknown_supplier_in_french(speak: Any) -> None:
    out = t.reorder(speak("fr"), supplier="Acme Beans")
    assert body(out) == (
        "Aucun fournisseur nommé 'Acme Beans' ; les fournisseurs sont : "
        "Fernwood Roasters, Meadow & Moss Botanicals, Test Supplier."
    )


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(("lang", "expected"), [("de", "Einheiten erwartet"), ("pt", "unidades previstas")])
def test_forecasts_in_other_languages(speak: Any, lang: str, expected: str) -> None:
    one = t.demand_forecast(speak(lang), product="Ethiopia Yirgacheffe", days=14)
    units = float(body(one).split("Yirgacheffe: ")[1].split(" ")[0])
    assert 25 <= units <= 60 and expected in one and english_words(one) == [], one
    shelf = t.demand_forecast(speak(lang), category="coffee", days=7)
    assert "Coffee" in shelf and "Ethiopia Yirgacheffe" in shelf and english_words(shelf) == [], shelf
    whole = t.demand_forecast(speak(lang), days=7)
    assert say("owner_whole_shop", lang) in whole and english_words(whole) == []
    assert t.demand_forecast(speak(lang), product="unicorn") == say("owner_no_match", lang, name="'unicorn'")


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(("lang", "orders"), [("fr", "5 commandes"), ("es", "5 pedidos")])
def test_sales_in_other_languages(speak: Any, lang: str, orders: str) -> None:
    ctx = speak(lang)
    out = t.sales(ctx, "7d")
    assert orders in out and "$349.50" in out and say("owner_period_7d", lang) in out
    assert english_words(out) == [], out
    top = t.top_sellers(speak(lang), "30d", "units", 3)
    assert rows(top)[0].startswith("1. Ethiopia Yirgacheffe | ") and len(rows(top)) == 3
    assert english_words(top) == [], top
    assert english_words(t.top_sellers(speak(lang), "last-month", "revenue")) == []


@pytest.mark.parametrize("lang", ["de", "es"])
def test_no_sales_in_other_languages(speak: Any, items: Any, lang: str) -> None:
    out = t.top_sellers(speak(lang), "7d")
    assert body(out) == say("owner_no_sales", lang, period=say("owner_period_7d", lang))
    assert english_words(out) == [] and english_words(t.sales(speak(lang), "month")) == []


@pytest.mark.usefixtures("history")
def test_an_english_owner_reads_what_the_reports_wrote_before(make_ctx: Any) -> None:
    """The default language is English, and its texts are the ones the reports always wrote."""
    ctx = make_ctx("owner")
    assert ctx.lang == "en"
    report = t.will_run_out(ctx, days=7)
    end = body(report).split("(by ")[1].split(")")[0]
    assert re.fullmatch(r"[A-Z][a-z]{2} \d\d [A-Z][a-z]{2}", end)
    assert body(report).startswith(
        f"2 products will run out in the next 7 days (by {end}), fewest days of cover first:\nRose Hand Cream | stock 3 | "
    )
    assert body(t.sales(make_ctx("owner"), "7d")).startswith("Sales the last 7 days (")
    assert body(t.top_sellers(make_ctx("owner"), "7d")).startswith("Top sellers by units, the last 7 days:\n1. ")
