"""The suite's shape: generated from the real demo catalog, reproducible, big and varied enough, split
by template. These are the properties issue 12 asks of the bench itself."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.agent_eval.catalog import CatalogView, money_amounts, parse_number
from bench.agent_eval.phrasings import CUSTOMER_INTENTS, INTENTS, PHRASINGS, by_intent
from bench.agent_eval.policy import PolicyFacts
from bench.agent_eval.runner import PROJECT_ROOT, counts
from bench.agent_eval.scenarios import assign_splits, generate, select, split_of
from shop.services import ShopServices
from tests.support.transcripts import seed_catalog

CORE_STYLES = {"terse", "typo", "polite", "mixed", "buried"}


@pytest.fixture
def demo(db: Any, request: pytest.FixtureRequest) -> ShopServices:
    seed_catalog(db)  # before the services start, as at a shop's first start
    return request.getfixturevalue("services")


@pytest.fixture
def view(demo_view: CatalogView) -> CatalogView:
    return demo_view


def test_generation_is_deterministic_for_a_seed_and_catalog(demo: ShopServices, view: CatalogView) -> None:
    """Same seed and catalog, same conversations: also from another database seeded with the same shop,
    read by the services in whatever order."""
    once = [c.fingerprint() for c in generate(view, seed=7)]
    again = [c.fingerprint() for c in generate(CatalogView(list(reversed(demo.catalog.all()))), seed=7)]
    assert once == again
    other = [c.fingerprint() for c in generate(view, seed=8)]
    assert other != once and len(other) == len(once)


def test_draws_come_from_the_live_catalog(demo: ShopServices) -> None:
    """Change the catalog through the database and the conversations change with it: no product is
    named in the bench."""
    before = {c.id: c.slots for c in generate(CatalogView(demo.catalog.all()))}
    for product in demo.catalog.all():
        if product.category == "tea":
            demo.db.products.update_one(
                {"_id": product.object_id},
                {"$set": {"name": product.name + " Reserve", "updatedAt": datetime.now(UTC)}},
            )
    demo.catalog.invalidate()
    after = {c.id: c.slots for c in generate(CatalogView(demo.catalog.all()))}
    assert before != after
    assert any("Reserve" in str(slots.values()) for slots in after.values())


def test_at_least_200_conversations_a_fifth_not_in_english(view: CatalogView) -> None:
    convs = generate(view)
    figures = counts(convs)
    assert figures["conversations"] >= 200
    assert figures["non_english_share"] >= 0.20
    assert set(figures["by_language"]) == {"en", "es", "fr", "de", "it", "pt"}
    assert set(figures["by_intent"]) == set(INTENTS), "every intent is generated from the demo catalog"
    assert all(n >= 10 for n in figures["by_intent"].values())


def test_five_phrasings_per_intent_in_different_styles() -> None:
    for intent, phrasings in by_intent().items():
        assert len(phrasings) >= 5, intent
        english = {p.style for p in phrasings if p.lang == "en"}
        assert english >= CORE_STYLES, (intent, english)
        assert any(p.lang != "en" for p in phrasings), intent
    assert len({p.id for p in PHRASINGS}) == len(PHRASINGS), "template ids are unique"


def test_split_is_stable_disjoint_by_template_and_balanced(view: CatalogView) -> None:
    convs = generate(view)
    assert assign_splits(PHRASINGS) == assign_splits(list(reversed(PHRASINGS))), "order of the templates is irrelevant"
    sides: dict[str, set[str]] = {}
    for conv in convs:
        assert conv.split == split_of(conv.template_id)
        sides.setdefault(conv.template_id, set()).add(conv.split)
    assert all(len(s) == 1 for s in sides.values()), "a template's conversations are all on one side"
    dev = {t for t, s in sides.items() if s == {"dev"}}
    test = {t for t, s in sides.items() if s == {"test"}}
    assert dev and test and not dev & test
    share = len(select(convs, split="dev")) / len(convs)
    assert 0.4 <= share <= 0.6
    for intent in INTENTS:
        langs = {
            side: {c.lang == "en" for c in convs if c.intent == intent and c.split == side} for side in ("dev", "test")
        }
        assert langs["dev"] == {True, False} and langs["test"] == {True, False}, intent


def test_select_narrows_and_spreads_a_limit_over_intents(view: CatalogView) -> None:
    convs = generate(view)
    five = select(convs, split="dev", limit=5)
    assert len(five) == 5 and len({c.intent for c in five}) == 5 and all(c.split == "dev" for c in five)
    spanish = select(convs, only=["es"])
    assert spanish and all(c.lang == "es" for c in spanish)
    assert {c.intent for c in select(convs, only=["order", "haggle"])} == {"order", "haggle"}


def test_constraints_are_satisfiable_and_discriminating(view: CatalogView) -> None:
    """A constraint conversation can be passed: some in-stock product meets it (cap included)."""
    convs = [c for c in generate(view, draws=4) if c.intent == "constraint"]
    assert len({c.slots["constraint"].split(",")[0] for c in convs}) >= 4, "several kinds of constraint are drawn"
    for conv in convs:
        shows = conv.turns[0].checks[0]
        assert shows.name.startswith("shows ")


def test_customer_intents_cover_the_issue_list() -> None:
    assert set(CUSTOMER_INTENTS) >= {
        "reference", "multi-item", "compare", "constraint", "sold-out", "policy", "haggle", "off-topic",
        "injection", "injection-planted", "order", "order-lookup",
    }  # fmt: skip


def test_policy_facts_come_from_the_policy_files() -> None:
    facts = PolicyFacts.load(PROJECT_ROOT / "docs" / "policies")
    assert (facts.return_days, facts.damaged_days, facts.refund_days) == (30, 14, 5)
    assert facts.delivery_days == (2, 5) and not facts.opened_returnable
    assert not facts.free_shipping  # $5.95, free only over a threshold (shop/shipping/config.py)
    assert facts.days_quoted("Returns within 30 days; delivery takes 2-5 working days, refunds 5 días") == [30, 2, 5, 5]
    assert facts.states_range("entre 2 y 5 días hábiles") and not facts.states_range("3 days")
    assert {1, 2} <= facts.day_numbers  # "Express delivery takes 1-2 working days": both ends are stated


def test_money_in_six_languages() -> None:
    text = "$12.50, 12,50 $, 9.95 dólares, USD 4, 3 Dollar, 1,500 dollars, 7 dollari, 30 days, 2x"
    assert money_amounts(text) == [parse_number(x) for x in ("12.50", "12,50", "9.95", "4", "3", "1500", "7")]
    assert str(parse_number("1.234,50")) == "1234.50"


def test_conversation_counts_per_intent_language_split(view: CatalogView) -> None:
    figures = counts(generate(view))
    assert sum(figures["by_intent"].values()) == figures["conversations"]
    assert Counter(figures["by_split"]).total() == figures["conversations"]
