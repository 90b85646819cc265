"""The demo's customers: 400 people with unique example.com/.org emails and US street addresses.

Names, streets, cities and email patterns are in demo/data/people.json. The email domains stay here:
they are the reserved example domains, so no demo order can ever mail a real person.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from demo.sampling import object_id
from demo.vocabulary import Records, Words, load

CUSTOMER_COUNT = 400


@dataclass(frozen=True)
class City:
    city: str
    state: str
    zip_prefix: str  # the first three digits of its ZIP codes


@dataclass(frozen=True)
class PeopleWords:
    """demo/data/people.json, one field per key."""

    first_names: Words
    last_names: Words
    streets: Words
    street_types: Words
    cities: Records[City]
    email_patterns: Words


WORDS = load("people").into(PeopleWords)


def build_customers(rng: random.Random, seed: int, start: datetime, today: datetime) -> list[dict[str, Any]]:
    """Three in four signed up before the history starts, the rest during it; sorted by sign-up."""
    pairs = [(f, last) for f in WORDS.first_names for last in WORDS.last_names]
    rng.shuffle(pairs)
    emails: set[str] = set()
    customers: list[dict[str, Any]] = []
    history_days = (today - start).days
    for i, (first, last) in enumerate(pairs[:CUSTOMER_COUNT]):
        email = _unique_email(rng, first, last, emails)
        if rng.random() < 0.75:
            created = start - timedelta(days=rng.randrange(1, 420))
        else:
            created = start + timedelta(days=rng.randrange(0, max(1, history_days - 3)))
        created += timedelta(seconds=rng.randrange(8 * 3600, 22 * 3600))
        customers.append(
            {
                "_id": object_id(seed, "customer", str(i), created),
                "email": email,
                "name": f"{first} {last}",
                "address": _address(rng),
                "createdAt": created,
            }
        )
    customers.sort(key=lambda c: (c["createdAt"], c["email"]))
    return customers


def _unique_email(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    local_first = re.sub(r"[^a-z]", "", first.lower())
    local_last = re.sub(r"[^a-z]", "", last.lower())
    pattern = rng.choice(WORDS.email_patterns)
    domain = "example.com" if rng.random() < 0.7 else "example.org"
    local = pattern.format(first=local_first, last=local_last, initial=local_first[0], number=rng.randrange(1, 99))
    email = f"{local}@{domain}"
    counter = 2
    while email in taken:
        email = f"{local}{counter}@{domain}"
        counter += 1
    taken.add(email)
    return email


def _address(rng: random.Random) -> str:
    city = rng.choice(WORDS.cities)
    street = f"{rng.randrange(1, 9900)} {rng.choice(WORDS.streets)} {rng.choice(WORDS.street_types)}"
    if rng.random() < 0.25:
        street += f", Apt {rng.randrange(1, 30)}{rng.choice('ABCD')}"
    return f"{street}, {city.city}, {city.state} {city.zip_prefix}{rng.randrange(0, 100):02d}"
