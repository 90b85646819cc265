"""A product as the owner submits it, from the admin form, a CSV row or the agent: parsed and checked.

Prices are exact (Decimal, at most 2 decimals, "$12.50" accepted), whole numbers refuse true/false,
texts are trimmed and may not start with "$", attribute names become MongoDB field names so they are
restricted, and the category must be one of the shop's. Each problem is reported next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from bson import ObjectId
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from shop.catalog.categories import Category, category_context, check_category
from shop.core.errors import InvalidFields, InvalidInput
from shop.core.money import to_money
from shop.core.text import slugify
from shop.core.validation import describe_errors, is_object_id, line, paragraph, reject_bool

MAX_PRICE = Decimal("100000.00")
MAX_STOCK = 1_000_000
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,39}$")
# VARIANTS (issue 14): the owner's SKU, and what tells a family's members apart.
SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_OPTIONS = 3

# The fields an owner edits; the order is the CSV's column order after `id`.
EDITABLE = (
    "slug",
    "name",
    "category",
    "price",
    "stock",
    "featured",
    "tags",
    "attributes",
    "supplier",
    "leadTimeDays",
    "imageUrl",
    "description",
)
FORM_ONLY = ("weightGrams",)
"""Edited on the product form but not a CSV column (shipping, issue 14): a CSV without it keeps the weight."""
UNSET_VARIANT_FIELDS: dict[str, Any] = {"sku": "", "options": {}}
"""VARIANTS: what a product stored before variants (no `sku`, no `options`) has."""
VARIANT_EDITABLE = ("sku", "options")
"""VARIANTS: edited on the form and CSV columns (after EDITABLE, with `variant_of`); set only when given,
so a form or file without them keeps the stored values."""


def _price(value: Any) -> Decimal:
    """A shelf price: a plain number with at most 2 decimals ("$12.50" is accepted, "12.505" is not)."""
    if isinstance(value, float):
        raise ValueError("must be an exact amount, not a float")
    if isinstance(value, str):
        value = value.strip().removeprefix("$").replace(",", "").strip()
        if not value:
            raise ValueError("is required")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("must be a number like 12.50") from None
    if not amount.is_finite():
        raise ValueError("must be a number like 12.50")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("must have at most 2 decimals")
    if amount < Decimal("0.01"):
        raise ValueError("must be at least 0.01")
    if amount > MAX_PRICE:
        raise ValueError(f"must be at most {MAX_PRICE}")
    return to_money(amount)


def _int_text(value: Any) -> Any:
    value = reject_bool(value)
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,9}", value):
            raise ValueError("must be a whole number")
        return int(value)
    return value


def _optional_int(value: Any) -> Any:
    """An optional whole number: empty text or None is "not set"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _int_text(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "y", "on", "x"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("", "0", "false", "no", "n", "off"):
        return False
    raise ValueError("must be yes or no")


def parse_tags(value: Any) -> list[str]:
    """Tags from a list or from "a, b, c" (form field, CSV cell): trimmed, lowercase, no duplicates."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValueError("must be a list of tags")
    tags: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError("must be a list of tags")
        tag = item.strip().lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _pairs(text: str, sep: str, what: str) -> Iterator[tuple[str, str]]:
    """(key, value) of every non-empty part of "a<sep>b; c<sep>d" (parts split on ";" or new lines)."""
    for part in re.split(r"[;\n]", text.replace("\r\n", "\n")):
        if not part.strip():
            continue
        key, found, value = part.partition(sep)
        if not found:
            raise ValueError(f'"{part.strip()[:40]}" is not {what}')
        yield key.strip(), value.strip()


def parse_attributes(value: Any) -> dict[str, str]:
    """Attributes from a dict or from "key: value" pairs, one per line or separated by ";"."""
    if isinstance(value, dict):
        return {str(k).strip(): v for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError("must be key: value pairs")
    return dict(_pairs(value, ":", 'a "key: value" pair'))


def parse_options(value: Any) -> dict[str, str]:
    """VARIANTS: options from a dict or from "size=1 kg; grind=ground" (form field, CSV cell)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k).strip(): str(v).strip() if isinstance(v, str) else v for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError('must be name=value pairs, like "size=1 kg; grind=ground"')
    options: dict[str, str] = {}
    for key, text in _pairs(value, "=", 'a "name=value" pair, like "size=1 kg"'):
        if key in options:
            raise ValueError(f'"{key[:40]}" is given twice')
        options[key] = text
    return options


def format_options(options: dict[str, str]) -> str:
    """ "size=1 kg; grind=ground": options as the form and the CSV show them (parse_options reads it back)."""
    return "; ".join(f"{key}={value}" for key, value in options.items())


