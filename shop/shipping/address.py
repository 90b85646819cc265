"""A structured delivery address, validated per country, with a one-line text form.

Why per country: a postal code that cannot exist ("1234" in the US, "SW1A" alone in the UK) or a
missing state where the carrier needs one makes a parcel come back; catching it at checkout costs the
customer one correction instead of a lost week. The rules are deliberately few: the postal-code
pattern and whether a region (state, province) is required, for the countries a small shop is likely
to ship to (US, CA, GB, DE, FR, ES, IT, PT, NL, AU); any other ISO 3166 country gets the generic
checks (bounded single lines, a postal code of letters, digits, spaces and dashes).

The old free-text address (one string, before issue 14, and the chat's) is still accepted: when it
spells out its parts and names its country (`parse_text`: "12 Rue de Rivoli, 75001 Paris, France") it
is read as a structured address that remembers the text (`with_text`); otherwise `Address.from_text`
keeps it whole as `line1`, with no city, postal code or country (`text_only`), and the quote treats it
as an address in the shop's home country. Either way the order's `address` field keeps the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator

from shop.core.validation import clean_text

# ISO 3166-1 alpha-2, the officially assigned codes (2024).
_ISO_CODES = "".join(
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE "
    "BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD "
    "CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF "
    "GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME "
    "MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI "
    "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK "
    "TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW "
)
ISO_COUNTRIES = frozenset(_ISO_CODES.split())

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico", "GU": "Guam",
    "VI": "U.S. Virgin Islands", "AS": "American Samoa", "MP": "Northern Mariana Islands",
    "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}  # fmt: skip
CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut",
    "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
AU_STATES = {
    "ACT": "Australian Capital Territory", "NSW": "New South Wales", "NT": "Northern Territory",
    "QLD": "Queensland", "SA": "South Australia", "TAS": "Tasmania", "VIC": "Victoria", "WA": "Western Australia",
}  # fmt: skip


@dataclass(frozen=True)
class CountryRule:
    """What a country's addresses must have: a postal code matching `postal` (after upper-casing and
    trimming), and a region from `regions` when `region_required` (codes; full names are accepted and
    stored as the code)."""

    name: str
    postal: re.Pattern[str]
    example: str
    region_required: bool = False
    regions: dict[str, str] | None = None
    region_label: str = "Region"


COUNTRY_RULES: dict[str, CountryRule] = {
    "US": CountryRule("United States", re.compile(r"^\d{5}(-\d{4})?$"), "12345 or 12345-6789", True, US_STATES, "State"),
    "CA": CountryRule(
        "Canada", re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$"), "K1A 0B1",
        True, CA_PROVINCES, "Province",
    ),
    "GB": CountryRule(
        "United Kingdom", re.compile(r"^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$"), "SW1A 1AA", region_label="County"
    ),
    "DE": CountryRule("Germany", re.compile(r"^\d{5}$"), "10115", region_label="State"),
    "FR": CountryRule("France", re.compile(r"^\d{5}$"), "75001"),
    "ES": CountryRule("Spain", re.compile(r"^(0[1-9]|[1-4]\d|5[0-2])\d{3}$"), "28001", region_label="Province"),
    "IT": CountryRule("Italy", re.compile(r"^\d{5}$"), "00184", region_label="Province"),
    "PT": CountryRule("Portugal", re.compile(r"^\d{4}-\d{3}$"), "1000-001", region_label="District"),
    "NL": CountryRule("Netherlands", re.compile(r"^[1-9]\d{3} ?[A-Z]{2}$"), "1012 AB", region_label="Province"),
    "AU": CountryRule("Australia", re.compile(r"^\d{4}$"), "2000", True, AU_STATES, "State"),
}  # fmt: skip
GENERIC_POSTAL = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,10}[A-Z0-9]$")
"""Any other country: 3-12 letters, digits, spaces and dashes (or no postal code at all)."""


def country_name(code: str) -> str:
    rule = COUNTRY_RULES.get(code)
    return rule.name if rule else code


def _text(value: Any, max_length: int, *, required: bool) -> str:
    """One trimmed line: text only (a number or a list is refused), no NUL or control characters, bounded."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be text")
    if len(value) > max_length * 4:  # refuse a huge value before normalizing it
        raise ValueError(f"must be at most {max_length} characters")
    value = clean_text(value)
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    if required and not value:
        raise ValueError("is required")
    return value


