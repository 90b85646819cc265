"""Customers: unique example-domain emails, a full name and an address each."""

from __future__ import annotations

import pytest

from demo.seed import DemoShop
from tests.support.sample_shop import sample_shop


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


def test_customers_have_unique_lowercase_example_emails(shop: DemoShop) -> None:
    emails = [c["email"] for c in shop.customers]
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() and e.endswith(("@example.com", "@example.org")) for e in emails)
    assert all(c["name"].count(" ") >= 1 and c["address"].count(",") >= 2 for c in shop.customers)
