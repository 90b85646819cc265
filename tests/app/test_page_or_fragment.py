"""`wants_fragment`: the one rule for answering an htmx swap with a fragment instead of the full page."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from app.templating import is_htmx, wants_fragment


def _request(**headers: str) -> Request:
    raw = [(name.replace("_", "-").lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": raw})


def test_a_plain_request_gets_the_page() -> None:
    assert not wants_fragment(_request())
    assert not wants_fragment(_request(HX_Request="false"))


def test_an_htmx_request_gets_the_fragment() -> None:
    assert wants_fragment(_request(HX_Request="true"))


def test_a_history_restore_gets_the_whole_page() -> None:
    restore = _request(HX_Request="true", HX_History_Restore_Request="true")
    assert is_htmx(restore)
    assert not wants_fragment(restore)


@pytest.mark.parametrize(("target", "expected"), [("product-results", True), ("flash", False), (None, False)])
def test_a_named_fragment_only_for_requests_aimed_at_it(target: str | None, expected: bool) -> None:
    headers = {"HX_Request": "true"} | ({"HX_Target": target} if target else {})
    assert wants_fragment(_request(**headers), "product-results") is expected