def valid_country(value: Any) -> str:
    """The ISO code of an address's country field ("fr" -> "FR"); ValueError for anything else.
    Also the checkout's live quote (app/routes/storefront/cart.py), which reads only the country and region."""
    code = _text(value, 2, required=True).upper()
    if code not in ISO_COUNTRIES:
        raise ValueError("must be a two-letter country code (ISO 3166), such as US")
    return code


def valid_region(value: Any, country: str) -> str:
    """An address's region as it is stored: a code of the country's list when it has one ("California"
    -> "CA"), else the trimmed text; ValueError when required and missing, or not one of the list."""
    region = _text(value, 100, required=False)
    rule = COUNTRY_RULES.get(country)
    if rule is None or rule.regions is None:
        return region
    if not region:
        if rule.region_required:
            raise ValueError(f"is required for {rule.name} ({rule.region_label.lower()})")
        return region
    code = region.upper().replace(".", "")
    if code in rule.regions:
        return code
    by_name = {name.lower(): key for key, name in rule.regions.items()}
    if region.lower() in by_name:
        return by_name[region.lower()]
    raise ValueError(f"is not a {rule.region_label.lower()} of {rule.name}")


class Address(BaseModel):
    """A delivery address. Field order matters: `country` is validated first, so the postal code and
    the region are checked against its rules (each error is reported on its own field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    line1: str
    line2: str = ""
    city: str
    region: str = Field("", validate_default=True)
    postalCode: str = Field("", validate_default=True)
    _typed: str = PrivateAttr("")
    """The customer's own one-line text this address was read from (`with_text`), else empty."""

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> str:
        return valid_country(value)

    @field_validator("line1", mode="before")
    @classmethod
    def _line1(cls, value: Any) -> str:
        line1 = _text(value, 200, required=True)
        if len(line1) < 3:
            raise ValueError("must be at least 3 characters")
        return line1

    @field_validator("line2", mode="before")
    @classmethod
    def _line2(cls, value: Any) -> str:
        return _text(value, 200, required=False)

    @field_validator("city", mode="before")
    @classmethod
    def _city(cls, value: Any) -> str:
        return _text(value, 100, required=True)

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any, info: ValidationInfo) -> str:
        return valid_region(value, info.data.get("country", ""))

    @field_validator("postalCode", mode="before")
    @classmethod
    def _postal_code(cls, value: Any, info: ValidationInfo) -> str:
        code = re.sub(r"\s+", " ", _text(value, 12, required=False).upper())
        country = info.data.get("country", "")
        rule = COUNTRY_RULES.get(country)
        if rule is None:
            if code and not GENERIC_POSTAL.match(code):
                raise ValueError("is not a valid postal code")
            return code
        if not code:
            raise ValueError(f"is required for {rule.name}")
        if not rule.postal.match(code):
            raise ValueError(f"is not a valid postal code for {rule.name} (for example {rule.example})")
        return code

    @classmethod
    def from_text(cls, text: str) -> Address:
        """The old free-text address, already validated as text: kept whole as line1 (`text_only`)."""
        return cls.model_construct(country="", line1=text, line2="", city="", region="", postalCode="")

    def with_text(self, text: str) -> Address:
        """This address, remembering the customer's own text it was read from (`parse_text`): the
        order's one-line `address` stays their words, while the quote and `shippingAddress` use the parts."""
        copy = self.model_copy()
        copy._typed = text
        return copy

    @property
    def typed(self) -> str | None:
        """The text the customer typed (a free-text address, or one read with `with_text`), else None."""
        if self._typed:
            return self._typed
        return self.line1 if self.text_only else None

    @property
    def text_only(self) -> bool:
        """An address given as one free-text string (the API before issue 14, the chat): no parts known."""
        return not self.country

    def one_line(self) -> str:
        """The text form stored in the order's `address` ("12 Main St, Apt 4, Springfield, IL 62704, US"),
        or the customer's own text when the address came as one (`typed`)."""
        if self.typed is not None:
            return self.typed
        place = " ".join(part for part in (self.region, self.postalCode) if part)
        return ", ".join(part for part in (self.line1, self.line2, self.city, place, self.country) if part)

    def stored(self, home_country: str) -> dict[str, str]:
        """The order's `shippingAddress`; a text-only address is taken to be in `home_country`."""
        data = self.model_dump()
        if self.text_only:
            data["country"] = home_country
        return data


