"""The owner's shipping zones, methods and rates, tax rates and return windows: one versioned document.

Why one document: the owner edits them together on the admin's "Shipping & tax" page, a quote needs
all of them at once, and a single document is written atomically (a half-saved set of zones never
exists). Why defaults in code: a fresh shop works with no setup, and the defaults say exactly what
docs/policies/*.md say (tests/shop/shipping/test_policy_numbers.py fails when they drift apart).

Why cached in-process: a quote happens inside the order transaction and on every cart page, and must
cost no database round trip. `CommerceConfigStore` keeps the parsed config and reloads it only when the
shared version `commerce` moves (shop.core.versions, polled at most once per `poll_seconds` for every
cache of the process together), so an edit saved through one process is used by all within about a
second. Saves are optimistic: a save based on an older version than the stored one is refused
(Conflict), so two owners editing at once never silently undo each other.

Defaults (the shop's prices are US dollars; it ships within the United States):
- standard: $5.95, free on orders of $50.00 or more (merchandise subtotal), 2-5 working days;
- express: $12.95 flat, 1-2 working days;
- no sales tax rates (the owner adds the states where the shop must collect sales tax); tax is added
  on top of the prices at checkout (`prices_include_tax` False), shown as its own line;
- a product without `weightGrams` weighs `default_weight_grams` (500 g) for per-kg rates;
- returns: unopened within 30 days, damaged or wrong items reported within 14 days.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.core.errors import Conflict, InvalidFields
from shop.core.money import to_money
from shop.core.validation import describe_errors, line
from shop.core.versions import SharedVersions
from shop.shipping.address import COUNTRY_RULES, ISO_COUNTRIES

log = logging.getLogger(__name__)

COLLECTION = "commerce_config"
DOCUMENT_ID = "commerce"
VERSION_KIND = "commerce"
"""The shared version (shop.core.versions) a save bumps, so every process reloads its copy."""


def _money(value: Any) -> Decimal:
    """An amount typed in a form or stored: text, int or Decimal (a float already lost exactness)."""
    if isinstance(value, (bool, float)):
        raise ValueError("must be an amount such as 5.95")
    if isinstance(value, str):
        value = value.strip().lstrip("$").strip()
    try:
        return to_money(value)
    except (ArithmeticError, TypeError, ValueError):  # 1e999 overflows the quantize: ArithmeticError
        raise ValueError("must be an amount such as 5.95") from None


def _percent(value: Any) -> Decimal:
    """A tax rate in percent, exact to 1/1000 of a percent (8.875), never a float."""
    if isinstance(value, (bool, float)):
        raise ValueError("must be a percentage such as 8.875")
    try:
        rate = Decimal(value.strip().rstrip("%").strip() if isinstance(value, str) else value)
    except (ArithmeticError, TypeError, ValueError):
        raise ValueError("must be a percentage such as 8.875") from None
    if not rate.is_finite() or rate != rate.quantize(Decimal("0.001")):
        raise ValueError("must be a percentage with at most three decimals, such as 8.875")
    return rate.quantize(Decimal("0.001"))


def _whole(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _code(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    code = value.strip().upper()
    if code not in ISO_COUNTRIES:
        raise ValueError(f"{value.strip()[:10]!r} is not a two-letter country code (ISO 3166)")
    return code


Money = Annotated[Decimal, BeforeValidator(_money), Field(ge=0, le=100_000)]
Whole = Annotated[int, BeforeValidator(_whole)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class DeliveryDays(BaseModel):
    """Working days from dispatch to delivery."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: Annotated[Whole, Field(ge=0, le=60)]
    max: Annotated[Whole, Field(ge=0, le=90)]

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryDays:
        if self.min > self.max:
            raise ValueError("the fewest delivery days must not be more than the most")
        return self


