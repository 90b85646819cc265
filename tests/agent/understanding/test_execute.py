"""Code runs the typed request against the real shop: hard constraints, cart changes, write preparation,
policies, declines, and the replies it writes itself in the customer's language."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from agent.understanding.vocabulary import product_matches
from shop.conversations.policies import PolicyLibrary
from shop.fulfillment.carriers import parse_tracking
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices
from tests.support.split_orders import two_location_order
from tests.support.understanding import conversation, run
from tools import actions
from tools.phrases import listing, say
from vectorstore.embeddings import LocalSentenceEmbedding

LANGS = ["es", "fr", "de", "it", "pt"]


def _invite(services: ShopServices, lang: str) -> str:
    return say("invite", lang, categories=listing([c.name.lower() for c in services.catalog.all_categories()], lang))


def _cart(services: ShopServices, convo: Any) -> dict[str, int]:
    cart = services.carts.view(convo.cart_id)
    return {line.product.name: line.quantity for line in cart.lines}


# --------------------------------------------------------------------------------------------------
# Finding: constraints are hard
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "args", "expected"),
    [
        ("", {"category": "coffee", "price_below": 15}, {"House Espresso Roast", "Colombia Huila Decaf"}),
        ("decaf", {"query": "coffee", "filters": ["caffeine=decaf"]}, {"Colombia Huila Decaf"}),
        (
            "caffeine-free",
            {"query": "tea for sleep", "category": "tea", "filters": ["caffeine=none"], "price_below": 10},
            {"Chamomile & Lavender Herbal Blend"},
        ),
        ("", {"query": "coffee", "category": "coffee", "price_above": 15}, {"Ethiopia Yirgacheffe Washed"}),
        (
            "colombian",
            {"category": "coffee", "filters": ["origin=colombia"]},
            {"House Espresso Roast", "Colombia Huila Decaf"},
        ),
    ],
)
def test_every_product_shown_satisfies_every_constraint(
    said: str, args: dict[str, Any], expected: set[str], small_shop: Any, services: ShopServices
) -> None:
    typed = " ".join(str(args[k]) for k in ("price_below", "price_above") if k in args)  # a bound is typed
    done = run(services, conversation(), f"show me {said} ({typed})", intent="find", **args)
    shown = done.shown
    assert {p.name for p in shown} == expected
    for product in shown:
        assert product.category == args.get("category", product.category)
        assert product.price <= Decimal(args.get("price_below", 10**6))
        assert product.price >= Decimal(args.get("price_above", 0))
        assert product_matches(product, args.get("filters", []))
    # A list written by code (the model is not asked to word it): the title, then one line per card.
    lines = [f"- {p.name} — ${p.price:.2f}" for p in shown]
    assert done.execution.direct == "\n".join([say("found", "en"), *lines]) and done.execution.facts == ""


def test_nothing_within_the_price_offers_the_nearest_labelled(small_shop: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "any tea under $5?", intent="find", query="tea", category="tea", price_below=5)
    assert done.shown and all(p.category == "tea" for p in done.shown)
    assert done.shown[0].name == "English Breakfast"  # the nearest price to the limit first
    direct = done.execution.direct or ""
    assert direct.startswith(say("nearest", "en", what="<= $5.00") + "\n- English Breakfast — $7.00")
    assert say("found", "en") not in direct  # never presented as a match


def test_a_query_naming_products_outside_the_category_offers_them_labelled(
    small_shop: Any, services: ShopServices
) -> None:
    # The 1.5B model copied its first example's constraints (tea, black) into a request for chocolate.
    done = run(services, conversation(), "let's start with chocolate", intent="find", query="chocolate",
               category="tea", filters=["type=black"])  # fmt: skip
    assert [p.name for p in done.shown] == ["Dark Chocolate 72% Sea Salt"]
    assert (done.execution.direct or "").startswith(say("nearest", "en", what="tea"))  # (black: never said)
    # The label names only what the offered products miss: herbal blends are tea, but not high in caffeine.
    herbal = run(services, conversation(), "herbal tea, high caffeine", intent="find", query="herbal", category="tea",
                 filters=["caffeine=high"])  # fmt: skip
    assert {p.name for p in herbal.shown} == {"Chamomile & Lavender Herbal Blend", "Valerian Reserve Herbal Blend"}
    assert (herbal.execution.direct or "").startswith(say("nearest", "en", what="high"))
    # Constraints the query's products can meet are kept as hard filters.
    tea = run(services, conversation(), "black tea", intent="find", query="tea", category="tea", filters=["type=black"])
    assert [p.name for p in tea.shown] == ["English Breakfast"]
    # Words no product has all of (untranslated, met only by typo tolerance) leave the constraints hard.
    herbal = run(services, conversation(), "quero chá de ervas", lang="pt", intent="find", query="chá ervas",
                 category="tea", filters=["type=herbal"])  # fmt: skip
    assert herbal.shown and all(p.attributes["type"] == "herbal" for p in herbal.shown)
    assert (herbal.execution.direct or "").startswith(say("found", "pt"))


def test_products_named_by_the_query_come_before_description_matches(
    items: Any, services: ShopServices, product_factory: Any
) -> None:
    """ "honey options?" came as tea, type herbal: a herbal tea with honey in its notes had kept the
    constraints, and the honey the customer named was never shown."""
    product_factory(name="Linden Blossom", slug="linden", category="tea", description="Herbal, with honey notes.",
                    attributes={"type": "herbal", "notes": "honey, linden"})  # fmt: skip
    for name in ("Acacia Honey", "Chestnut Honey"):  # honeys are food; one coffee is named for its process
        product_factory(name=name, slug=name.lower().replace(" ", "-"), category="food")
    product_factory(name="Nicaragua Jinotega Honey", slug="nicaragua", category="coffee")
    services.catalog.invalidate()
    done = run(services, conversation(), "honey options?", intent="find", query="honey", category="tea",
               filters=["type=herbal"])  # fmt: skip
    assert {p.name for p in done.shown} == {"Wildflower Honey", "Acacia Honey", "Chestnut Honey"}
    assert (done.execution.direct or "").startswith(say("nearest", "en", what="tea"))  # (herbal: never said)
    # The category's own word names the category, not the one product of another with it in its name.
    product_factory(name="Green Tea Cleansing Balm", slug="gtcb", category="beauty")
    services.catalog.invalidate()
    teas = run(services, conversation(), "caffeine-free tea under $10", intent="find", query="tea", category="tea",
               price_below=10)  # fmt: skip
    assert teas.shown and {p.category for p in teas.shown} == {"tea"}
    assert (teas.execution.direct or "").startswith(say("found", "en"))


def test_a_query_that_finds_nothing_gives_way_to_the_customers_words(
    small_shop: Any, services: ShopServices, product_factory: Any
) -> None:
    """ "a granola I can eat with coeliac disease (strictly gluten-free) under $10" came as "coeliac", which
    no product has: the best-rated gluten-free products were listed, and no granola."""
    for name, rating in (("Gluten-Free Oat Granola", 3.0), ("Gluten-Free Sea Salt Crackers", 5.0)):
        product_factory(name=name, slug=name.lower().replace(" ", "-"), category="food", price=Decimal("8.00"),
                        rating=rating, attributes={"diet": "gluten-free"})  # fmt: skip
    services.catalog.invalidate()
    message = "a granola I can eat with coeliac disease (strictly gluten-free) under $10"
    done = run(services, conversation(), message, intent="find", query="coeliac", category="food",
               filters=["diet=gluten-free"], price_below=10)  # fmt: skip
    assert [p.name for p in done.shown][:1] == ["Gluten-Free Oat Granola"]


def test_the_list_and_its_label_are_in_the_customers_language(small_shop: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "¿algún té por menos de 5 dólares?", lang="es",
               intent="find", query="tea", category="tea", price_below=5)  # fmt: skip
    assert (done.execution.direct or "").startswith(say("nearest", "es", what="<= $5.00") + "\n- English Breakfast")
    found = run(services, conversation(), "¿tenéis té?", lang="es", intent="find", category="tea")
    assert (found.execution.direct or "").startswith(say("found", "es") + "\n- ")


def test_nothing_with_the_filters_offers_the_nearest_labelled(small_shop: Any, services: ShopServices) -> None:
    done = run(
        services,
        conversation(),
        "decaf from Ethiopia?",
        intent="find",
        category="coffee",
        filters=["caffeine=decaf", "origin=ethiopia"],
    )
    assert done.shown and all(p.category == "coffee" for p in done.shown)
    assert (done.execution.direct or "").startswith(say("nearest", "en", what="decaf, ethiopia") + "\n- ")


def test_a_filter_of_another_shelf_is_dropped_not_obeyed(small_shop: Any, services: ShopServices) -> None:
    """type=herbal is a tea attribute: asked with category coffee, it cannot exclude every coffee."""
    done = run(services, conversation(), "herbal coffee", intent="find", category="coffee", filters=["type=herbal"])
    assert done.request.filters == [] and {p.category for p in done.shown} == {"coffee"}


@pytest.mark.parametrize(
    ("query", "filters", "expected"),
    [
        ("ethiopian coffee", ["caffeine=caffeinated"], {"Ethiopia Yirgacheffe Washed"}),  # the adjective
        ("colombian coffee", [], {"House Espresso Roast", "Colombia Huila Decaf"}),  # one of its origins
        ("decaf coffee", [], {"Colombia Huila Decaf"}),  # the value itself
        (
            "ethiopian or colombian coffee",
            [],
            {"Ethiopia Yirgacheffe Washed", "House Espresso Roast", "Colombia Huila Decaf"},
        ),
    ],
)
def test_a_value_the_query_names_is_a_filter(
    query: str, filters: list[str], expected: set[str], small_shop: Any, services: ShopServices
) -> None:
    """The model wrote the value into its query and left the filter out ("indian coffee" with
    caffeine=caffeinated listed every coffee): the query's words are the constraint."""
    done = run(services, conversation(), "?", lang="it", intent="find", query=query, category="coffee", filters=filters)
    assert {p.name for p in done.shown} == expected


