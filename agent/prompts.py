"""Prompt texts live in prompts/*.md, apart from the code, so they can be read and tuned on their own.

The system prompts are rendered once per process with values that never change while it runs (the
shop's name): a byte-identical prompt prefix is what lets the local model reuse its cache across
turns and conversations. Nothing per-turn (time, cart, customer) ever goes into them.
"""

from __future__ import annotations

from functools import lru_cache

from shop.core.settings import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"


# Shared by every shop in the process, and rightly: it holds the prompt files shipped with the code,
# never a shop's values (render fills those in per call).
@lru_cache
def load(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    text = load(name)
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text
