"""Placeholder images: small, valid SVG titled with the product's name."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from demo.seed import DemoShop
from tests.support.sample_shop import sample_shop


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


def test_images_are_small_valid_svg_named_after_the_product(shop: DemoShop) -> None:
    for p in shop.products:
        svg = shop.images[p["imageUrl"].removeprefix("/media/")]
        assert 800 <= len(svg) <= 3500
        root = ET.fromstring(svg)  # noqa: S314 - our own generated SVG, not untrusted input
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text == p["name"]