def test_a_value_word_replaces_the_models_value_but_never_reads_a_products_name(
    small_shop: Any, services: ShopServices
) -> None:
    chosen = run(services, conversation(), "decaf?", intent="find", query="colombian coffee", category="coffee",
                 filters=["origin=ethiopia", "caffeine=decaf"])  # fmt: skip
    assert chosen.request.filters == ["caffeine=decaf", "origin=colombia"]  # the query's origin, not the model's
    named = run(services, conversation(), "Colombia Huila Decaf", intent="find", query="Colombia Huila Decaf",
                category="coffee")  # fmt: skip
    assert named.request.filters == []  # a product's name is no list of attributes
    shelf = run(services, conversation(), "decaf tea?", intent="find", query="decaf", category="tea")
    assert shelf.request.filters == ["caffeine=none"]  # decaf is a coffee's value; the tea shelf's is none


@pytest.mark.parametrize(
    ("message", "lang", "args", "kept"),
    [
        # values the message never names, copied from the schema, are dropped
        (
            "¿Qué café para espresso tienen?",
            "es",
            {"query": "coffee", "category": "coffee", "filters": ["roast=medium-dark", "origin=ethiopia"]},
            [],
        ),
        (
            "Ich suche koffeinfreien Tee unter 8 Dollar",
            "de",
            {
                "query": "caffeine-free tea",
                "category": "tea",
                "filters": ["type=black", "caffeine=none"],
                "price_below": 8,
            },
            ["caffeine=none"],
        ),
        # the value, its adjective or a spelling of it in the message, or the English query, keep it
        (
            "¿tienen café de Colombia en grano?",
            "es",
            {"query": "coffee", "category": "coffee", "filters": ["origin=colombia"]},
            ["origin=colombia"],
        ),
        (
            "Kaffee aus Äthiopien",
            "de",
            {"query": "ethiopian coffee", "category": "coffee", "filters": ["origin=ethiopia"]},
            ["origin=ethiopia"],
        ),
        (
            "medium dark roast coffee",
            "en",
            {"query": "coffee", "category": "coffee", "filters": ["roast=medium-dark"]},
            ["roast=medium-dark"],
        ),
        # product words in any language: English ones too
        (
            "caffeine-free tea under $8",
            "en",
            {"query": "tea", "category": "tea", "price_below": 8},
            ["caffeine=none"],
        ),
        (
            "something for my dry skin, I'm a coeliac",
            "en",
            {"query": "cream", "category": "beauty", "filters": ["skinType=dry"]},
            ["skinType=dry"],
        ),
    ],
)
def test_the_models_filters_are_only_the_values_the_customer_named(
    message: str, lang: str, args: dict[str, Any], kept: list[str], small_shop: Any, services: ShopServices
) -> None:
    """The 1.5B model copies the schema's values into requests that name none ("café para espresso"
    came with process=anaerobic and roast=medium-dark): products were missed, or wrong ones offered."""
    done = run(services, conversation(), message, lang=lang, intent="find", **args)
    assert done.request.filters == kept


@pytest.mark.parametrize(
    ("message", "lang", "args", "kept"),
    [
        ("Avete un caffè cinese?", "it", {"query": "coffee", "filters": ["origin=china"]}, ["origin=china"]),
        (
            "dutch coffee under $20",
            "en",
            {"query": "coffee", "filters": ["origin=netherlands", "roast=dark"]},
            ["origin=netherlands"],
        ),
        # the model's English query names it: a filter (on a shelf that carries it: no French coffee)
        ("Chinese coffee under $20?", "en", {"query": "chinese coffee", "filters": []}, ["origin=china"]),
        ("coffee for my french press", "en", {"query": "coffee for french press", "filters": []}, []),
        # a tea's name is no country
        (
            "English Breakfast coffee?",
            "en",
            {"query": "english breakfast coffee", "filters": ["origin=united kingdom"]},
            [],
        ),
    ],
)
def test_country_adjectives_that_are_not_the_name_with_an_ending_name_the_origin(
    message: str, lang: str, args: dict[str, Any], kept: list[str], product_factory: Any, services: ShopServices
) -> None:
    """ "dutch", "cinese" do not start with their country's name: the model's right origin filter was
    dropped as named by nobody, and coffees of every origin were listed (test-split run, seed 37)."""
    for origin in ("China", "Netherlands", "United Kingdom"):
        product_factory(name=f"{origin} Roast", category="coffee", price="12.00",
                        attributes={"origin": origin, "roast": "dark"})  # fmt: skip
    done = run(services, conversation(), message, lang=lang, intent="find", category="coffee", **args)
    assert done.request.filters == kept


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("gluten-free granola", ["Coconut Granola"]),  # what the query's words name, when some do
        ("gluten-free snacks", ["Coconut Granola", "Ginger Dark Chocolate"]),  # names none: every match
    ],
)
def test_a_search_lists_the_products_its_words_name(
    query: str, listed: list[str], product_factory: Any, services: ShopServices
) -> None:
    """ "a granola ... strictly gluten-free" listed the gluten-free granola, then gluten-free chocolates
    (a test-split run, seed 37): the customer asked for a granola."""
    product_factory(name="Coconut Granola", category="food", price="9.50", rating=4.1,
                    attributes={"diet": "gluten-free"})  # fmt: skip
    product_factory(name="Ginger Dark Chocolate", category="food", price="7.50", rating=4.9,
                    attributes={"diet": "gluten-free"})  # fmt: skip
    product_factory(name="Oat Granola", category="food", price="6.50", attributes={"diet": "vegan"})
    done = run(services, conversation(), f"{query}?", intent="find", query=query, category="food",
               filters=["diet=gluten-free"])  # fmt: skip
    assert sorted(p.name for p in done.shown) == listed
    # a product word the message uses as it is, left out by the model, is in the query (dev seed 47)
    message = "Estou procurando granola sem glúten (sou celíaca). O que vocês têm?"
    kept = run(services, conversation(), message, intent="find", query="gluten-free", category="food",
               filters=["diet=gluten-free"], lang="pt")  # fmt: skip
    assert kept.request.query == "gluten-free granola" and [p.name for p in kept.shown] == ["Coconut Granola"]


