"""The policy texts customers read state the numbers the configuration charges and decides by.

One general check (shop.shipping.policy_check) over every policy text and the configuration: the
shipping rates, the free-shipping threshold, the delivery days and the return windows. No number is
copied here: the shop's own texts must agree with its own defaults, and changing either one alone
must be caught.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from shop.core.settings import Settings
from shop.shipping.config import DEFAULT_CONFIG
from shop.shipping.policy_check import policy_problems, read_policies

TEXTS = read_policies(Settings(_env_file=None).resolved_policies_dir)  # type: ignore[call-arg]


def test_the_shipped_policy_texts_match_the_default_configuration() -> None:
    assert set(TEXTS) >= {"shipping", "returns", "payment", "privacy", "terms"}
    assert policy_problems(DEFAULT_CONFIG, TEXTS) == []


def test_a_configuration_change_the_texts_do_not_follow_is_caught() -> None:
    standard = DEFAULT_CONFIG.standard_method
    assert standard is not None and standard.free_over is not None
    zones = DEFAULT_CONFIG.model_dump()["zones"]
    zones[0]["methods"][0]["free_over"] = standard.free_over + 10
    zones[0]["methods"][0]["delivery_days"] = {"min": 3, "max": 8}
    changed = DEFAULT_CONFIG.model_validate(
        {**DEFAULT_CONFIG.model_dump(), "zones": zones, "returns_damaged_days": DEFAULT_CONFIG.returns_damaged_days + 1}
    )
    problems = " ".join(policy_problems(changed, TEXTS))
    assert "free-shipping threshold" in problems and "delivery days of Standard" in problems
    assert "damaged" in problems
    assert f"${standard.free_over}" in problems  # names the amount the text still states
    windows = DEFAULT_CONFIG.model_copy(update={"returns_unopened_days": DEFAULT_CONFIG.returns_unopened_days + 1})
    assert any("unopened" in p for p in policy_problems(windows, TEXTS))
    tax = DEFAULT_CONFIG.model_copy(update={"prices_include_tax": True})
    assert any("include tax" in p for p in policy_problems(tax, TEXTS))


def test_a_text_change_the_configuration_does_not_follow_is_caught() -> None:
    standard = DEFAULT_CONFIG.standard_method
    assert standard is not None
    bumped = {**TEXTS, "shipping": TEXTS["shipping"].replace(f"${standard.price}", f"${standard.price + 1}")}
    assert bumped != TEXTS
    problems = policy_problems(DEFAULT_CONFIG, bumped)
    assert any("Standard shipping rate" in p for p in problems)
    assert any("no rate or threshold" in p for p in problems)  # the stray amount too
    days = re.sub(r"within (\d+) days", lambda m: f"within {int(m.group(1)) + 7} days", TEXTS["returns"])
    assert len(policy_problems(DEFAULT_CONFIG, {**TEXTS, "returns": days})) >= 2
    gone = {k: v for k, v in TEXTS.items() if k != "returns"}
    assert any("no returns policy file" in p for p in policy_problems(DEFAULT_CONFIG, gone))


def test_the_policy_folder_is_the_one_the_settings_name(tmp_path: Path) -> None:
    (tmp_path / "shipping.md").write_text("## Costs\nStandard shipping is $1.00.\n", encoding="utf-8")
    settings = Settings(_env_file=None, policies_dir=tmp_path)  # type: ignore[call-arg]
    problems = policy_problems(DEFAULT_CONFIG, read_policies(settings.resolved_policies_dir))
    assert any("$1.00" in p for p in problems) and Decimal("1.00") != DEFAULT_CONFIG.standard_method.price  # type: ignore[union-attr]
