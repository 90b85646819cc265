"""One rule for what an object id is, one refusal of true/false where a whole number is meant, and one of
text the database cannot store."""

from __future__ import annotations

import bson
import pytest
from bson import ObjectId
from pydantic import BaseModel, ValidationError

from shop.core.errors import NotFound
from shop.core.validation import (
    UNSTORABLE,
    Email,
    Text,
    describe_errors,
    is_object_id,
    line,
    paragraph,
    parse_object_id,
    reject_bool,
    unstorable,
)

OID = ObjectId("65f0a1b2c3d4e5f601234567")  # fixed: test ids must be the same in every pytest-xdist worker


@pytest.mark.parametrize("value", [OID, str(OID), str(OID).upper()])
def test_an_object_id_or_its_24_hex_digits_parse(value: object) -> None:
    assert is_object_id(value)
    assert parse_object_id(value) == OID


@pytest.mark.parametrize("value", ["decaf-sencha", "abcdefghijkl", str(OID)[:23], str(OID) + "0", "", None, 12])
def test_anything_else_is_not_an_id(value: object) -> None:
    # "abcdefghijkl": 12 characters, which ObjectId.is_valid takes as 12 raw bytes.
    assert not is_object_id(value)
    with pytest.raises(ValueError, match="is not a valid id"):
        parse_object_id(value)
    with pytest.raises(NotFound, match="That thing does not exist"):
        parse_object_id(value, or_raise=NotFound("That thing does not exist."))


def test_reject_bool_keeps_numbers_and_refuses_true_and_false() -> None:
    assert reject_bool(3) == 3
    assert reject_bool("3") == "3"
    with pytest.raises(ValueError, match="not true/false"):
        reject_bool(True)
    with pytest.raises(ValueError, match="from 1 to 5"):
        reject_bool(False, "must be a whole number from 1 to 5")


class _Typed(BaseModel):
    name: line(50)  # type: ignore[valid-type]
    note: paragraph(500)  # type: ignore[valid-type]
    email: Email
    message: Text


GOOD = {"name": "Zoë 😀", "note": "Two\nlines", "email": "zoe@example.com", "message": "any\ttext 😀"}


@pytest.mark.parametrize("field", list(GOOD))
@pytest.mark.parametrize("bad", ["\ud800", "\udfff", "\x00"])
def test_text_the_database_cannot_store_is_refused_by_every_text_type(field: str, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Typed(**{**GOOD, field: GOOD[field][:3] + bad + GOOD[field][3:]})
    assert describe_errors(list(caught.value.errors()))[field] == UNSTORABLE


def test_storable_text_passes_and_a_surrogate_pair_is_one_character() -> None:
    assert _Typed(**GOOD).message == "any\ttext 😀"
    assert not unstorable("😀") and unstorable("\ud83d") and unstorable("a\x00b")
    bson.encode({"v": _Typed(**GOOD).name})  # what passes can be stored
