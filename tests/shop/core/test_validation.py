"""One rule for what an object id is, and one refusal of true/false where a whole number is meant."""

from __future__ import annotations

import pytest
from bson import ObjectId

from shop.core.errors import NotFound
from shop.core.validation import is_object_id, parse_object_id, reject_bool

OID = ObjectId()


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
