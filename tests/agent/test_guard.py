"""The reply check on its own: amounts, catalog names, and the streaming gate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from agent.guard import (
    OWNER_READ_ONLY_REPLY,
    NameIndex,
    StreamGate,
    amounts_in,
    check_reply,
    echoes,
    strip_refs,
    write_claims,
)
from tools.context import TurnRecord


def test_amounts_need_a_currency_sign_or_word() -> None:
    assert amounts_in("$12.50, USD 3, 4.5 dollars, $1,200 and 7 bags or 70%") == [
        Decimal("12.50"), Decimal("3"), Decimal("4.50"), Decimal("1200")
    ]  # fmt: skip


def test_names_match_whole_words_longest_first(items: Any, services: Any) -> None:
    names = NameIndex(services.catalog)
    text = "Try EARL GREY SUPREME, or the ethiopia yirgacheffe; Earl Grey alone is not ours."
    assert names.mentions(text) == [str(items["earl"]["_id"]), str(items["yirga"]["_id"])]
    assert names.mentions("Rose Hand Creams") == []  # a different word is a different name


def test_check_reply(items: Any, services: Any) -> None:
    names = NameIndex(services.catalog)
    earl = services.catalog.get(str(items["earl"]["_id"]))
    turn = TurnRecord()
    turn.products[earl.id] = earl
    turn.amounts.add(earl.price)
    assert check_reply("Earl Grey Supreme is $9.50.", turn, names) == []
    assert [v.kind for v in check_reply("Earl Grey Supreme is $9.00.", turn, names)] == ["price"]
    assert [v.kind for v in check_reply("Or Wildflower Honey.", turn, names)] == ["product"]
    assert check_reply("Yes, under $10: Earl Grey Supreme.", turn, names, user_text="tea under $10") == []


def test_a_right_number_in_another_currency_is_refused(items: Any, services: Any) -> None:
    names = NameIndex(services.catalog)
    earl = services.catalog.get(str(items["earl"]["_id"]))
    turn = TurnRecord()
    turn.products[earl.id] = earl
    turn.amounts.add(earl.price)
    for text in ("Earl Grey Supreme cuesta 9,50 euros.", "Earl Grey Supreme kostet 9.50 €.", "It is £9.50."):
        assert [v.kind for v in check_reply(text, turn, names)] == ["currency"], text
    for text in ("Earl Grey Supreme cuesta 9,50 dólares.", "Earl Grey Supreme: USD 9.50", "9.50 $"):
        assert check_reply(text, turn, names) == [], text
    turn.currency = "EUR"
    assert [v.kind for v in check_reply("It is $9.50.", turn, names)] == ["currency"]
    assert check_reply("Es kostet 9,50 €.", turn, names) == []


def test_stream_gate_holds_back_a_bad_price() -> None:
    def check(text: str) -> list[Any]:
        return ["bad"] if "$0" in text else []

    gate = StreamGate(check)
    shown = "".join(gate.feed(piece) for piece in ["It ", "is ", "free, ", "$0", ".00 ", "today"])
    assert shown == "It is free, " and gate.blocked and gate.finish() == ""


def test_stream_gate_releases_whole_words_only() -> None:
    gate = StreamGate(lambda text: [])
    assert gate.feed("Hel") == "" and gate.feed("lo wor") == "Hello " and gate.finish() == "wor"


def test_order_numbers_and_order_claims_need_a_tool(items: Any, services: Any) -> None:
    names = NameIndex(services.catalog)
    turn = TurnRecord()
    kinds = {v.kind for v in check_reply("Your order ORD-12345 has been placed!", turn, names)}
    assert kinds == {"order", "claim"}
    turn.order_ids.add("ORD-7K2M9QXD")
    turn.calls.append(("order_status", {}))
    assert check_reply("Order ORD-7K2M9QXD is confirmed and on its way.", turn, names) == []


def test_refs_are_taken_out_of_replies() -> None:
    assert strip_refs("Try the P1 Lighthouse Blend or Kenya AA (P2).") == "Try the Lighthouse Blend or Kenya AA."
    assert strip_refs("P3: Earl Grey") == "Earl Grey"
    assert (
        strip_refs("Add P2 or P9 to your cart.", {"P2": "Earl Grey"}) == "Add Earl Grey or this product to your cart."
    )


def test_tool_talk_and_a_sold_out_product_offered_as_available(items: Any, services: Any) -> None:
    names = NameIndex(services.catalog)
    turn = TurnRecord()
    chamomile = services.catalog.get(str(items["chamomile"]["_id"]))
    turn.products[chamomile.id] = chamomile
    tools = frozenset({"sales_summary"})
    assert [v.kind for v in check_reply("Call the `sales_summary` function.", turn, names, tool_names=tools)] == [
        "tool"
    ]
    everyday = frozenset({"cart", "recommend", "sales_summary"})
    assert check_reply("I recommend adding it to your cart.", turn, names, tool_names=everyday) == []
    assert [v.kind for v in check_reply("Use cart(action='add').", turn, names, tool_names=everyday)] == ["tool"]
    assert [v.kind for v in check_reply("Chamomile Dream is lovely.", turn, names)] == ["stock"]
    assert check_reply("Chamomile Dream is sold out, sorry.", turn, names) == []
    assert check_reply("Chamomile Dream is", turn, names, final=False) == []  # the rest may still come
    assert check_reply("Your card is charged when the order is confirmed.", turn, names) == []
    for claim in ("Order placed successfully.", "Your order number is P12345.", "I have cancelled it."):
        assert [v.kind for v in check_reply(claim, turn, names)] == ["claim"], claim


def test_write_claims_in_owner_replies() -> None:
    """The owner's tools only read, so any of these is false (issue 12: "delete all products" -> "DONE")."""
    claims = [
        "DONE",
        "Done! All products deleted.",
        "I have updated the prices.",
        "I've removed the sold-out products.",
        "The prices have been changed to $5.",
        "Listo, he eliminado todos los productos.",
        "Tous les produits ont été supprimés.",
        "Erledigt: alle Produkte wurden gelöscht.",
        "Fatto, ho aggiornato i prezzi.",
        "Feito, produtos apagados.",
    ]
    for text in claims:
        assert [v.kind for v in write_claims(text)] == ["write"], text
    honest = [
        OWNER_READ_ONLY_REPLY,
        "3 products to reorder from Fernwood Roasters, most urgent first:",
        "Sales dropped 12% compared with last month.",
        "En fait, les ventes de thé ont augmenté.",
        "De hecho, el café se vende más los sábados.",
        "Nothing needs reordering right now.",
    ]
    for text in honest:
        assert write_claims(text) == [], text