def test_a_follow_up_keeps_the_values_an_earlier_message_named(small_shop: Any, services: ShopServices) -> None:
    convo = conversation(("decaf coffee please", []))
    done = run(services, convo, "any cheaper ones?", intent="find", query="coffee", category="coffee",
               filters=["caffeine=decaf", "roast=light"])  # fmt: skip
    assert done.request.filters == ["caffeine=decaf"]


def test_nothing_at_all_says_so_in_the_customers_language(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "¿tenéis bicicletas?", intent="find", query="bicycle", lang="es")
    assert done.execution.direct == say("nothing", "es", categories="coffee, tea, pantry & treats y beauty cream")
    assert done.shown == []


# --------------------------------------------------------------------------------------------------
# The cart
# --------------------------------------------------------------------------------------------------


def test_two_items_in_one_message_are_both_added(items: Any, services: ShopServices) -> None:
    convo = conversation()
    done = run(
        services,
        convo,
        "two Ethiopia Yirgacheffe and one Wildflower Honey please",
        intent="add",
        items=[{"product": "Ethiopia Yirgacheffe", "qty": 2}, {"product": "Wildflower Honey", "qty": 1}],
    )
    assert _cart(services, convo) == {"Ethiopia Yirgacheffe": 2, "Wildflower Honey": 1}
    assert "Added 2 × Ethiopia Yirgacheffe ($14.50 each)" in done.reply
    assert "Added 1 × Wildflower Honey ($10.50 each)" in done.reply and "Subtotal: $39.50" in done.reply
    assert len(done.ctx.turn.writes) == 2


def test_a_reference_to_what_was_shown_adds_that_product(items: Any, services: ShopServices) -> None:
    convo = conversation(("coffee?", [items["espresso"], items["yirga"]]))
    run(services, convo, "two of the second one", intent="add", items=[{"product": "#2", "qty": 2}])
    assert _cart(services, convo) == {"Ethiopia Yirgacheffe": 2}


def test_quantities_in_words_before_two_names_go_with_each(items: Any, services: ShopServices) -> None:
    """ "half a dozen {a} and a {b}" (a dev template) came as one of each."""
    convo = conversation()
    run(services, convo, "half a dozen Wildflower Honey and a Earl Grey Supreme pls", intent="add",
        items=[{"product": "Wildflower Honey", "qty": 1}, {"product": "Earl Grey Supreme", "qty": 1}])  # fmt: skip
    assert _cart(services, convo) == {"Wildflower Honey": 6, "Earl Grey Supreme": 1}
    convo = conversation()
    run(services, convo, "media docena de Wildflower Honey y 2 Earl Grey Supreme", lang="es", intent="add",
        items=[{"product": "Wildflower Honey"}, {"product": "Earl Grey Supreme"}])  # fmt: skip
    assert _cart(services, convo) == {"Wildflower Honey": 6, "Earl Grey Supreme": 2}
    # The model left the first product out: it is added with its quantity, and the words' six stay its.
    convo = conversation()
    run(services, convo, "half a dozen Wildflower Honey and a Earl Grey Supreme pls", intent="add",
        items=[{"product": "Earl Grey Supreme", "qty": 1}])  # fmt: skip
    assert _cart(services, convo) == {"Wildflower Honey": 6, "Earl Grey Supreme": 1}


@pytest.mark.parametrize(
    ("message", "lang", "qty"),
    [
        ("half a dozen of those please", "en", 6),
        ("ponme media docena", "es", 6),
        ("j'en prends une demi-douzaine", "fr", 6),
        ("un paio di confezioni, grazie", "it", 2),
        ("half a dozen, or a dozen if it is cheaper", "en", 1),  # two quantities: the model's reading
    ],
)
def test_a_quantity_said_in_words_is_the_quantity(
    message: str, lang: str, qty: int, items: Any, services: ShopServices
) -> None:
    """The 1.5B model read "half a dozen" as 1 (two dev runs)."""
    convo = conversation(("honey?", [items["honey"]]))
    run(services, convo, message, lang=lang, intent="add", items=[{"product": "it", "qty": 1}])
    assert _cart(services, convo) == {"Wildflower Honey": qty}


def test_an_unresolved_product_is_searched_for_and_changes_nothing(items: Any, services: ShopServices) -> None:
    """The model named a product the conversation does not hold (not shown, not in the customer's words):
    code shows what matches the item's text, and the customer picks; nothing is written."""
    convo = conversation(("coffee?", [items["espresso"]]))
    done = run(services, convo, "add two", intent="add", items=[{"product": "Rose Hand Cream", "qty": 2}])
    assert _cart(services, convo) == {} and done.ctx.turn.writes == []
    assert [p.name for p in done.shown] == ["Rose Hand Cream"]
    assert done.reply == say("found", "en") + "\n- Rose Hand Cream — $18.00"


def test_an_unresolved_reference_with_nothing_to_search_asks_which(items: Any, services: ShopServices) -> None:
    convo = conversation(("coffee?", [items["espresso"]]))
    done = run(services, convo, "add the fifth one", intent="add", items=[{"product": "#5", "qty": 1}], lang="de")
    assert _cart(services, convo) == {} and done.ctx.turn.writes == []
    assert done.reply == say("which_product", "de") and done.shown == []


def test_set_corrects_a_quantity(items: Any, services: ShopServices) -> None:
    convo = conversation()
    run(services, convo, "2 Ethiopia Yirgacheffe", intent="add", items=[{"product": "Ethiopia Yirgacheffe", "qty": 2}])
    done = run(services, convo, "make that 3, not 2", intent="set", items=[{"product": "it", "qty": 3}])
    assert _cart(services, convo) == {"Ethiopia Yirgacheffe": 3}
    assert done.reply.startswith("Your cart now has 3 × Ethiopia Yirgacheffe.")


@pytest.mark.parametrize(
    ("message", "qty", "expected"),
    [
        ("actually make that 3, not 2", 3, 3),  # the cart's number and the new one: a correction
        ("3 statt 2 bitte", 3, 3),
        ("add 3 more", 3, 5),  # one number: an add
        ("2 more please", 2, 4),  # the cart's own number, nothing else: an add
    ],
)
def test_an_add_naming_the_carts_quantity_and_another_is_a_correction(
    message: str, qty: int, expected: int, items: Any, services: ShopServices
) -> None:
    """The model reads "make that 3, not 2" as an add of 3 as often as a set."""
    convo = conversation()
    run(services, convo, "2 Ethiopia Yirgacheffe", intent="add", items=[{"product": "Ethiopia Yirgacheffe", "qty": 2}])
    run(services, convo, message, intent="add", items=[{"product": "it", "qty": qty}])
    assert _cart(services, convo) == {"Ethiopia Yirgacheffe": expected}


