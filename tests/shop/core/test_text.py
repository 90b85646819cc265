"""One way to compare words and one way to make a slug, for the shop, the agent and the demo."""

from __future__ import annotations

import pytest

from shop.core.text import normalize, slugify, tokenize


def test_normalize_and_tokenize_ignore_case_and_accents() -> None:
    assert normalize("Crème BRÛLÉE") == "creme brulee"
    assert tokenize("100% Arabica, crème!") == ["100%", "arabica", "creme"]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Crème Brûlée Tea #2", "creme-brulee-tea-2"),
        ("Rose & Tulsi Infusion", "rose-and-tulsi-infusion"),
        ("Oats + Honey", "oats-plus-honey"),
        ("  --- ", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_bounds_the_length_without_a_trailing_separator() -> None:
    assert slugify("a" * 79 + " b") == "a" * 79
    assert slugify("Green Leaf Tea", separator="_", max_length=38) == "green_leaf_tea"
