"""The language of a reply is read from the customer's message by code (py3langid over six languages),
with product names, emails and numbers taken out; a message too short to tell keeps the conversation's."""

from __future__ import annotations

from typing import Any

import pytest

from agent.guard import NameIndex
from agent.understanding.language import DEFAULT_LANGUAGE, LanguageReader
from agent.understanding.request import LANGUAGES
from shop.services import ShopServices


@pytest.fixture
def reader(items: Any, services: ShopServices) -> LanguageReader:
    return LanguageReader(NameIndex(services.catalog))


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("Do you have a decaf coffee under fifteen dollars?", "en"),
        ("¿Tenéis algún café descafeinado por menos de quince dólares?", "es"),
        ("Avez-vous un café décaféiné à moins de quinze dollars ?", "fr"),
        ("Habt ihr einen entkoffeinierten Kaffee unter fünfzehn Dollar?", "de"),
        ("Avete una crema per le mani sotto i 14 dollari?", "it"),
        ("Vocês têm um café descafeinado por menos de quinze dólares?", "pt"),
    ],
)
def test_each_language_is_read_from_a_sentence(message: str, lang: str, reader: LanguageReader) -> None:
    assert lang in LANGUAGES
    # The conversation's previous language does not win over a sentence that says otherwise.
    other = "de" if lang != "de" else "fr"
    assert reader.read(message, None) == reader.read(message, other) == lang


def test_english_product_names_do_not_make_a_german_message_english(reader: LanguageReader) -> None:
    message = "Ist der Earl Grey Supreme oder der Wildflower Honey besser?"
    assert reader.words(message) == "Ist der oder der besser?"
    assert reader.read(message, "en") == "de"


def test_a_product_name_with_a_number_is_taken_out_whole(product_factory: Any, reader: LanguageReader) -> None:
    """Numbers went first and left "Dark Chocolate % Ginger" behind, which read as German."""
    product_factory(name="Dark Chocolate 55% Ginger", category="food")
    assert reader.words("¿Tienen Dark Chocolate 55% Ginger?") == "¿Tienen ?"
    assert reader.read("¿Tienen Dark Chocolate 55% Ginger?", None) == "es"


def test_emails_numbers_and_order_numbers_are_taken_out(reader: LanguageReader) -> None:
    words = reader.words("Bestellung ORD-7K2M9QXD, 2 Stück für $29.00 an ann@example.com")
    assert words == "Bestellung , Stück für an"


@pytest.mark.parametrize("message", ["ok", "sí", "price?", "yes", "ORD-7K2M9QXD", "ann@example.com", "2", ""])
def test_a_short_message_keeps_the_conversations_language(message: str, reader: LanguageReader) -> None:
    assert [reader.read(message, previous) for previous in LANGUAGES] == list(LANGUAGES)


@pytest.mark.parametrize("message", ["ok", "sí", "price?", "Earl Grey Supreme"])
def test_a_short_first_message_is_answered_in_english(message: str, reader: LanguageReader) -> None:
    assert reader.read(message, None) == DEFAULT_LANGUAGE == "en"


@pytest.mark.parametrize(
    ("message", "previous", "lang"),
    [
        ("espresso coffee?", None, "en"),  # read as Italian: the shop's English words tell nothing
        ("espresso coffee?", "de", "de"),  # nothing of the customer's own: the conversation's language
        ("Avete un caffè espresso?", None, "it"),
        ("Habt ihr einen dunklen Espresso?", "en", "de"),
    ],
)
def test_words_of_product_names_do_not_tell_the_language(
    message: str, previous: str | None, lang: str, product_factory: Any, reader: LanguageReader
) -> None:
    product_factory(name="Sunday Espresso Coffee", category="coffee")
    assert reader.read(message, previous) == lang
