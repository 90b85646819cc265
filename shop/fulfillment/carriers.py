"""Carriers the owner ships with, how their tracking numbers look, and the tracking link built from them.

The link is always built by code from a known template and a validated number, never taken as typed:
a tracking number goes into an email, the order page and the agent's reply, so it may hold only
letters and digits (spaces and dashes as owners paste them are dropped), and a carrier whose number
format is published is checked against it, so a typo is caught while the parcel is still on the desk.
"Other" is for a carrier not in the list: the owner types its name and, optionally, its tracking page
(an http(s) address; "{number}" in it is replaced by the tracking number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from shop.core.errors import InvalidFields
from shop.core.validation import unstorable


@dataclass(frozen=True)
class Carrier:
    id: str
    name: str
    url_template: str | None
    """Where the carrier shows a parcel; "{number}" is replaced by the tracking number."""
    pattern: re.Pattern[str] | None
    """Every number the carrier issues matches this (after normalizing); None when not published."""
    looks_like: str
    """How a number looks, in the sentence that refuses a mistyped one."""


CARRIERS: dict[str, Carrier] = {
    carrier.id: carrier
    for carrier in (
        Carrier(
            "usps",
            "USPS",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
            # IMpb: 20-22 digits, optionally behind "420" + the ZIP (5 or 9 digits); S10 international.
            re.compile(r"(?:420\d{5}(?:\d{4})?)?\d{20,22}|[A-Z]{2}\d{9}US"),
            "20 to 22 digits (e.g. 9400111899223197428490) or two letters, 9 digits and US",
        ),
        Carrier(
            "ups",
            "UPS",
            "https://www.ups.com/track?tracknum={number}",
            re.compile(r"1Z[0-9A-Z]{16}"),
            "1Z followed by 16 letters and digits (e.g. 1Z999AA10123456784)",
        ),
        Carrier(
            "fedex",
            "FedEx",
            "https://www.fedex.com/fedextrack/?trknbr={number}",
            re.compile(r"\d{12}|\d{15}|\d{20}|\d{22}"),
            "12, 15, 20 or 22 digits (e.g. 123456789012)",
        ),
        Carrier(
            "dhl",
            "DHL",
            "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}",
            # Express waybills are 10 digits; eCommerce and Parcel numbers carry a letter prefix.
            re.compile(r"\d{10,11}|(?:GM|LX|RX|JJD|JVGL|3S)[0-9A-Z]{8,34}"),
            "10 digits (e.g. 1234567890) or a GM, JJD or JVGL number",
        ),
        Carrier("other", "Other carrier", None, None, ""),
    )
}

NUMBER_CHARSET = re.compile(r"[A-Z0-9]{6,40}")
MAX_TYPED_NUMBER = 60
MAX_URL = 500
MAX_CARRIER_NAME = 40
_PASTED_SEPARATORS = re.compile(r"[ \-]")


@dataclass(frozen=True)
class TrackingInput:
    """A validated carrier and number, with the link built from them."""

    carrier: str
    carrier_name: str
    tracking_number: str
    tracking_url: str | None


def parse_tracking(
    carrier: str, tracking_number: str, *, carrier_name: str = "", tracking_url: str = ""
) -> TrackingInput:
    """Validate what the owner typed; every problem at once, each in a sentence beside its field."""
    errors: dict[str, str] = {}
    chosen = CARRIERS.get(carrier.strip().lower())
    if chosen is None:
        errors["carrier"] = "Choose a carrier from the list (USPS, UPS, FedEx, DHL or Other)."
    number = normalize_number(tracking_number)
    if number is None:
        errors["trackingNumber"] = "A tracking number is 6 to 40 letters and digits (spaces and dashes are ignored)."
    elif chosen is not None and chosen.pattern is not None and not chosen.pattern.fullmatch(number):
        errors["trackingNumber"] = f"That is not a {chosen.name} tracking number: it has {chosen.looks_like}."
    name = carrier_name.strip()
    url = tracking_url.strip()
    if chosen is not None and chosen.id == "other":
        if not name:
            errors["carrierName"] = "Type the carrier's name for a carrier not in the list."
        elif len(name) > MAX_CARRIER_NAME or unstorable(name) or not name.isprintable() or name.startswith("$"):
            errors["carrierName"] = f"The carrier's name is at most {MAX_CARRIER_NAME} ordinary characters."
        if url and (problem := _url_problem(url)):
            errors["trackingUrl"] = problem
    if errors:
        raise InvalidFields(errors, message=" ".join(errors.values()))
    assert chosen is not None and number is not None
    if chosen.id != "other":
        return TrackingInput(chosen.id, chosen.name, number, tracking_link(chosen.url_template, number))
    return TrackingInput(chosen.id, name, number, tracking_link(url, number) if url else None)


def normalize_number(typed: str) -> str | None:
    """The number as carriers print it (upper case, no spaces or dashes); None if it cannot be one."""
    if not isinstance(typed, str) or len(typed) > MAX_TYPED_NUMBER:
        return None
    number = _PASTED_SEPARATORS.sub("", typed.strip()).upper()
    return number if NUMBER_CHARSET.fullmatch(number) else None


def tracking_link(template: str | None, number: str) -> str | None:
    """The tracking page of `number`: the template with the number URL-quoted in place of "{number}"."""
    if not template:
        return None
    return template.replace("{number}", quote(number, safe=""))


def _url_problem(url: str) -> str | None:
    """Why an owner's tracking page address cannot be used as a link; None if it can."""
    if len(url) > MAX_URL or unstorable(url) or any(c.isspace() or not c.isprintable() for c in url):
        return f"The tracking page must be one web address of at most {MAX_URL} characters."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "\\" in url or '"' in url or "<" in url:
        return "The tracking page must be a web address starting with https:// (or http://)."
    return None