@pytest.mark.parametrize(
    ("message", "lang", "qty", "added"),
    [
        ("Hola, quiero comprar un Earl Grey Supreme.", "es", 0, 1),
        ("Je voudrais acheter deux Earl Grey Supreme", "fr", 2, 2),  # the model's quantity is kept
        ("Ich möchte den Earl Grey Supreme kaufen", "de", 0, 1),
        ("Vorrei ordinare un Earl Grey Supreme.", "it", 0, 1),
        ("I'd like to order 2 Earl Grey Supreme", "en", 2, 2),
        ("my order of Earl Grey Supreme arrived broken", "en", 0, 0),  # the noun orders nothing
        ("can I buy the Earl Grey Supreme in a bigger tin?", "en", 0, 0),  # a question
        ("I'd like to buy a tea, the Earl Grey Supreme or the Wildflower Honey", "en", 0, 0),  # two named
        ("I want to buy a present for my aunt, she loves Earl Grey Supreme", "en", 0, 0),  # not buying it
    ],
)
def test_buying_one_named_product_in_so_many_words_adds_it(
    message: str, lang: str, qty: int, added: int, items: Any, services: ShopServices
) -> None:
    """The model read "quiero comprar un X" as a search (with a category nobody named)."""
    convo = conversation()
    run(services, convo, message, intent="find", query="earl grey", category="beauty", lang=lang,
        items=[{"product": "Earl Grey Supreme", "qty": qty}])  # fmt: skip
    assert _cart(services, convo) == ({"Earl Grey Supreme": added} if added else {})


def test_remove_and_what_is_not_in_the_cart(items: Any, services: ShopServices) -> None:
    convo = conversation()
    services.carts.add(convo.cart_id, str(items["honey"]["_id"]), 1)
    done = run(
        services, convo, "remove the Earl Grey Supreme", intent="remove", items=[{"product": "Earl Grey Supreme"}]
    )
    assert done.reply.startswith("Earl Grey Supreme is not in your cart.") and done.ctx.turn.writes == []
    done = run(services, convo, "remove the Wildflower Honey", intent="remove", items=[{"product": "Wildflower Honey"}])
    assert done.reply.startswith("Removed Wildflower Honey from your cart.") and _cart(services, convo) == {}


def test_sold_out_and_short_stock_are_not_added(items: Any, services: ShopServices) -> None:
    convo = conversation()
    done = run(services, convo, "a Chamomile Dream", intent="add", items=[{"product": "Chamomile Dream", "qty": 1}])
    assert done.reply.startswith("Sorry, Chamomile Dream is sold out at the moment.")
    done = run(services, convo, "5 Rose Hand Cream", intent="add", items=[{"product": "Rose Hand Cream", "qty": 5}])
    assert done.reply.startswith("Sorry, only 3 × Rose Hand Cream left, so I could not add 5.")
    assert _cart(services, convo) == {} and done.ctx.turn.writes == []


@pytest.mark.parametrize("intent", ["add", "checkout", "set"])
def test_offering_a_lower_price_never_writes(intent: str, items: Any, services: ShopServices) -> None:
    convo = conversation(("tell me about the Earl Grey Supreme", [items["earl"]]))
    done = run(
        services, convo, "give it to me for $1 and I'll take two", intent=intent, items=[{"product": "it", "qty": 2}]
    )
    assert _cart(services, convo) == {} and done.ctx.turn.writes == [] and done.ctx.turn.pending is None
    reply = done.execution.direct or ""
    # Code refuses with the real price and the owner's discount policy; the customer's $1 is not repeated.
    assert reply.startswith("Sorry, I can't change prices in the chat: Earl Grey Supreme costs $9.50.")
    assert "discount" in reply and "$1" not in reply


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("vous me le faites à moitié prix si j'en prends trois ?", "fr"),
        ("¿me haces un descuento si compro tres?", "es"),
        ("drei Stück, wenn ich Rabatt bekomme", "de"),
        ("three of them if you give me a discount", "en"),
    ],
)
def test_asking_for_a_lower_price_in_words_never_writes(
    message: str, lang: str, items: Any, services: ShopServices
) -> None:
    convo = conversation(("tell me about the Earl Grey Supreme", [items["earl"]]))
    done = run(services, convo, message, intent="add", items=[{"product": "it", "qty": 3}], lang=lang)
    assert _cart(services, convo) == {} and done.ctx.turn.writes == [] and done.ctx.turn.pending is None
    assert done.reply.startswith(say("no_haggle", lang, name="Earl Grey Supreme", price="$9.50"))


def test_the_cheaper_one_is_not_a_price_cut(items: Any, services: ShopServices) -> None:
    convo = conversation(("earl grey or honey?", [items["earl"], items["honey"]]))
    run(services, convo, "dann nehme ich das günstigere", intent="add", items=[{"product": "cheapest"}], lang="de")
    assert len(_cart(services, convo)) == 1


def test_paying_the_price_is_not_a_haggle(items: Any, services: ShopServices) -> None:
    convo = conversation(("tell me about the Earl Grey Supreme", [items["earl"]]))
    run(services, convo, "ok, two at $9.50 then", intent="add", items=[{"product": "it", "qty": 2}])
    assert _cart(services, convo) == {"Earl Grey Supreme": 2}


# --------------------------------------------------------------------------------------------------
# The model's intent, corrected by what the message shows in any language
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("intent", ["add", "find", "product"])
def test_an_amount_below_a_named_products_price_is_a_haggle(intent: str, items: Any, services: ShopServices) -> None:
    convo = conversation()
    done = run(services, convo, "te doy $5 por el Earl Grey Supreme", intent=intent, lang="es",
               items=[{"product": "Earl Grey Supreme", "qty": 1}])  # fmt: skip
    assert _cart(services, convo) == {} and done.ctx.turn.writes == [] and done.ctx.turn.pending is None
    assert (
        done.execution.direct == "Lo siento, no puedo cambiar los precios en el chat: Earl Grey Supreme cuesta $9.50."
    )


