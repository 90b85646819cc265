""".env.example is the operator's list of settings: each once, all of them, with the real defaults.

Why a test: the file once held the whole chat block twice, so a key pasted into the first
OPENAI_API_KEY was silently replaced by the empty second one (the last line wins in a .env).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from shop.core.settings import PROJECT_ROOT, Settings

EXAMPLE = PROJECT_ROOT / ".env.example"
COMPOSE = PROJECT_ROOT / "compose.yaml"
_ASSIGNMENT = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


def example_keys(path: Path = EXAMPLE) -> list[str]:
    """The variables a .env file assigns, in order, repeats included (comments and blanks skipped)."""
    keys = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            keys.append(match["key"])
    return keys


def setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_every_variable_appears_once() -> None:
    repeated = sorted(key for key, count in Counter(example_keys()).items() if count > 1)
    assert not repeated, f".env.example assigns these more than once (the last one wins): {repeated}"


def test_every_setting_is_listed() -> None:
    missing = sorted(setting_names() - set(example_keys()))
    assert not missing, f"Settings fields missing from .env.example: {missing}"


def test_every_other_variable_is_one_compose_reads() -> None:
    """A variable that is not a setting must be one compose.yaml interpolates (else it is a typo or a
    setting that was removed)."""
    compose = COMPOSE.read_text(encoding="utf-8")
    unknown = sorted(key for key in set(example_keys()) - setting_names() if "${" + key not in compose)
    assert not unknown, f".env.example variables that neither Settings nor compose.yaml read: {unknown}"


def test_the_listed_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copying .env.example to .env changes nothing: the file shows the defaults, not other values."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(PROJECT_ROOT)  # DATA_DIR=var is read relative to where the shop starts
    from_example = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    differing = {}
    for name in Settings.model_fields:
        listed, default = getattr(from_example, name), getattr(defaults, name)
        if isinstance(listed, Path) and isinstance(default, Path):
            listed, default = listed.resolve(), default.resolve()
        if listed != default:
            differing[name.upper()] = (listed, default)
    assert not differing, f".env.example values that are not the defaults (listed, default): {differing}"


def test_a_duplicate_is_caught(tmp_path: Path) -> None:
    """The check itself: the old file's shape (a block repeated) is reported."""
    doubled = tmp_path / ".env"
    doubled.write_text("# chat\nOPENAI_API_KEY=sk-pasted\nOPENAI_MODEL=\n\n# chat again\nOPENAI_API_KEY=\n")
    assert Counter(example_keys(doubled))["OPENAI_API_KEY"] == 2
