"""Addresses validated per country: postal codes, required regions, hostile input, the one-line form."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shop.core.validation import describe_errors
from shop.shipping.address import Address, parse_text

GOOD = {
    "US": {"line1": "1600 Pennsylvania Ave NW", "city": "Washington", "region": "DC", "postalCode": "20500"},
    "CA": {"line1": "24 Sussex Dr", "city": "Ottawa", "region": "ON", "postalCode": "K1M 1M4"},
    "GB": {"line1": "10 Downing Street", "city": "London", "postalCode": "SW1A 2AA"},
    "DE": {"line1": "Platz der Republik 1", "city": "Berlin", "postalCode": "11011"},
    "FR": {"line1": "55 Rue du Faubourg Saint-Honoré", "city": "Paris", "postalCode": "75008"},
    "ES": {"line1": "Calle de Alcalá 1", "city": "Madrid", "postalCode": "28014"},
    "IT": {"line1": "Piazza del Quirinale", "city": "Roma", "region": "RM", "postalCode": "00187"},
    "PT": {"line1": "Praça do Comércio", "city": "Lisboa", "postalCode": "1100-148"},
    "NL": {"line1": "Dam 1", "city": "Amsterdam", "postalCode": "1012 JS"},
    "AU": {"line1": "1 Parliament Dr", "city": "Canberra", "region": "ACT", "postalCode": "2600"},
    "JP": {"line1": "1-1 Chiyoda", "city": "Tokyo", "postalCode": "100-8111"},
}
BAD_POSTAL = {"US": "2050", "CA": "K1M1M", "GB": "SW1A", "DE": "1101", "FR": "750", "ES": "99000",
              "IT": "0018", "PT": "1100148", "NL": "0123 AB", "AU": "26000"}  # fmt: skip


def errors(**fields: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Address(**fields)
    return describe_errors(list(caught.value.errors()))


@pytest.mark.parametrize("country", sorted(GOOD))
def test_a_real_address_of_each_country_is_valid(country: str) -> None:
    address = Address(country=country.lower(), **GOOD[country])
    assert address.country == country and not address.text_only
    assert address.one_line().endswith(f", {country}") and GOOD[country]["city"] in address.one_line()


@pytest.mark.parametrize("country", sorted(BAD_POSTAL))
def test_a_postal_code_that_cannot_exist_there_is_refused_on_its_field(country: str) -> None:
    found = errors(country=country, **{**GOOD[country], "postalCode": BAD_POSTAL[country]})
    assert list(found) == ["postalCode"] and "postal code" in found["postalCode"]


@pytest.mark.parametrize("country", ["US", "CA", "AU"])
def test_a_region_is_required_where_carriers_need_it(country: str) -> None:
    fields = {**GOOD[country], "region": ""}
    assert "is required" in errors(country=country, **fields)["region"]
    assert "is not a" in errors(country=country, **{**fields, "region": "Atlantis"})["region"]


def test_a_region_by_its_name_is_stored_as_its_code_and_postal_codes_are_normalized() -> None:
    address = Address(country="US", line1="1 Main St", city="Springfield", region="illinois", postalCode="62704")
    assert address.region == "IL" and address.one_line() == "1 Main St, Springfield, IL 62704, US"
    assert Address(country="GB", line1="10 Downing St", city="London", postalCode="sw1a  2aa").postalCode == "SW1A 2AA"


def test_other_countries_get_the_generic_checks() -> None:
    assert Address(country="BR", line1="Av. Paulista 1000", city="São Paulo").postalCode == ""
    assert (
        "postal code" in errors(country="BR", line1="Av. Paulista 1000", city="SP", postalCode="<script>")["postalCode"]
    )
    assert "ISO 3166" in errors(country="XX", line1="Somewhere 1", city="Nowhere")["country"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"line1": "1 Main St\x00"}, "line1"),
        ({"city": "Spring\ud800field"}, "city"),
        ({"line1": "x" * 100_000}, "line1"),
        ({"line1": 12345}, "line1"),
        ({"city": ["Springfield"]}, "city"),
        ({"postalCode": 62704}, "postalCode"),
        ({"country": {"$ne": 1}}, "country"),
        ({"line1": "$where"}, "line1"),
        ({"line1": "a\nb"}, "line1"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_hostile_input_is_refused_on_its_field(fields: dict[str, Any], field: str) -> None:
    base = {"country": "US", **GOOD["US"]}
    assert field in errors(**{**base, **fields})


def test_the_old_free_text_is_kept_whole_as_line1() -> None:
    address = Address.from_text("12 Analytical Street\nLondon")
    assert address.text_only and address.one_line() == "12 Analytical Street\nLondon"
    assert address.stored("US") == {
        "country": "US", "line1": "12 Analytical Street\nLondon", "line2": "", "city": "", "region": "", "postalCode": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Oak Rd, Apt 4, Springfield, IL 62704", "12 Oak Rd, Apt 4, Springfield, IL 62704, US"),
        ("12 Oak Rd, Springfield, Illinois 62704, USA", "12 Oak Rd, Springfield, IL 62704, US"),
        ("10 Downing St, London, SW1A 2AA, UK", "10 Downing St, London, SW1A 2AA, GB"),
        ("12 Rue des Lilas, Springfield", None),  # no postal code: stays free text, nothing guessed
        ("12 Oak Rd, Springfield, IL 6270", None),  # not a US postal code
        ("12 Oak Rd, Springfield, 62704", None),  # no state
    ],
)
def test_a_typed_address_is_split_into_its_parts_only_when_it_validates(text: str, expected: str | None) -> None:
    parsed = parse_text(text, "US")
    assert (parsed.one_line() if parsed else None) == expected


@pytest.mark.parametrize(
    ("text", "country", "city", "postal", "region"),
    [
        ("12 Rue de Rivoli, 75001 Paris, France", "FR", "Paris", "75001", ""),
        ("12 rue de Rivoli, 75001 Paris, FR", "FR", "Paris", "75001", ""),
        ("Unter den Linden 5, 10115 Berlin, Deutschland", "DE", "Berlin", "10115", ""),
        ("Unter den Linden 5, 10115 Berlin, Allemagne", "DE", "Berlin", "10115", ""),
        ("Unter den Linden 5, 10115 Berlin, DE", "DE", "Berlin", "10115", ""),
        ("Rue de Rivoli 12, 75001 Paris, Frankreich", "FR", "Paris", "75001", ""),
        ("Calle de Alcalá 1, 28014 Madrid, España", "ES", "Madrid", "28014", ""),
        ("Calle de Alcalá 1, 28014 Madrid, Espagne", "ES", "Madrid", "28014", ""),
        ("Rua Augusta 1, 1000-001 Lisboa, Portugal", "PT", "Lisboa", "1000-001", ""),
        ("Via del Corso 1, 00184 Roma RM, Italia", "IT", "Roma", "00184", "RM"),
        ("Via Dante 2, 20121 Milano (MI), Italie", "IT", "Milano", "20121", "MI"),
        ("10 Downing Street, SW1A 2AA London, Royaume-Uni", "GB", "London", "SW1A 2AA", ""),
        ("10 Downing Street, London SW1A 2AA, UK", "GB", "London", "SW1A 2AA", ""),
        ("Dam 1, 1012 JS Amsterdam, Países Bajos", "NL", "Amsterdam", "1012 JS", ""),
        ("Apt 4\n12 Rue de Rivoli\n75001 Paris\nFrancia", "FR", "Paris", "75001", ""),
        ("24 Sussex Dr, Ottawa, ON K1M 1M4, Kanada", "CA", "Ottawa", "K1M 1M4", "ON"),
        ("Av. Paulista 1000, 01310-100 São Paulo, BR", "BR", "São Paulo", "01310-100", ""),
    ],
)
def test_a_european_address_and_a_country_in_the_shops_languages_are_read(
    text: str, country: str, city: str, postal: str, region: str
) -> None:
    parsed = parse_text(text, None)
    assert parsed is not None, text
    assert (parsed.country, parsed.city, parsed.postalCode, parsed.region) == (country, city, postal, region)
    assert parsed.line1 in text and parsed.with_text(text).one_line() == text


@pytest.mark.parametrize(
    "text",
    [
        "Paris",
        "Paris, France",
        "12 Rue de Rivoli, Paris, France",  # no postal code: nothing guessed
        "12, 75001 Paris, France",  # a street that is a number only
        "12 Rue de Rivoli, 7500 Paris, France",  # not a French postal code
        "Rua Augusta 1, 1000 Lisboa, Portugal",  # not a Portuguese one
        "12 Rue de Rivoli, 75001 Paris",  # no country: the home country's free text, as before
        "Avenue Louise 1, Ixelles Bruxelles, Belgique",  # a postal code holds a digit
        "12 Rue de Rivoli, 75001, France",  # no city
        "12 Rue de Rivoli, 75001 Paris, Atlantis",
        "1 Main St, Dover, 19901, DE",  # Delaware as much as Germany: ambiguous, nothing guessed
        "1 Monument Cir, Indianapolis, 46204, IN",  # Indiana, not India
    ],
)
def test_a_text_that_does_not_spell_out_an_address_is_not_read(text: str) -> None:
    assert parse_text(text, None) is None


def test_an_unnamed_country_is_the_home_countrys_and_with_text_keeps_the_customers_words() -> None:
    parsed = parse_text("12 Rue de Rivoli, 75001 Paris", "FR")
    assert parsed is not None and parsed.country == "FR" and parsed.one_line() == "12 Rue de Rivoli, Paris, 75001, FR"
    typed = parsed.with_text("12 Rue de Rivoli, 75001 Paris")
    assert typed.one_line() == "12 Rue de Rivoli, 75001 Paris" and parsed.typed is None
    assert typed.stored("US")["country"] == "FR"