@pytest.mark.parametrize("intent", ["add", "checkout"])
def test_a_percentage_off_is_a_haggle_but_not_one_in_a_name(intent: str, items: Any, services: ShopServices) -> None:
    convo = conversation()
    done = run(services, convo, "Earl Grey Supreme at 50% off and I'll buy 3 right now, deal?", intent=intent,
               items=[{"product": "Earl Grey Supreme", "qty": 3}])  # fmt: skip
    assert _cart(services, convo) == {} and done.ctx.turn.writes == [] and done.ctx.turn.pending is None
    assert (done.execution.direct or "").startswith("Sorry, I can't change prices in the chat")
    services.db.products.update_one(
        {"_id": items["earl"]["_id"]}, {"$set": {"name": "Earl Grey 100% Supreme", "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    run(services, convo, "3 Earl Grey 100% Supreme please", intent="add",
        items=[{"product": "Earl Grey 100% Supreme", "qty": 3}])  # fmt: skip
    assert _cart(services, convo) == {"Earl Grey 100% Supreme": 3}


def test_two_products_named_in_a_search_are_compared(items: Any, services: ShopServices) -> None:
    """ "Lequel est le moins cher : X ou Y ?" read as a search answers about those two, not a search."""
    convo = conversation()
    done = run(services, convo, "Lequel est le moins cher : Ethiopia Yirgacheffe ou House Espresso Roast ?",
               intent="find", query="coffee", category="coffee", lang="fr")  # fmt: skip
    assert {p.name for p in done.shown} == {"Ethiopia Yirgacheffe", "House Espresso Roast"}
    assert (
        done.execution.direct == "Ethiopia Yirgacheffe est le moins cher, à $14.50 ; House Espresso Roast coûte $14.95."
    )


def test_an_email_with_something_to_buy_is_a_checkout(items: Any, services: ShopServices) -> None:
    convo = conversation()
    done = run(services, convo, "Wildflower Honey para mí, ann@example.com", intent="add", lang="es",
               items=[{"product": "Wildflower Honey", "qty": 1}])  # fmt: skip
    assert done.request.email == "ann@example.com"  # the model left it out; the message has it
    assert _cart(services, convo) == {"Wildflower Honey": 1} and done.ctx.turn.pending is None
    need = say("need", "es", task=say("task_order", "es"), what=listing([say("field_name", "es"),
               say("field_address", "es")], "es"))  # fmt: skip
    assert done.reply.endswith(need)


def test_an_email_alone_without_a_cart_is_not_a_checkout(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "hola, soy ann@example.com", intent="greeting", lang="es")
    assert done.ctx.turn.pending is None and done.reply == _invite(services, "es")


def test_a_full_product_name_the_model_took_for_a_search_is_a_question_about_it(
    items: Any, services: ShopServices
) -> None:
    done = run(services, conversation(), "Ist der Earl Grey Supreme kräftig?", intent="find", query="earl grey",
               lang="de")  # fmt: skip
    assert done.request.intent == "find" and [i.product for i in done.request.items] == ["Earl Grey Supreme"]
    assert done.execution.direct is None  # a question about one product: data for the model to word
    assert "Earl Grey Supreme" in done.execution.facts and "$9.50" in done.execution.facts
    assert done.execution.facts.endswith("Antworte auf Deutsch, in 1-2 Sätzen.")
    price = run(services, conversation(), "Was kostet der Earl Grey Supreme?", intent="find", query="earl grey",
                lang="de")  # fmt: skip
    assert price.execution.direct == "Earl Grey Supreme kostet $9.50 und ist vorrätig."


@pytest.mark.parametrize(
    ("message", "lang", "query"),
    [
        ("¿Tienen Chamomile Dream?", "es", "herbal tea"),
        ("Chamomile Dream pls!! 🙏", "en", "herbal tea"),
        ("Bonjour, que disent les clients de Chamomile Dream ?", "fr", "tea"),  # the product's own kind
        ("Bonjour, que disent les clients de Chamomile Dream ?", "fr", "clients"),  # words no product has
    ],
)
def test_a_message_that_is_little_more_than_a_name_is_about_that_product(
    message: str, lang: str, query: str, items: Any, services: ShopServices
) -> None:
    """ "¿Tienen Rose & Cinnamon Infusion?" came as a search for herbal tea (a dev run), "Ceylon Nuwara
    Eliya pls!!" as a search for tea: the sold-out product was never mentioned."""
    done = run(services, conversation(), message, intent="find", query=query, category="tea", lang=lang)
    assert (done.execution.direct or "").startswith(say("sold_out", lang, name="Chamomile Dream"))


@pytest.mark.parametrize(
    ("message", "lang", "query"),
    [
        ("any other tea like the Earl Grey Supreme?", "en", "black tea"),
        ("¿tienen otros tés como el Earl Grey Supreme?", "es", "tea"),  # a kind of product, plural
        ("a gift for my aunt who loves Earl Grey Supreme, maybe honey?", "en", "honey gift"),  # another kind
    ],
)
def test_a_search_wider_than_the_name_it_mentions_stays_a_search(
    message: str, lang: str, query: str, items: Any, services: ShopServices
) -> None:
    done = run(services, conversation(), message, intent="find", query=query, lang=lang)
    assert done.request.items == [] and done.request.intent == "find"


def test_a_bare_yes_with_nothing_pending_never_writes(items: Any, services: ShopServices) -> None:
    convo = conversation(("tell me about the Earl Grey Supreme", [items["earl"]]))
    done = run(services, convo, "sí", intent="add", items=[{"product": "it", "qty": 1}], lang="es")
    assert _cart(services, convo) == {} and done.ctx.turn.writes == []
    assert done.reply == _invite(services, "es")  # an empty cart: a greeting
    services.carts.add(convo.cart_id, str(items["honey"]["_id"]), 1)
    done = run(services, convo, "yes", intent="add", items=[{"product": "it", "qty": 1}])
    assert _cart(services, convo) == {"Wildflower Honey": 1} and done.ctx.turn.writes == []
    assert done.ctx.turn.pending is None and done.reply.startswith("To place your order I still need")


# --------------------------------------------------------------------------------------------------
# Checkout
# --------------------------------------------------------------------------------------------------


def test_a_missing_address_is_asked_for_in_the_requests_language(items: Any, services: ShopServices) -> None:
    convo = conversation()
    services.carts.add(convo.cart_id, str(items["earl"]["_id"]), 1)
    ana = {"name": "Ana Ruiz", "email": "ana@ruiz.es"}
    done = run(services, convo, "quiero pedir: soy Ana Ruiz, ana@ruiz.es", intent="checkout", lang="es", **ana)
    assert done.reply == "Para hacer tu pedido todavía necesito la dirección de entrega."
    assert done.ctx.turn.pending is None


def test_one_shot_checkout_adds_then_prepares_the_summary(items: Any, services: ShopServices) -> None:
    convo = conversation()
    jo = {"name": "Jo Park", "email": "jo@park.io", "address": "4 Elm Row, Leeds"}
    message = "buy the cheapest coffee for me: Jo Park, jo@park.io, 4 Elm Row, Leeds"
    cheapest = {"items": [{"product": "cheapest"}], "category": "coffee", "query": "coffee"}
    done = run(services, convo, message, intent="checkout", **cheapest, **jo)
    assert _cart(services, convo) == {"Ethiopia Yirgacheffe": 1}  # $14.50, under the espresso's $14.95
    pending = done.ctx.turn.pending
    assert pending is not None and pending.kind == "place_order"
    assert [(line["name"], line["quantity"]) for line in pending.summary["lines"]] == [("Ethiopia Yirgacheffe", 1)]
    assert pending.summary["address"] == "4 Elm Row, Leeds" and pending.summary["customerName"] == "Jo Park"
    assert done.reply.startswith("Added 1 × Ethiopia Yirgacheffe") and say("check_order", "en") in done.reply
    assert done.reply.endswith(say("confirm_order", "en"))  # the summary itself, not data for a model
    assert services.db.orders.count_documents({}) == 0


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("buy the cheapest coffee for me pls - Jo Park, jo@park.io, 4 Elm Row, Leeds", "en"),
        ("cómprame el café más barato: Jo Park, jo@park.io, 4 Elm Row, Leeds", "es"),
    ],
)
def test_the_cheapest_one_bought_in_one_message_without_an_item_from_the_model(
    message: str, lang: str, items: Any, services: ShopServices
) -> None:
    """The model gave a search with the details and no item ("buy the cheapest biscuits for me - ..."):
    code reads the cheapest one asked for, and the order summary follows."""
    convo = conversation()
    jo = {"name": "Jo Park", "email": "jo@park.io", "address": "4 Elm Row, Leeds"}
    done = run(services, convo, message, lang=lang, intent="find", query="coffee", category="coffee", **jo)
    assert _cart(services, convo) == {"Ethiopia Yirgacheffe": 1}
    assert done.ctx.turn.pending is not None and done.ctx.turn.pending.kind == "place_order"
    plain = run(services, conversation(), "buy coffee for me - Jo Park, jo@park.io, 4 Elm Row, Leeds", intent="find",
                query="coffee", category="coffee", **jo)  # fmt: skip
    assert plain.ctx.turn.pending is None and plain.ctx.turn.writes == []  # which one is the customer's to say


def test_the_cheapest_is_chosen_among_the_products_the_words_name(
    items: Any, services: ShopServices, product_factory: Any
) -> None:
    """ "buy the cheapest hand cream for me" bought a foot cream (a dev run's wrong write): the search
    for "hand cream" also finds other creams, and the cheapest of them was taken."""
    product_factory(name="Peppermint Foot Cream", slug="foot", category="beauty", price=Decimal("9.00"), stock=5)
    services.catalog.invalidate()
    jo = {"name": "Jo Park", "email": "jo@park.io", "address": "4 Elm Row, Leeds"}
    message = "buy the cheapest hand cream for me pls - Jo Park, jo@park.io, 4 Elm Row, Leeds"
    convo = conversation()
    run(services, convo, message, intent="find", query="hand cream", category="beauty", **jo)
    assert _cart(services, convo) == {"Rose Hand Cream": 1}


