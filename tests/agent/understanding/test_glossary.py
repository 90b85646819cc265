"""The glossary: product words in the shop's five other reply languages, read by code when the
model's query missed them (copied "mel", wrote "milk" for "miel", read a search as off-topic)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.understanding.glossary import glossary
from shop.services import ShopServices
from tests.support.understanding import conversation, run


@pytest.mark.parametrize(
    ("text", "lang", "english"),
    [
        ("oi! quero ver mel, o que vocês recomendam?", "pt", ["honey"]),
        ("Habt ihr Krautertee?", "de", ["herbal tea"]),  # typed without its umlaut
        ("una crema de manos para piel seca", "es", ["hand cream", "dry skin"]),  # longest phrase first
        ("Estou procurando café descafeinado", "pt", ["coffee", "decaf"]),
        ("¿te gusta el té verde?", "es", ["green tea"]),  # "te" is a pronoun, "té" a tea
        ("¿me escribes un poema largo sobre el mar?", "es", []),
        ("mel", "en", []),  # no English table: English words are the catalog's own
    ],
)
def test_product_words_are_read_in_each_language(text: str, lang: str, english: list[str]) -> None:
    assert glossary().english(text, lang) == english


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("un té francés", {"france"}),
        ("Habt ihr niederländischen Kaffee?", {"netherlands"}),
        ("un tè verde giapponese", {"japan", "green"}),
        ("something for my french press", {"france"}),  # confirms a value the model chose, no more
        ("English Breakfast", set()),
    ],
)
def test_country_adjectives_confirm_an_origin_and_name_no_kind_of_product(text: str, values: set[str]) -> None:
    """ "dutch", "cinese", "alemán" are not their country's name with an ending: the model's origin
    filter was dropped as named by nobody. They only confirm (a French press is no French product)."""
    assert glossary().values_named(text) == values
    assert all(not c.filters or c.filters[0] not in {"france", "netherlands", "japan"}
               for lang in ("en", "es", "de", "it") for c in glossary().concepts_in(text, lang))  # fmt: skip


def test_an_untranslated_query_and_the_constraints_read_from_it_give_way(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "oi! quero ver mel, o que vocês recomendam?", lang="pt", intent="find",
               query="mel", category="tea", filters=["type=green"])  # fmt: skip
    assert [p.name for p in done.shown] == ["Wildflower Honey"]
    assert (done.request.query, done.request.category, done.request.filters) == ("honey", "food", [])


def test_a_mistranslated_query_gives_way_too(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "Bonjour, montrez-moi du miel", lang="fr", intent="find", query="milk")
    assert [p.name for p in done.shown] == ["Wildflower Honey"]


def test_a_search_read_as_off_topic_is_a_search(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "Bom dia! Estou procurando café. O que vocês têm?", lang="pt", intent="other")
    assert done.request.intent == "find" and {p.category for p in done.shown} == {"coffee"}


def test_a_query_the_model_translated_is_kept_with_its_constraints(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "¿Tienen té negro por menos de 10 dólares?", lang="es", intent="find",
               query="black tea", category="tea", price_below=10)  # fmt: skip
    assert (done.request.query, done.request.category) == ("black tea", "tea")
    assert [p.name for p in done.shown] == ["Earl Grey Supreme"]


def test_the_words_filters_replace_the_models(items: Any, services: ShopServices, product_factory: Any) -> None:
    product_factory(name="Swiss Water Decaf", slug="swiss-water-decaf", category="coffee",
                    attributes={"caffeine": "decaf"})  # fmt: skip
    product_factory(
        name="Sumatra Mandheling", slug="sumatra", category="coffee", attributes={"caffeine": "caffeinated"}
    )
    services.catalog.invalidate()
    done = run(services, conversation(), "Bom dia! Estou procurando café descafeinado.", lang="pt", intent="other",
               query="descafeinado", category="tea")  # fmt: skip
    assert done.request.filters == ["caffeine=decaf"] and [p.name for p in done.shown] == ["Swiss Water Decaf"]


def test_the_models_filters_on_other_attributes_stay(items: Any, services: ShopServices, product_factory: Any) -> None:
    """ "chá taiwanês" came as "chai taiwanese", tea, origin Taiwan: the query gets the glossary's word,
    the origin the model read stays."""
    product_factory(
        name="Ruby Red Oolong", slug="ruby", category="tea", attributes={"origin": "Taiwan", "type": "oolong"}
    )
    product_factory(
        name="Assam Breakfast", slug="assam", category="tea", attributes={"origin": "India", "type": "black"}
    )
    services.catalog.invalidate()
    done = run(services, conversation(), "Bom dia! Estou procurando chá taiwanês.", lang="pt", intent="find",
               query="chai taiwanese", category="tea", filters=["origin=taiwan"])  # fmt: skip
    assert (done.request.query, done.request.category, done.request.filters) == ("tea", "tea", ["origin=taiwan"])
    assert [p.name for p in done.shown] == ["Ruby Red Oolong"]


def test_the_words_value_is_the_attributes_even_when_the_query_has_the_words(
    items: Any, services: ShopServices, product_factory: Any
) -> None:
    """ "thé noir indien" came as "thai black tea" with no type: the Indian green tea was listed."""
    product_factory(name="Darjeeling Green", slug="dg", category="tea", attributes={"origin": "India", "type": "green"})
    product_factory(name="Assam Gold", slug="ag", category="tea", attributes={"origin": "India", "type": "black"})
    services.catalog.invalidate()
    done = run(services, conversation(), "Je cherche un thé noir indien", lang="fr", intent="find",
               query="thai black tea", category="tea")  # fmt: skip
    assert done.request.query == "thai black tea" and done.request.filters == ["type=black"]
    assert "Darjeeling Green" not in [p.name for p in done.shown]
    done = run(services, conversation(), "Je cherche un thé noir indien", lang="fr", intent="find",
               query="black tea", category="tea", filters=["type=green"])  # fmt: skip
    assert done.request.filters == ["type=black"]  # the words' value, whatever the model chose


@pytest.mark.parametrize(
    ("message", "lang", "category", "value"),
    [
        ("¿Tienen té sin cafeína?", "es", "tea", "caffeine=none"),
        ("Habt ihr koffeinfreien Kaffee?", "de", "coffee", "caffeine=decaf"),
    ],
)
def test_caffeine_free_is_the_value_its_category_has(
    message: str, lang: str, category: str, value: str, items: Any, services: ShopServices, product_factory: Any
) -> None:
    product_factory(name="Peppermint Leaf", slug="pl", category="tea", attributes={"caffeine": "none"})
    product_factory(name="Sencha Kyoto", slug="sk", category="tea", attributes={"caffeine": "medium"})
    product_factory(name="Swiss Water Decaf", slug="swd", category="coffee", attributes={"caffeine": "decaf"})
    product_factory(name="Colombia Huila", slug="ch", category="coffee", attributes={"caffeine": "caffeinated"})
    services.catalog.invalidate()
    done = run(services, conversation(), message, lang=lang, intent="find", query=category, category=category)
    assert done.request.filters == [value]
    assert [p.name for p in done.shown] == [{"tea": "Peppermint Leaf", "coffee": "Swiss Water Decaf"}[category]]