_TAIL = re.compile(r"^(?P<region>[A-Za-z][A-Za-z .]{0,30}?)\s+(?P<postal>[A-Za-z0-9][A-Za-z0-9 -]{1,10})$")
_LETTER = re.compile(r"[^\W\d_]")
_PROVINCE = re.compile(r"^\(?(?P<code>[A-Z]{2})\)?$")
"""An Italian province code after the city ("00184 Roma RM", "20121 Milano (MI)")."""

# Country names as a customer writes them in the shop's six languages (en, fr, de, es, it, pt) and
# natively, compared without case, accents, dots or dashes. Only countries a small European or North
# American shop is likely to name; any other country is understood by its ISO code ("BR").
_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "US": ("United States", "United States of America", "USA", "Etats-Unis", "Vereinigte Staaten",
           "Estados Unidos", "Stati Uniti", "Stati Uniti d'America", "EEUU", "EUA"),
    "CA": ("Canada", "Kanada", "Canadá"),
    "GB": ("United Kingdom", "UK", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland",
           "Royaume-Uni", "Angleterre", "Ecosse", "Pays de Galles", "Vereinigtes Königreich", "Großbritannien",
           "Grossbritannien", "Schottland", "Reino Unido", "Gran Bretaña", "Inglaterra", "Escocia", "Regno Unito",
           "Gran Bretagna", "Inghilterra", "Scozia", "Grã-Bretanha", "Escócia"),
    "DE": ("Germany", "Allemagne", "Deutschland", "Alemania", "Germania", "Alemanha"),
    "FR": ("France", "Frankreich", "Francia", "França"),
    "ES": ("Spain", "Espagne", "Spanien", "España", "Spagna", "Espanha"),
    "IT": ("Italy", "Italie", "Italien", "Italia", "Itália"),
    "PT": ("Portugal", "Portogallo"),
    "NL": ("Netherlands", "The Netherlands", "Holland", "Nederland", "Pays-Bas", "Niederlande", "Países Bajos",
           "Paesi Bassi", "Países Baixos", "Holanda", "Olanda"),
    "AU": ("Australia", "Australie", "Australien", "Austrália"),
    "AT": ("Austria", "Autriche", "Österreich", "Áustria"),
    "BE": ("Belgium", "Belgique", "Belgien", "België", "Bélgica", "Belgio"),
    "CH": ("Switzerland", "Suisse", "Schweiz", "Suiza", "Svizzera", "Suíça", "Suica"),
    "IE": ("Ireland", "Irlande", "Irland", "Irlanda"),
    "LU": ("Luxembourg", "Luxemburg", "Luxemburgo", "Lussemburgo"),
}  # fmt: skip


