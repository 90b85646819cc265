"""The yes/no matcher: narrow on purpose, since a false yes would place an order nobody meant."""

from __future__ import annotations

import pytest

from agent.confirm import is_no, is_yes, leans_yes


@pytest.mark.parametrize(
    "text",
    ["yes", "Yes!", "yep", "y", "ok do it", "OK, place it", "yes please place the order", "Confirm", "sure, go ahead",
     "yes, thank you", "👍", "sounds good", "yes please"],
)  # fmt: skip
def test_plain_confirmations(text: str) -> None:
    assert is_yes(text)


@pytest.mark.parametrize(
    "text",
    ["yes but change the address", "yes, 3 of them", "yes to 12 Elm Street", "no", "not yet", "yes no", "maybe",
     "yes but without the honey", "ok wait", "what is the total?", "", "yes cancel it",
     "yes yes yes yes yes yes yes yes yes"],
)  # fmt: skip
def test_everything_else_is_not_a_yes(text: str) -> None:
    assert not is_yes(text, "place_order")


def test_cancel_words_confirm_only_a_cancellation() -> None:
    assert is_yes("yes cancel it", "cancel_order")
    assert not is_yes("yes cancel it", "place_order")


@pytest.mark.parametrize("text", ["no", "No thanks", "nope", "don't", "cancel", "no, not now"])
def test_refusals(text: str) -> None:
    assert is_no(text, "place_order")


def test_cancel_is_not_a_refusal_of_a_cancellation() -> None:
    assert not is_no("cancel", "cancel_order")
    assert not is_no("no but add honey")


@pytest.mark.parametrize(
    ("text", "leans"),
    [
        ("Ja, bitte bestellen.", True),
        ("Sim, pode fechar o pedido.", True),
        ("Sì, confermo l'acquisto adesso", True),
        ("yes but to another address", False),
        ("oui, mais pas maintenant", False),
        ("yes, 3 of them", False),
        ("no", False),
        ("what is the total?", False),
    ],
)
def test_a_yes_among_other_words_only_leans_yes(text: str, leans: bool) -> None:
    """Not a confirmation by itself: the understanding stage then decides (agent.customer_turn.confirms_order)."""
    assert leans_yes(text) is leans
    assert not is_yes(text) or leans