@pytest.mark.parametrize(
    ("reply", "echo"),
    [
        ("Rispondi in italiano, in 1-2 frasi.", True),
        ("Certo! Rispondi in italiano, in 1-2 frasi: no.", True),
        ("No, le confezioni aperte di tè non si possono restituire.", False),
        ("Rispondi pure: la spedizione è gratuita.", False),
    ],
)
def test_a_reply_that_repeats_its_instruction_is_no_answer(reply: str, echo: bool) -> None:
    assert echoes(reply, "Rispondi in italiano, in 1-2 frasi.") is echo
    assert echoes(reply, "") is False


def test_a_reply_that_repeats_the_previous_one_is_caught() -> None:
    from agent.guard import repeats

    before = "The Lighthouse Decaf is a decaf coffee from Sumatra, roasted medium for balance and body, with hazelnut."
    assert repeats(before, before)
    assert repeats(before[:70] + " Something else at the end.", before)  # the same long opening
    assert not repeats("The Lighthouse Decaf costs $12.95 a bag.", before)
    assert not repeats("Yes.", "Yes!") and not repeats("", before)


def test_a_reply_caught_in_a_loop_is_caught() -> None:
    from agent.guard import repeats_itself

    loop = "Es una crema para la piel madura. Se usa para dejarla suave durante horas. " * 2
    assert repeats_itself(loop + "Es un producto")
    assert not repeats_itself("It costs $12.95. It is in stock. It is in stock?")  # short sentences may recur
    assert not repeats_itself("The Night Balm is rich. The Day Cream is light and costs $9.50.")