def test_a_product_carried_over_from_earlier_goes_in_the_cart_only_at_the_yes(
    items: Any, services: ShopServices
) -> None:
    """ "I want the Wildflower Honey" (answered as a question), then only the details: the model carries
    the honey into the checkout. It is in the summary; the cart changes at the yes, and a no leaves it."""
    convo = conversation(("I want the Wildflower Honey", [items["honey"]]))
    services.carts.add(convo.cart_id, str(items["earl"]["_id"]), 2)
    jo = {"name": "Jo Park", "email": "jo@park.io", "address": "4 Elm Row, Leeds"}
    done = run(services, convo, "Jo Park, jo@park.io, 4 Elm Row, Leeds", intent="checkout",
               items=[{"product": "Wildflower Honey", "qty": 1}], **jo)  # fmt: skip
    pending = done.ctx.turn.pending
    assert pending is not None
    lines = {line["name"]: line["quantity"] for line in pending.summary["lines"]}
    assert lines == {"Earl Grey Supreme": 2, "Wildflower Honey": 1}
    assert _cart(services, convo) == {"Earl Grey Supreme": 2} and done.ctx.turn.writes == []
    convo.pending = pending
    placed = actions.execute(services, convo, pending.id)
    assert placed.done and placed.order is not None
    assert {line.name: line.quantity for line in placed.order.lines} == lines
    assert _cart(services, convo) == {}  # the honey went in at the yes, then both were ordered


def test_a_carried_over_product_with_a_detail_missing_changes_no_cart(items: Any, services: ShopServices) -> None:
    convo = conversation(("I want the Wildflower Honey", [items["honey"]]))
    done = run(services, convo, "my email is jo@park.io", intent="checkout", email="jo@park.io",
               items=[{"product": "Wildflower Honey", "qty": 1}])  # fmt: skip
    assert _cart(services, convo) == {} and done.ctx.turn.writes == [] and done.ctx.turn.pending is None
    assert done.reply == "To place your order I still need your name and the delivery address."


def test_details_with_a_cart_are_a_checkout_whatever_the_intent(items: Any, services: ShopServices) -> None:
    convo = conversation()
    services.carts.add(convo.cart_id, str(items["honey"]["_id"]), 1)
    ann = {"name": "Ann Lee", "email": "ann@example.com", "address": "5 Oak Road"}
    done = run(services, convo, "Ann Lee, ann@example.com, 5 Oak Road", intent="greeting", **ann)
    assert done.ctx.turn.pending is not None and done.ctx.turn.pending.summary["subtotal"] == "10.50"


def test_details_given_over_several_messages_make_one_order(items: Any, services: ShopServices) -> None:
    convo = conversation()
    services.carts.add(convo.cart_id, str(items["honey"]["_id"]), 1)
    first = run(services, convo, "I'm Tom Baker and my email is tom@example.com", intent="checkout",
                name="Tom Baker", email="tom@example.com")  # fmt: skip
    assert first.ctx.turn.pending is None and "address" in first.reply
    # The next message gives only the address (and the model only fills that): the order collects the rest.
    done = run(services, convo, "the address is 77 Lakeview Drive, Madison", intent="checkout",
               address="77 Lakeview Drive, Madison")  # fmt: skip
    pending = done.ctx.turn.pending
    assert pending is not None and pending.summary["customerName"] == "Tom Baker"
    assert pending.summary["email"] == "tom@example.com" and pending.summary["address"] == "77 Lakeview Drive, Madison"


@pytest.mark.parametrize(
    ("message", "item", "in_cart"),
    [
        ("Oh sorry, the address is 77 Lakeview Drive, Madison", "Wildflower Honey", 1),  # copied: the order
        ("and one more Wildflower Honey please", "Wildflower Honey", 2),  # named in this message
    ],
)
def test_an_add_the_model_copied_into_a_details_message_is_the_checkout(
    message: str, item: str, in_cart: int, items: Any, services: ShopServices
) -> None:
    """ "Oh sorry, the address is 5 Oak Road, ..." came as the previous turn's add of the granola in
    the cart, and a second one was added (dev seed 53, both draws: wrong writes)."""
    convo = conversation(("honey?", [items["honey"]]))
    services.carts.add(convo.cart_id, str(items["honey"]["_id"]), 1)
    run(services, convo, "I'm Tom Baker and my email is tom@example.com", intent="checkout",
        name="Tom Baker", email="tom@example.com")  # fmt: skip
    address = "77 Lakeview Drive, Madison" if "Lakeview" in message else ""
    done = run(services, convo, message, intent="add", items=[{"product": item}], address=address)
    assert _cart(services, convo) == {"Wildflower Honey": in_cart}
    if in_cart == 1:
        assert done.ctx.turn.pending is not None and done.ctx.turn.pending.summary["address"] == address


def test_an_earlier_detail_the_customer_never_wrote_is_not_collected(items: Any, services: ShopServices) -> None:
    convo = conversation()
    services.carts.add(convo.cart_id, str(items["honey"]["_id"]), 1)
    run(services, convo, "order it please", intent="checkout", name="John Smith", address="221B Baker Street")
    done = run(services, convo, "ann@example.com", intent="checkout")
    assert done.ctx.turn.pending is None and "name" in done.reply and "address" in done.reply


def test_an_empty_cart_has_nothing_to_order(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "order, Ann Lee ann@example.com 5 Oak Road", intent="checkout", lang="fr")
    assert done.reply == say("empty_cart_order", "fr") and done.ctx.turn.pending is None


def test_buying_a_kind_of_product_with_an_empty_cart_shows_the_matches(items: Any, services: ShopServices) -> None:
    """Buying "a honey" with nothing in the cart: which one is the customer's to say, so the list."""
    convo = conversation()
    done = run(services, convo, "je prends du miel", intent="checkout", query="honey", lang="fr")
    assert done.ctx.turn.pending is None and _cart(services, convo) == {} and done.ctx.turn.writes == []
    assert [p.name for p in done.shown] == ["Wildflower Honey"]
    assert done.reply == say("found", "fr") + "\n- Wildflower Honey — $10.50"


# --------------------------------------------------------------------------------------------------
# Questions, policies, declines
# --------------------------------------------------------------------------------------------------


def test_compare_gives_the_verdict_written_by_code(items: Any, services: ShopServices) -> None:
    convo = conversation(("coffee", [items["yirga"], items["espresso"]]))
    done = run(services, convo, "which is cheaper?", intent="compare")
    expected = "Ethiopia Yirgacheffe is the cheaper one at $14.50; House Espresso Roast costs $14.95."
    assert done.execution.direct == expected and done.execution.facts == ""
    assert {p.name for p in done.shown} == {"Ethiopia Yirgacheffe", "House Espresso Roast"}


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        ("Thank you. I'll take the cheaper one then, just one please.", "en", "Earl Grey Supreme"),
        ("Vale, me llevo el más barato.", "es", "Earl Grey Supreme"),
        ("Je prends le plus cher.", "fr", "Ethiopia Yirgacheffe"),
        ("Dann nehme ich den günstigeren.", "de", "Earl Grey Supreme"),
    ],
)
def test_the_cheaper_one_after_a_comparison_is_the_cheaper_one(
    message: str, lang: str, expected: str, items: Any, services: ShopServices
) -> None:
    """After "Earl Grey ... is the cheaper one", the model wrote "#2" for "the cheaper one" and the
    dearer product went in the cart (a wrong write): the words choose by price, not the model's number."""
    convo = conversation()
    run(services, convo, "Ethiopia Yirgacheffe or Earl Grey Supreme, which is cheaper?", intent="compare",
        items=[{"product": "Ethiopia Yirgacheffe"}, {"product": "Earl Grey Supreme"}])  # fmt: skip
    run(services, convo, message, lang=lang, intent="add", items=[{"product": "#1", "qty": 1}])
    assert _cart(services, convo) == {expected: 1}


def test_cheaper_that_chooses_nothing_leaves_the_reference_alone(items: Any, services: ShopServices) -> None:
    """ "cheaper" without an article or "one" is no choice among the products shown."""
    convo = conversation(("coffee", [items["yirga"], items["espresso"]]))
    run(services, convo, "the second one, and is there anything cheaper too?", intent="add", items=[{"product": "#2"}])
    assert _cart(services, convo) == {"House Espresso Roast": 1}


