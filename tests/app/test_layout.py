"""The app's layout rules: every route module is included, template names exist, partials start with `_`."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

from app.routes import admin, api, storefront
from shop.core.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
TEMPLATES = PROJECT_ROOT / "templates"
TEMPLATE_NAME = re.compile(r"""["']([\w/]+\.html)["']""")
INCLUDE = re.compile(r"""{%-?\s*include\s+["']([^"']+)["']""")
EXTENDS = re.compile(r"""{%-?\s*extends\s+["']([^"']+)["']""")


@pytest.mark.parametrize("package", [storefront, api, admin], ids=lambda p: p.__name__)
def test_each_package_includes_every_router_of_its_modules_once(package: ModuleType) -> None:
    modules = [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    routers = [module.router for module in modules if hasattr(module, "router")]
    assert routers
    assert sorted(map(id, package.routers)) == sorted(map(id, routers))


def test_every_template_the_app_names_exists() -> None:
    named = {
        (path.relative_to(PROJECT_ROOT), name)
        for path in APP.rglob("*.py")
        for name in TEMPLATE_NAME.findall(path.read_text(encoding="utf-8"))
    }
    assert named
    missing = [(str(path), name) for path, name in sorted(named) if not (TEMPLATES / name).is_file()]
    assert not missing


def test_partials_start_with_an_underscore_and_are_never_extended() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        # Emails include from their own folder (shop/messaging/mail.py's loader is templates/emails).
        root = TEMPLATES / "emails" if path.is_relative_to(TEMPLATES / "emails") else TEMPLATES
        for name in INCLUDE.findall(text):
            assert Path(name).name.startswith("_"), f"{path.name} includes {name}, not named as a partial"
            assert (root / name).is_file(), f"{path.name} includes {name}, which does not exist"
        for name in EXTENDS.findall(text):
            assert not Path(name).name.startswith("_"), f"{path.name} extends the partial {name}"
