"""The admin's Shipping & tax form <-> CommerceConfig.

The form is flat (one input per value, named by its path in the config: `zones.0.methods.1.price`), so
a validation error's path (pydantic's `loc`) names the very input to mark. Blank rows are the way to
add a zone, a method or a tax rate, and a row left blank is dropped; error paths are translated back
from the kept rows' positions to the form's rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shop.core.errors import InvalidFields
from shop.shipping.config import CommerceConfig, parse_config

MAX_ZONES = 20
MAX_METHODS = 10
MAX_TAX_RATES = 100
METHOD_FIELDS = ("id", "name", "price", "per_kg", "free_over", "delivery_days.min", "delivery_days.max")
TAX_FIELDS = ("country", "region", "rate")
GENERAL_FIELDS = ("home_country", "default_weight_grams", "returns_unopened_days", "returns_damaged_days")


def flatten(config: CommerceConfig) -> dict[str, str]:
    """The config as the form's values."""
    values: dict[str, str] = {name: str(getattr(config, name)) for name in GENERAL_FIELDS}
    values["prices_include_tax"] = "on" if config.prices_include_tax else ""
    values["version"] = str(config.version)
    for i, zone in enumerate(config.zones):
        values[f"zones.{i}.id"] = zone.id
        values[f"zones.{i}.name"] = zone.name
        values[f"zones.{i}.countries"] = ", ".join(zone.countries)
        values[f"zones.{i}.regions"] = ", ".join(zone.regions)
        for j, method in enumerate(zone.methods):
            prefix = f"zones.{i}.methods.{j}."
            values[prefix + "id"] = method.id
            values[prefix + "name"] = method.name
            values[prefix + "price"] = str(method.price)
            values[prefix + "per_kg"] = str(method.per_kg) if method.per_kg else ""
            values[prefix + "free_over"] = "" if method.free_over is None else str(method.free_over)
            values[prefix + "delivery_days.min"] = str(method.delivery_days.min)
            values[prefix + "delivery_days.max"] = str(method.delivery_days.max)
    for k, rate in enumerate(config.tax_rates):
        values[f"tax_rates.{k}.country"] = rate.country
        values[f"tax_rates.{k}.region"] = rate.region
        values[f"tax_rates.{k}.rate"] = str(rate.rate)
    return values


def layout(values: Mapping[str, str]) -> dict[str, Any]:
    """Which rows the form shows: every filled one and one blank row to add (three for tax rates)."""
    zones = _filled(values, "zones", MAX_ZONES, ("id", "name", "countries"))
    shown_zones = [*zones, _next(zones, MAX_ZONES)] if len(zones) < MAX_ZONES else zones
    rows = []
    for i in shown_zones:
        methods = _filled(values, f"zones.{i}.methods", MAX_METHODS, ("id", "name", "price"))
        rows.append((i, [*methods, _next(methods, MAX_METHODS)] if len(methods) < MAX_METHODS else methods))
    taxes = _filled(values, "tax_rates", MAX_TAX_RATES, TAX_FIELDS)
    extra = [_next(taxes, MAX_TAX_RATES) + n for n in range(3)]
    return {"zones": rows, "tax_rates": [*taxes, *(k for k in extra if k < MAX_TAX_RATES)]}


def _filled(values: Mapping[str, str], prefix: str, limit: int, fields: tuple[str, ...]) -> list[int]:
    return [i for i in range(limit) if any(str(values.get(f"{prefix}.{i}.{f}", "")).strip() for f in fields)]


def _next(indexes: list[int], limit: int) -> int:
    return min((indexes[-1] + 1) if indexes else 0, limit - 1)


def _codes(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text.strip()) if part]


def _blank(value: str) -> str | None:
    return value.strip() or None


def config_from_form(form: Mapping[str, str]) -> CommerceConfig:
    """The config the form describes, validated; InvalidFields keyed by the form's input names."""
    get = lambda name: str(form.get(name, ""))  # noqa: E731 - a one-line accessor
    data: dict[str, Any] = {name: get(name).strip() for name in GENERAL_FIELDS}
    data["prices_include_tax"] = get("prices_include_tax") in ("on", "true", "1")
    zone_rows = _filled(form, "zones", MAX_ZONES, ("id", "name", "countries"))
    zone_map: dict[int, int] = {}
    method_maps: dict[int, dict[int, int]] = {}
    zones = []
    for ci, i in enumerate(zone_rows):
        zone_map[ci] = i
        method_rows = _filled(form, f"zones.{i}.methods", MAX_METHODS, ("id", "name", "price"))
        method_maps[ci] = dict(enumerate(method_rows))
        methods = []
        for j in method_rows:
            prefix = f"zones.{i}.methods.{j}."
            methods.append(
                {
                    "id": get(prefix + "id").strip(),
                    "name": get(prefix + "name"),
                    "price": get(prefix + "price"),
                    "per_kg": _blank(get(prefix + "per_kg")) or "0",
                    "free_over": _blank(get(prefix + "free_over")),
                    "delivery_days": {
                        "min": get(prefix + "delivery_days.min").strip(),
                        "max": get(prefix + "delivery_days.max").strip(),
                    },
                }
            )
        zones.append(
            {
                "id": get(f"zones.{i}.id").strip(),
                "name": get(f"zones.{i}.name"),
                "countries": _codes(get(f"zones.{i}.countries")),
                "regions": _codes(get(f"zones.{i}.regions")),
                "methods": methods,
            }
        )
    tax_rows = _filled(form, "tax_rates", MAX_TAX_RATES, TAX_FIELDS)
    data["zones"] = zones
    data["tax_rates"] = [{name: get(f"tax_rates.{k}.{name}").strip() for name in TAX_FIELDS} for k in tax_rows]
    try:
        return parse_config(data)
    except InvalidFields as exc:
        errors: dict[str, str] = {}
        for key, message in exc.errors.items():
            errors.setdefault(_form_key(key, zone_map, method_maps, dict(enumerate(tax_rows))), message)
        raise InvalidFields(errors) from None


def _form_key(key: str, zones: dict[int, int], methods: dict[int, dict[int, int]], taxes: dict[int, int]) -> str:
    """An error path of the kept rows, as the form's input name ("zones.0.countries.2" -> "zones.3.countries")."""
    parts = key.split(".")
    if parts[0] == "zones" and len(parts) > 1 and parts[1].isdigit():
        ci = int(parts[1])
        parts[1] = str(zones.get(ci, ci))
        if len(parts) > 3 and parts[2] == "methods" and parts[3].isdigit():
            parts[3] = str(methods.get(ci, {}).get(int(parts[3]), int(parts[3])))
    elif parts[0] == "tax_rates" and len(parts) > 1 and parts[1].isdigit():
        parts[1] = str(taxes.get(int(parts[1]), int(parts[1])))
    if len(parts) > 2 and parts[-1].isdigit() and parts[-2] in ("countries", "regions"):
        parts = parts[:-1]  # one code of a list: the list's input
    return ".".join(parts)