def _sku(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be text")
    value = value.strip()
    if value and not SKU_PATTERN.match(value):
        raise ValueError("may hold letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit)")
    return value


def _variant_of(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, str) and is_object_id(value.strip()):
        return value.strip()
    raise ValueError("must be the id of the family's main product")


def format_attributes(attributes: dict[str, str], separator: str = "\n") -> str:
    return separator.join(f"{key}: {value}" for key, value in attributes.items())


Tag = line(40)
Price = Annotated[Decimal, BeforeValidator(_price)]
Stock = Annotated[int, BeforeValidator(_int_text), Field(ge=0, le=MAX_STOCK)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class ProductInput(BaseModel):
    """A product as the owner submits it, from the form, a CSV row or the agent; ids never included."""

    model_config = ConfigDict(extra="forbid")

    name: line(120)  # type: ignore[valid-type]
    slug: line(80, min_length=0) = ""  # type: ignore[valid-type]
    description: paragraph(2000)  # type: ignore[valid-type]
    category: line(40)  # type: ignore[valid-type]
    price: Price
    stock: Stock = 0
    featured: Flag = False
    tags: Annotated[list[Tag], BeforeValidator(parse_tags), Field(max_length=20)] = Field(default_factory=list)
    attributes: Annotated[dict[str, line(200, min_length=0)], BeforeValidator(parse_attributes)] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
    supplier: line(120, min_length=0) = ""  # type: ignore[valid-type]
    leadTimeDays: Annotated[int, BeforeValidator(_int_text), Field(ge=0, le=365)] = 7
    imageUrl: line(500, min_length=0) = ""  # type: ignore[valid-type]
    # shipping (SHIPPING, issue 14): for per-kg rates; None uses the shop's default weight
    weightGrams: Annotated[Annotated[int, Field(ge=1, le=100_000)] | None, BeforeValidator(_optional_int)] = None
    # VARIANTS (issue 14): set only when given (see VARIANT_EDITABLE); the family rules that need the
    # database (one level, options unique in the family, SKU unique) are ProductAdmin's.
    sku: Annotated[str, BeforeValidator(_sku)] = ""
    options: Annotated[dict[str, str], BeforeValidator(parse_options)] = Field(default_factory=dict)
    variantOf: Annotated[str | None, BeforeValidator(_variant_of)] = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str, info: ValidationInfo) -> str | None:
        return check_category(value, info, required=True)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        value = value.strip().lower()
        if value and not SLUG_PATTERN.match(value):
            raise ValueError("may contain only lowercase letters, digits and single dashes")
        return value

    @field_validator("attributes")
    @classmethod
    def _attribute_keys(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 30:
            raise ValueError("at most 30 attributes")
        for key in value:
            # Keys become MongoDB field names: no "$" prefix, no dots, nothing surprising.
            if not ATTRIBUTE_KEY.match(key):
                raise ValueError(f'"{key[:40]}" is not a valid attribute name (letters, digits, spaces, - and _)')
        return value

    @field_validator("options")
    @classmethod
    def _options(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_OPTIONS:
            raise ValueError(f"at most {MAX_OPTIONS} options (like size, grind, colour)")
        for key, text in value.items():
            if not ATTRIBUTE_KEY.match(key):
                raise ValueError(f'"{key[:40]}" is not a valid option name (letters, digits, spaces, - and _)')
            if not isinstance(text, str) or not 1 <= len(text) <= 40 or text.startswith("$"):
                raise ValueError(f'the value of "{key}" must be 1 to 40 characters')
        return value

    @field_validator("imageUrl")
    @classmethod
    def _image_url(cls, value: str) -> str:
        if value and not (value.startswith("/media/") or value.startswith("https://")):
            raise ValueError("must be an uploaded image (/media/...) or an https:// address")
        return value

    def resolved_slug(self) -> str:
        slug = self.slug or slugify(self.name)
        if not slug:
            raise InvalidInput("The name needs some letters or digits to make a web address from.", field="slug")
        return slug

    def fields(self) -> dict[str, Any]:
        """The document fields this input sets (stock is handled separately, see ProductAdmin)."""
        return {
            "slug": self.resolved_slug(),
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "price": self.price,
            "featured": self.featured,
            "tags": self.tags,
            "attributes": self.attributes,
            "supplier": self.supplier,
            "leadTimeDays": self.leadTimeDays,
            # shipping (SHIPPING): only when given (the form always sends it; a CSV never does)
            **({"weightGrams": self.weightGrams} if "weightGrams" in self.model_fields_set else {}),
            # VARIANTS: only when given, so a form or CSV without the columns keeps what is stored
            **{key: getattr(self, key) for key in VARIANT_EDITABLE if key in self.model_fields_set},
        }


def validate_product(values: dict[str, Any], categories: Iterable[Category]) -> ProductInput:
    """ProductInput, or InvalidInput whose `errors` maps each field to a message; the category must be
    one of the shop's `categories`."""
    try:
        return ProductInput.model_validate(values, context=category_context(categories))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        # "tags.1" and "attributes.origin" are shown next to their form field ("tags", "attributes").
        for key, message in describe_errors(list(exc.errors())).items():
            errors.setdefault(key.split(".", 1)[0], message)
        raise InvalidFields(errors) from None


def product_form_values(doc: dict[str, Any]) -> dict[str, Any]:
    """A product document as the edit form shows it (texts, not lists and dicts)."""
    return {
        "name": doc.get("name", ""),
        "slug": doc.get("slug", ""),
        "description": doc.get("description", ""),
        "category": doc.get("category", ""),
        "price": f"{Decimal(doc['price']):.2f}" if doc.get("price") is not None else "",
        "stock": str(doc.get("stock", 0)),
        "featured": bool(doc.get("featured")),
        "tags": ", ".join(doc.get("tags") or []),
        "attributes": format_attributes(doc.get("attributes") or {}),
        "supplier": doc.get("supplier", ""),
        "leadTimeDays": str(doc.get("leadTimeDays", 7)),
        "imageUrl": doc.get("imageUrl", ""),
        "weightGrams": str(doc["weightGrams"]) if doc.get("weightGrams") else "",
        "sku": doc.get("sku") or "",
        "options": format_options(doc.get("options") or {}),
    }


def variant_name(main: dict[str, Any], options: dict[str, str]) -> str:
    """ "House Espresso Roast (1 kg)": a variant is named after its main product and its option values."""
    return f"{main['name']} ({', '.join(options.values())})"


def variant_slug(main: dict[str, Any], options: dict[str, str]) -> str:
    """ "house-espresso-roast-1-kg": the main product's slug and the slugified option values."""
    return f"{main['slug']}-{slugify(' '.join(options.values()))}".strip("-")