def _folded(text: str) -> str:
    """A name compared without case, accents, dots, dashes or apostrophes ("Etats-Unis" = "États-Unis")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[.\-'’]", " ", plain).casefold().replace("ß", "ss").split())


_BY_NAME: dict[str, str] = {_folded(name): code for code, names in _COUNTRY_NAMES.items() for name in names}


def country_code(text: str) -> str | None:
    """The ISO code a customer's country names: a name in one of the shop's languages ("Frankreich",
    "España", "UK") or the code itself ("FR", "fr", "U.S."); None for anything else."""
    folded = _folded(text)
    compact = folded.replace(" ", "").upper()
    if len(compact) == 2 and compact in ISO_COUNTRIES:
        return compact
    return _BY_NAME.get(folded) or _BY_NAME.get(compact.casefold())


def _splits(parts: list[str]) -> Iterator[dict[str, str]]:
    """The ways the text's last parts may hold the city, region and postal code, most specific first;
    each candidate uses the customer's words as they are, only split at commas and spaces."""
    line1, tokens = parts[0], parts[-1].split()
    if len(parts) >= 3:  # US order: "..., Springfield, IL 62704" or "..., London, SW1A 2AA"
        base = {"line1": line1, "line2": ", ".join(parts[1:-2]), "city": parts[-2]}
        tail = _TAIL.match(parts[-1])
        if tail:
            yield base | {"region": tail.group("region"), "postalCode": tail.group("postal")}
        yield base | {"postalCode": parts[-1]}
    base = {"line1": line1, "line2": ", ".join(parts[1:-1])}
    for size in (1, 2):  # European order: "75001 Paris", "1012 JS Amsterdam", "SW1A 2AA London", "00184 Roma RM"
        postal, rest = tokens[:size], tokens[size:]
        province = _PROVINCE.match(rest[-1]) if len(rest) >= 2 else None
        if province:
            yield base | {"postalCode": " ".join(postal), "city": " ".join(rest[:-1]), "region": province["code"]}
        yield base | {"postalCode": " ".join(postal), "city": " ".join(rest)}
    for size in (1, 2):  # British order within one part: "London SW1A 2AA"
        yield base | {"postalCode": " ".join(tokens[-size:]), "city": " ".join(tokens[:-size])}


def _us_state_too(parts: list[str], code: str) -> bool:
    """Whether a last part that is a two-letter code ("DE", "IN", "CA") may just as well be a US state
    written after its own comma ("1 Main St, Dover, 19901, DE" is Delaware as much as Germany): then
    the text is ambiguous and nothing is guessed."""
    if code not in US_STATES or len(parts) < 3:
        return False
    try:
        Address(country="US", line1=parts[0], line2=", ".join(parts[1:-2]), city=parts[-2], region=code,
                postalCode=parts[-1])  # fmt: skip
    except ValueError:
        return False
    return True


def parse_text(text: str, home_country: str | None) -> Address | None:
    """The structured address a one-line text spells out, or None when it does not validate as one.

    Reads the US order ("12 Oak Rd, Apt 4, Springfield, IL 62704[, US]") and the European ones
    ("12 Rue de Rivoli, 75001 Paris, France", "Rua Augusta 1, 1000-001 Lisboa, Portugal",
    "10 Downing St, London SW1A 2AA, UK"), with the country as its last part in any of the shop's
    languages or as its ISO code. Every part is the text's own words, only split at its commas and
    spaces: nothing is guessed. A street must hold a letter, a city must start with one, and a postal
    code must hold a digit and match its country's rule, so "Paris, France", "12, 75001 Paris, France"
    or a text without a postal code stay free text. Without a country in the text, `home_country` is
    assumed; None means the text must name it (the chat: an unnamed country stays the home country's
    free text, exactly as before).

    The result's `one_line()` is normalized ("Illinois" -> "IL", ", US" added); a caller that must keep
    the customer's own words (the chat, the agent bench compares them) uses `Address.with_text`."""
    parts = [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
    if not 2 <= len(parts) <= 7:
        return None
    last = parts[-1]
    country = country_code(last)
    if country is not None:
        parts = parts[:-1]
    elif home_country is None:
        return None
    if len(parts) < 2 or not _LETTER.search(parts[0]):
        return None
    if country is not None and _us_state_too(parts, last.strip().upper()):
        return None
    for fields in _splits(parts):
        city, postal = fields["city"], fields["postalCode"]
        if not city or not _LETTER.match(city) or not any(c.isdigit() for c in postal):
            continue
        try:
            return Address(country=country or home_country, **fields)
        except ValueError:  # pydantic's ValidationError is one
            continue
    return None