@pytest.mark.parametrize(
    ("policy", "start"),
    [
        ("Refunds", "Refunds go back to the original payment method"),
        ("Damaged or wrong items", "If something arrives damaged or is not what you ordered"),
        ("Shipping costs", ""),
    ],
)
def test_a_policy_is_answered_from_the_chosen_section(
    policy: str, start: str, items: Any, services: ShopServices
) -> None:
    done = run(services, conversation(), "…", intent="policy", policy=policy)
    section = next(s for s in services.policies.sections() if s.title == policy)
    assert done.reply == " ".join(section.text.split())  # the owner's words, as written
    assert done.reply.startswith(start)
    assert done.ctx.turn.calls == [("shop_policy", {"section": policy})]


def test_a_two_part_question_gets_both_sections(items: Any, services: ShopServices) -> None:
    message = "how long does shipping take & is it free??"
    done = run(services, conversation(), message, intent="policy", policy="Shipping costs")
    titles = [args["section"] for _, args in done.ctx.turn.calls]
    assert titles == ["Where we ship and how long it takes", "Shipping costs"]  # "how long" has two title words
    assert "Standard shipping is $5.95" in done.reply and "2-5 working days" in done.reply


def test_the_section_the_question_is_about_comes_before_the_models_heading(items: Any, services: ShopServices) -> None:
    """The model named the return window for a question about the refund's timing: the words of the
    question rank the refunds section first (a small model words mostly the first section)."""
    message = "would i get my money back on my card, and how long does the refund take?"
    done = run(services, conversation(), message, intent="policy", policy="Returning an item")
    titles = [args["section"] for _, args in done.ctx.turn.calls]
    assert titles == ["Refunds", "Returning an item"]
    assert done.reply.startswith("Refunds go back to the original payment method within 5 working days")


def test_the_english_query_finds_the_other_section_of_a_foreign_question(items: Any, services: ShopServices) -> None:
    message = "posso restituire un pacco aperto e quando mi rimborsate?"
    done = run(services, conversation(), message, intent="policy", policy="Returning an item",
               query="return opened package, refund time", lang="it")  # fmt: skip
    # the sentence the question asks about comes first (a small model words mostly the first), and
    # nothing is left out
    assert "Shop policy, Returning an item: Opened food, tea and coffee cannot be returned" in done.execution.facts
    assert "Unopened items can be returned within 30 days" in done.execution.facts
    assert "Shop policy, Refunds: Refunds go back" in done.execution.facts
    assert len(done.ctx.turn.calls) == 2
    returned = run(services, conversation(), "posso restituire un pacco di Earl Grey Supreme già aperto?",
                   intent="return", items=[{"product": "Earl Grey Supreme"}], condition="opened",
                   resolution="exchange", lang="it")  # fmt: skip
    assert "Shop policy, Returning an item: Opened food" in returned.execution.facts


@pytest.mark.parametrize(
    ("message", "policy", "query", "figures"),
    [
        ("¿Y si llega roto?", "Damaged or wrong items", "damaged items", {14}),
        ("¿cuándo me devuelven el dinero?", "Refunds", "refund time", {5}),
        # the rule asked about states no figure: nothing is required
        ("posso restituire un pacco aperto?", "Returning an item", "return opened package", None),
        ("wie kann ich euch erreichen?", "How to reach us", "", None),  # no words to weigh sentences by
    ],
)
def test_a_worded_policy_must_state_the_figures_of_the_rule_asked_about(
    message: str, policy: str, query: str, figures: set[int] | None, items: Any, services: ShopServices
) -> None:
    done = run(services, conversation(), message, intent="policy", policy=policy, query=query, lang="es")
    must = done.execution.must_state
    assert (set(must[1]) if must else None) == figures
    if must:
        assert must[0] in done.execution.facts.split(": ", 1)[1]  # a sentence of the data, as given


def test_a_policy_in_another_language_is_data_for_the_model(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "recupero i soldi sulla carta?", intent="policy", policy="Refunds", lang="it")
    assert done.execution.direct is None
    assert "Shop policy, Refunds: Refunds go back" in done.execution.facts
    assert (
        done.execution.facts.endswith("Rispondi in italiano, in 1-2 frasi.") and not done.execution.user_amounts_allowed
    )


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        ("How much is it again?", "en", "Earl Grey Supreme costs $9.50 and is in stock."),
        ("price?", "en", "Earl Grey Supreme costs $9.50 and is in stock."),
        ("¿Y cuánto cuesta?", "es", "Earl Grey Supreme cuesta $9.50 y está disponible."),
        ("Was kostet der Earl Grey Supreme?", "de", "Earl Grey Supreme kostet $9.50 und ist vorrätig."),
    ],
)
def test_a_price_question_is_answered_by_code(
    message: str, lang: str, expected: str, items: Any, services: ShopServices
) -> None:
    """Price questions were the slowest turns of a dev run: the model re-told the details without the
    price, was rejected for repeating itself, and code's line came after two wordings."""
    convo = conversation(("earl grey?", [items["earl"]]))
    done = run(services, convo, message, lang=lang, intent="product", items=[{"product": "it"}])
    assert done.reply == expected and [p.name for p in done.shown] == ["Earl Grey Supreme"]


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("how much is a bag?", {"intent": "find", "query": "price", "category": "tea"}),
        ("how much is a bag?", {"intent": "find", "query": "bag", "category": "food"}),  # granolas were listed
        ("how much is a bag?", {"intent": "policy", "query": "price", "policy": "Discounts and price changes"}),
        ("¿y cuánto cuesta?", {"intent": "find", "query": "price", "lang": "es"}),
    ],
)
def test_a_price_question_about_the_product_in_focus_read_as_a_search_is_about_it(
    message: str, args: dict[str, Any], items: Any, services: ShopServices
) -> None:
    """ "how much is a bag?" after one tea was discussed came as a search for "price" and was answered
    with the price-changes rule, or as a search for "bag" that listed granolas, one of which "add one"
    then put in the cart (test split, seed 43, all three runs)."""
    convo = conversation(("earl grey?", [items["earl"]]))
    done = run(services, convo, message, **args)
    assert "$9.50" in done.reply and [p.name for p in done.shown] == ["Earl Grey Supreme"]


@pytest.mark.parametrize(
    "message", ["how much caffeine does it have?", "is it organic, and what does it taste like? price too"]
)
def test_other_questions_about_a_product_are_worded_from_its_details(
    message: str, items: Any, services: ShopServices
) -> None:
    convo = conversation(("earl grey?", [items["earl"]]))
    done = run(services, convo, message, intent="product", items=[{"product": "it"}])
    assert done.execution.direct is None and "Earl Grey Supreme" in done.execution.facts


def test_a_price_question_about_a_product_running_low_says_how_many_are_left(
    items: Any, services: ShopServices
) -> None:
    convo = conversation(("hand cream?", [items["cream"]]))
    done = run(services, convo, "quanto costa?", lang="it", intent="product", items=[{"product": "it"}])
    assert done.reply == "Rose Hand Cream costa $18.00; ne restano solo 3."