class ShippingMethod(BaseModel):
    """One way to ship within a zone. Its cost: `price`, plus `per_kg` for each started kilogram of the
    order's weight, and nothing at all when the merchandise subtotal reaches `free_over` (if set).
    So a flat rate has per_kg 0 and no free_over; "free over $50" sets free_over; by weight sets per_kg."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: line(60)  # type: ignore[valid-type]
    price: Money
    per_kg: Money = Decimal("0.00")
    free_over: Money | None = None
    delivery_days: DeliveryDays


class Zone(BaseModel):
    """Where some methods apply: countries, and optionally only some of their regions (state codes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: line(60)  # type: ignore[valid-type]
    countries: list[Annotated[str, BeforeValidator(_code)]] = Field(min_length=1, max_length=250)
    regions: list[Annotated[str, BeforeValidator(lambda v: _region_code(v))]] = Field(default=[], max_length=100)
    methods: list[ShippingMethod] = Field(min_length=1, max_length=10)

    @field_validator("methods")
    @classmethod
    def _unique_methods(cls, methods: list[ShippingMethod]) -> list[ShippingMethod]:
        ids = [m.id for m in methods]
        if len(set(ids)) != len(ids):
            raise ValueError("two methods of one zone have the same id")
        return methods

    def covers(self, country: str, region: str) -> bool:
        return country in self.countries and (not self.regions or region in self.regions)

    def method(self, method_id: str) -> ShippingMethod | None:
        return next((m for m in self.methods if m.id == method_id), None)


def _region_code(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 10:
        raise ValueError("must be a region code such as CA")
    return value.strip().upper()


class TaxRate(BaseModel):
    """A sales tax rate in percent for a country, or for one region of it (a region's rate wins)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: Annotated[str, BeforeValidator(_code)]
    region: Annotated[str, Field(max_length=10)] = ""
    rate: Annotated[Decimal, BeforeValidator(_percent), Field(ge=0, le=50)]

    @field_validator("region", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> str:
        return "" if value in (None, "") else _region_code(value)


class CommerceConfig(BaseModel):
    """Everything a quote and a return decision need from the owner (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 0
    home_country: Annotated[str, BeforeValidator(_code)] = "US"
    """Where an address given as free text (the old API, the chat) is taken to be, and the cart's estimate."""
    zones: list[Zone] = Field(min_length=1, max_length=50)
    tax_rates: list[TaxRate] = Field(default=[], max_length=500)
    prices_include_tax: bool = False
    """False: tax is added on top of the prices; True: prices already include it (the tax line shows the
    part of the price that is tax, and is not added again)."""
    default_weight_grams: Annotated[Whole, Field(ge=1, le=100_000)] = 500
    returns_unopened_days: Annotated[Whole, Field(ge=0, le=365)] = 30
    returns_damaged_days: Annotated[Whole, Field(ge=0, le=365)] = 14

    @field_validator("zones")
    @classmethod
    def _unique_zones(cls, zones: list[Zone]) -> list[Zone]:
        ids = [z.id for z in zones]
        if len(set(ids)) != len(ids):
            raise ValueError("two zones have the same id")
        return zones

    # --- what the rest of the shop asks ----------------------------------------------------------
    def zone_for(self, country: str, region: str = "") -> Zone | None:
        """The first zone that covers the address (zones are tried in the owner's order)."""
        return next((zone for zone in self.zones if zone.covers(country, region)), None)

    def shipping_countries(self) -> list[str]:
        """Countries some zone ships to, home country first (the checkout's country select)."""
        codes = {code for zone in self.zones for code in zone.countries}
        return sorted(codes, key=lambda c: (c != self.home_country, c))

    def tax_rate(self, country: str, region: str = "") -> Decimal:
        """The percentage for the address: its region's rate, else its country's, else 0."""
        country_rate = Decimal("0")
        for rate in self.tax_rates:
            if rate.country == country and rate.region and rate.region == region:
                return rate.rate
            if rate.country == country and not rate.region:
                country_rate = rate.rate
        return country_rate

    @property
    def home_zone(self) -> Zone | None:
        return self.zone_for(self.home_country)

    @property
    def standard_method(self) -> ShippingMethod | None:
        """The home zone's first method: the default one, which the policy text describes."""
        zone = self.home_zone
        return zone.methods[0] if zone else None

    @property
    def free_shipping_threshold(self) -> Decimal | None:
        method = self.standard_method
        return method.free_over if method else None


DEFAULT_CONFIG = CommerceConfig(
    home_country="US",
    zones=[
        Zone(
            id="us",
            name="United States",
            countries=["US"],
            methods=[
                ShippingMethod(
                    id="standard",
                    name="Standard",
                    price=Decimal("5.95"),
                    free_over=Decimal("50.00"),
                    delivery_days=DeliveryDays(min=2, max=5),
                ),
                ShippingMethod(
                    id="express", name="Express", price=Decimal("12.95"), delivery_days=DeliveryDays(min=1, max=2)
                ),
            ],
        )
    ],
)


def parse_config(data: dict[str, Any]) -> CommerceConfig:
    """A config from the admin's form or a stored document, validated; InvalidFields by field path."""
    try:
        return CommerceConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidFields(describe_errors(list(exc.errors()))) from None


class CommerceConfigStore:
    """The stored config (or the defaults), cached; see the module docstring."""

    def __init__(self, db: Database, *, versions: SharedVersions | None = None) -> None:
        self.db = db
        self.versions = versions
        self._lock = threading.Lock()
        self._cached: CommerceConfig | None = None
        self._seen = -1

    def get(self) -> CommerceConfig:
        """The current config, from memory unless another process (or this one) saved a new one."""
        shared = self.versions.get(VERSION_KIND) if self.versions is not None else 0
        cached = self._cached
        if cached is not None and shared == self._seen:
            return cached
        with self._lock:
            if self._cached is None or shared != self._seen:
                self._cached = self._load()
                self._seen = shared
            return self._cached

    def _load(self) -> CommerceConfig:
        try:
            doc = self.db[COLLECTION].find_one({"_id": DOCUMENT_ID})
        except Exception:
            if self._cached is not None:
                log.warning("could not reload the shipping & tax settings; keeping the loaded ones", exc_info=True)
                return self._cached
            raise
        if doc is None:
            return DEFAULT_CONFIG
        doc.pop("_id", None)
        doc.pop("updatedAt", None)
        doc.pop("updatedBy", None)
        try:
            return CommerceConfig.model_validate(doc)
        except ValidationError:
            log.exception("the stored shipping & tax settings are invalid; using the defaults")
            return DEFAULT_CONFIG

    def save(self, config: CommerceConfig, *, based_on: int, owner: str = "owner") -> CommerceConfig:
        """Store `config` as the next version, if the stored one is still `based_on` (else Conflict)."""
        new = config.model_copy(update={"version": based_on + 1})
        body = {**new.model_dump(mode="python"), "updatedAt": datetime.now(UTC), "updatedBy": owner}
        if based_on == 0:
            try:
                inserted = self.db[COLLECTION].update_one(
                    {"_id": DOCUMENT_ID, "version": {"$in": [0, None]}}, {"$set": body}, upsert=True
                )
            except DuplicateKeyError as exc:  # the stored one is not version 0: someone saved meanwhile
                raise Conflict("The settings were changed meanwhile; please reload and try again.") from exc
            ok = inserted.matched_count == 1 or inserted.upserted_id is not None
        else:
            ok = (
                self.db[COLLECTION].update_one({"_id": DOCUMENT_ID, "version": based_on}, {"$set": body}).matched_count
                == 1
            )
        if not ok:
            raise Conflict("The settings were changed meanwhile; please reload and try again.")
        with self._lock:
            self._cached = new
            self._seen = self.versions.bump(VERSION_KIND) or -1 if self.versions is not None else 0
        return new

    def reset(self, *, based_on: int, owner: str = "owner") -> CommerceConfig:
        """Back to the defaults in code (as a new version, so other processes follow)."""
        return self.save(DEFAULT_CONFIG, based_on=based_on, owner=owner)


__all__ = [
    "COUNTRY_RULES",
    "DEFAULT_CONFIG",
    "CommerceConfig",
    "CommerceConfigStore",
    "DeliveryDays",
    "ShippingMethod",
    "TaxRate",
    "Zone",
    "parse_config",
]
