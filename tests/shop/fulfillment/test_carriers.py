"""Carriers: tracking numbers checked per carrier and for characters, the link built by code."""

from __future__ import annotations

import pytest

from shop.core.errors import InvalidFields
from shop.fulfillment.carriers import CARRIERS, parse_tracking


@pytest.mark.parametrize(
    ("carrier", "typed", "number", "url"),
    [
        ("ups", "1z 999 aa1 01 2345 6784", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784"),
        ("usps", "9400-1118-9922-3197-4284-90", "9400111899223197428490",
         "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490"),
        ("usps", "EA123456789US", "EA123456789US", "https://tools.usps.com/go/TrackConfirmAction?tLabels=EA123456789US"),
        ("fedex", "123456789012", "123456789012", "https://www.fedex.com/fedextrack/?trknbr=123456789012"),
        ("dhl", "1234567890", "1234567890",
         "https://www.dhl.com/global-en/home/tracking.html?tracking-id=1234567890"),
        ("DHL", "JJD0001234567890", "JJD0001234567890",
         "https://www.dhl.com/global-en/home/tracking.html?tracking-id=JJD0001234567890"),
    ],
)  # fmt: skip
def test_known_carriers_get_their_link(carrier: str, typed: str, number: str, url: str) -> None:
    tracking = parse_tracking(carrier, typed)
    assert (tracking.carrier, tracking.tracking_number, tracking.tracking_url) == (carrier.lower(), number, url)
    assert tracking.carrier_name == CARRIERS[carrier.lower()].name


def test_other_carrier_uses_the_owners_page_with_the_number_in_it() -> None:
    tracking = parse_tracking(
        "other", "AB-123456", carrier_name="Bike Couriers", tracking_url="https://couriers.example/t/{number}?x=1"
    )
    assert tracking.carrier_name == "Bike Couriers"
    assert tracking.tracking_url == "https://couriers.example/t/AB123456?x=1"
    assert parse_tracking("other", "AB123456", carrier_name="Hand delivery").tracking_url is None


@pytest.mark.parametrize(
    ("carrier", "typed", "extra", "field", "words"),
    [
        ("pigeon", "1Z999AA10123456784", {}, "carrier", "Choose a carrier"),
        ("", "1Z999AA10123456784", {}, "carrier", "Choose a carrier"),
        ("ups", "123456789012", {}, "trackingNumber", "not a UPS tracking number"),
        ("fedex", "1Z999AA10123456784", {}, "trackingNumber", "not a FedEx tracking number"),
        ("ups", "<script>alert(1)</script>", {}, "trackingNumber", "6 to 40 letters and digits"),
        ("ups", '1Z999AA1"><img src=x>', {}, "trackingNumber", "6 to 40 letters and digits"),
        ("ups", "1Z999AA1\x000123456784", {}, "trackingNumber", "6 to 40 letters and digits"),
        ("ups", "{$gt: ''}", {}, "trackingNumber", "6 to 40 letters and digits"),
        ("ups", "1Z" + "9" * 100, {}, "trackingNumber", "6 to 40 letters and digits"),
        ("ups", "", {}, "trackingNumber", "6 to 40 letters and digits"),
        ("other", "AB123456", {}, "carrierName", "carrier's name"),
        ("other", "AB123456", {"carrier_name": "X" * 41}, "carrierName", "at most 40"),
        ("other", "AB123456", {"carrier_name": "Acme", "tracking_url": "javascript:alert(1)//{number}"},
         "trackingUrl", "https://"),
        ("other", "AB123456", {"carrier_name": "Acme", "tracking_url": "https://x.example/a b"}, "trackingUrl",
         "one web address"),
        ("other", "AB123456", {"carrier_name": "Acme", "tracking_url": "//evil.example/{number}"}, "trackingUrl",
         "https://"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_sentence_per_field(
    carrier: str, typed: str, extra: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(InvalidFields) as refused:
        parse_tracking(carrier, typed, **extra)
    assert field in refused.value.errors and words in refused.value.errors[field]
    assert refused.value.status_code == 422 and refused.value.message.endswith(".")