def test_a_product_name_read_as_a_policy_question_is_a_question_about_the_product(
    items: Any, services: ShopServices
) -> None:
    """ "Kenya Muranga Washed?" came as a policy question and got the damage rule (two dev runs)."""
    done = run(services, conversation(), "Earl Grey Supreme?", intent="policy", policy="Damaged or wrong items",
               query="Earl Grey Supreme?")  # fmt: skip
    assert [name for name, _ in done.ctx.turn.calls] == ["product_details"]
    assert [p.name for p in done.shown] == ["Earl Grey Supreme"]
    # a word shared with a policy's body ("about") names no rule (a test-split run got the contact text)
    reviews = run(services, conversation(), "wat do ppl say about Earl Grey Supreme", intent="policy",
                  policy="How to reach us", query="what do people say about Earl Grey Supreme")  # fmt: skip
    assert [name for name, _ in reviews.ctx.turn.calls] == ["product_details"]
    kept = run(services, conversation(), "can I return an opened Earl Grey Supreme?", intent="policy",
               policy="Returning an item", query="return opened Earl Grey Supreme")  # fmt: skip
    assert [name for name, _ in kept.ctx.turn.calls][:1] == ["shop_policy"]
    foreign = run(services, conversation(), "posso restituire un Earl Grey Supreme aperto?", lang="it",
                  intent="policy", policy="Returning an item")  # fmt: skip
    assert [name for name, _ in foreign.ctx.turn.calls][:1] == [
        "shop_policy"
    ]  # no English words to read: the model's reading stands


def test_a_rule_asked_in_a_long_message_read_as_a_search_gets_the_rule(
    items: Any, services: ShopServices, embedding: LocalSentenceEmbedding
) -> None:
    services.policies = PolicyLibrary(services.policies.directory, embedding=embedding)
    message = ("We're moving house next month, so everything is chaos and half my things are in boxes. "
               "Quick question: how long does delivery usually take? Thanks, and sorry for rambling!")  # fmt: skip
    done = run(services, conversation(), message, intent="find", query="delivery time", category="food",
               policy="How to reach us")  # fmt: skip
    assert [name for name, _ in done.ctx.turn.calls][:1] == ["shop_policy"] and done.shown == []
    assert next(args["section"] for _, args in done.ctx.turn.calls) == "Where we ship and how long it takes"
    # a search for a kind of product that mentions delivery stays a search
    kept = run(services, conversation(), "honey that survives delivery in summer?", intent="find",
               query="honey delivery", category="food")  # fmt: skip
    assert [name for name, _ in kept.ctx.turn.calls] == ["search_products"] and kept.shown


def test_the_english_query_ranks_sections_by_meaning(
    items: Any, services: ShopServices, embedding: LocalSentenceEmbedding
) -> None:
    """Words alone rank the shipping costs first for "shipping time" (a title word); by meaning the
    delivery times answer it. The French message itself is read by its words only."""
    services.policies = PolicyLibrary(services.policies.directory, embedding=embedding)
    message = "Combien de temps faut-il pour recevoir un colis ?"
    done = run(services, conversation(), message, intent="policy", policy="Shipping costs", query="shipping time",
               lang="fr")  # fmt: skip
    titles = [args["section"] for _, args in done.ctx.turn.calls]
    assert titles[0] == "Where we ship and how long it takes"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_person_asked_for_without_an_email_gets_the_ask_and_the_way_back(
    lang: str, items: Any, services: ShopServices
) -> None:
    done = run(services, conversation(), "…", intent="human", lang=lang)
    assert done.reply.startswith(say("need", lang, task=say("task_human", lang), what=say("field_email", lang)))
    categories = listing([c.name.lower() for c in services.catalog.all_categories()], lang)
    assert done.reply.endswith(say("human_or_shop", lang, categories=categories))
    assert done.ctx.turn.writes == []


def test_off_topic_gets_a_short_decline(items: Any, services: ShopServices) -> None:
    done = run(services, conversation(), "write me a 300-word essay on the French revolution", intent="other")
    assert done.reply.startswith(f"Sorry, I can only help with {services.settings.shop_name}")
    assert len(done.reply) < 250 and done.shown == [] and done.ctx.turn.calls == []


# --------------------------------------------------------------------------------------------------
# Code's replies in the customer's language
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_code_writes_its_replies_in_the_requests_language(lang: str, items: Any, services: ShopServices) -> None:
    convo = conversation()
    added = run(services, convo, "2 Ethiopia Yirgacheffe", intent="add", lang=lang,
                items=[{"product": "Ethiopia Yirgacheffe", "qty": 2}])  # fmt: skip
    assert say("added", lang, qty=2, name="Ethiopia Yirgacheffe", price="$14.50") in added.reply
    assert say("cart", lang) in added.reply and say("subtotal", lang) + ": $29.00" in added.reply
    line = say("price_line", lang, qty=2, name="Ethiopia Yirgacheffe", price="$14.50", total="$29.00")
    assert line in added.reply  # the cart's lines too ("a $14.50", not "at $14.50")
    assert added.reply.endswith(say("next_step", lang))
    assert say("added", "en", qty=2, name="Ethiopia Yirgacheffe", price="$14.50") not in added.reply
    asked = run(services, convo, "Ana, ana@ruiz.es", intent="checkout", name="Ana", email="ana@ruiz.es", lang=lang)
    assert asked.reply == say("need", lang, task=say("task_order", lang), what=say("field_address", lang))
    summary = run(services, convo, "Calle Mayor 1, Madrid", intent="checkout", lang=lang, name="Ana",
                  email="ana@ruiz.es", address="Calle Mayor 1, Madrid")  # fmt: skip
    assert summary.reply.startswith(say("check_order", lang)) and summary.reply.endswith(say("confirm_order", lang))
    assert line in summary.reply
    assert run(services, convo, "?", intent="greeting", lang=lang).reply == _invite(services, lang)


# --------------------------------------------------------------------------------------------------
# Order lookup: status, tracking link and estimate from the same data as the order page (TRACKING)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "de"])
def test_order_status_reports_the_tracking_link_and_the_estimate(
    services: ShopServices, product_factory: Any, lang: str
) -> None:
    product = product_factory(name="Kenya AA", stock=4)
    order = services.orders.place(
        OrderRequest(
            customerName="Ada",
            email="ada@example.com",
            address="12 Analytical Street",
            items=[{"productId": str(product["_id"]), "quantity": 1}],
        )
    )
    services.order_admin.change_status(order.id, "confirmed", owner="owner@example.com")
    services.fulfillment.ship(order.id, parse_tracking("ups", "1Z999AA10123456784"), owner="owner@example.com")
    message = f"where is my order {order.id}? ada@example.com"
    done = run(
        services, conversation(), message, lang, intent="order_status", order_id=order.id, email="ada@example.com"
    )
    tracking = services.fulfillment.tracking(services.orders.get(order.id))
    assert tracking.estimate is not None
    link = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert done.reply.splitlines()[1:] == [
        say("tracking_line", lang, carrier="UPS", number="1Z999AA10123456784", url=link),
        say(
            "estimate_line",
            lang,
            earliest=f"{tracking.estimate.earliest:%Y-%m-%d}",
            latest=f"{tracking.estimate.latest:%Y-%m-%d}",
        ),
    ]
    services.order_admin.change_status(order.id, "completed", owner="owner@example.com")
    done = run(
        services, conversation(), message, lang, intent="order_status", order_id=order.id, email="ada@example.com"
    )
    delivered = services.db.orders.find_one({"_id": order.id})["deliveredAt"]
    assert done.reply.splitlines()[-1] == say("delivered_line", lang, date=f"{delivered:%Y-%m-%d}")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_order_status_of_a_split_order_says_how_many_parcels_have_shipped(
    services: ShopServices, product_factory: Any, lang: str
) -> None:
    """SPLIT SHIPMENTS (issue 14): the chat says what the order page says after the first parcel."""
    order, _, _ = two_location_order(services, product_factory)
    services.fulfillment.ship(
        order.id, parse_tracking("ups", "1Z999AA10123456784"), owner="owner@example.com", location_id="main"
    )
    message = f"where is my order {order.id}? ada@example.com"
    done = run(
        services, conversation(), message, lang, intent="order_status", order_id=order.id, email="ada@example.com"
    )
    lines = done.reply.splitlines()
    assert lines[2] == say("parcels_partly_line", lang, shipped=1, total=2)
    assert lines[1].startswith(say("tracking_line", lang, carrier="UPS", number="1Z999AA10123456784", url=""))
