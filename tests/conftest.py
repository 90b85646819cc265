"""The one conftest: it registers the fixture plugin, tests/fixtures.py, for the whole suite.

Fixtures live in that plugin and plain helpers in tests/support/, so no test imports from a conftest
and no directory needs a conftest of its own. pytest only honours `pytest_plugins` here, in the root.
"""

from __future__ import annotations

import os

import pytest

# Before anything imports sentence-transformers: no model download, and no busy-waiting OpenMP threads
# (with them, a single query can take ~480 ms under load instead of ~15 ms).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# The helpers assert (a sign-in form has a CSRF field, ...): keep pytest's detailed assertion messages.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = ["tests.fixtures"]
