"""Request limits (app/middleware/request_limits.py) through the real app: body size (413), JSON depth
and text the database cannot store (422), on the JSON API, the chat, the storefront and admin forms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.middleware.request_limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_UPLOAD_BYTES
from shop.services import ShopServices
from tests.support.orders import order_body

JSON = {"Content-Type": "application/json"}
UNSTORABLE = "contains characters that cannot be saved"


def nested(depth: int) -> bytes:
    """A JSON body of `depth` nested lists: [[[...]]]."""
    return b"[" * depth + b"]" * depth


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes sent chunked, with no Content-Length to trust or distrust."""
    for start in range(0, total, size):
        yield b" " * min(size, total - start)


def test_json_nested_too_deeply_is_422_on_every_route(client: TestClient) -> None:
    for path in ("/chat/stream", "/chat/confirm", "/api/chat", "/api/orders"):
        for depth in (MAX_JSON_DEPTH + 1, 100_000):  # 100,000 levels exhaust Python's parser: was a 500
            response = client.post(path, content=nested(depth), headers=JSON)
            assert response.status_code == 422, (path, depth)
            assert f"nested too deeply: at most {MAX_JSON_DEPTH} levels" in response.text


def test_json_within_the_depth_limit_reaches_the_route(client: TestClient) -> None:
    body = {"message": "hello", "extra": json.loads(nested(MAX_JSON_DEPTH - 1))}
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"extra": "is not an accepted field"}  # the route's own answer


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"customerName": "Mallory \ud800"}, "customerName"),  # a lone surrogate (half an emoji)
        ({"address": "1 Null Road\x00"}, "address"),
        ({"items": [{"productId": "0123456789abcdef0123456\x00", "quantity": 1}]}, "items.0.productId"),
        ({"customerName": {"\ud800": "x"}}, "customerName"),  # in a key
    ],
)
def test_unstorable_text_in_a_json_body_is_422_naming_its_field(
    client: TestClient, services: ShopServices, product_factory: Any, override: dict[str, Any], field: str
) -> None:
    product = product_factory(stock=5)
    body = json.dumps(order_body(product["_id"], 1, **override))  # json.dumps escapes the surrogate
    response = client.post("/api/orders", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert UNSTORABLE in response.json()["errors"][field]
    assert services.db.orders.count_documents({}) == 0
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 5


def test_unstorable_chat_message_is_422(client: TestClient) -> None:
    response = client.post("/api/chat", content=json.dumps({"message": "hi \ud83d"}), headers=JSON)
    assert response.status_code == 422 and UNSTORABLE in response.json()["errors"]["message"]


def test_a_json_body_over_the_limit_is_413_declared_or_streamed(client: TestClient) -> None:
    declared = client.post("/api/orders", content=b" " * (MAX_BODY_BYTES + 1), headers=JSON)
    assert declared.status_code == 413
    assert declared.json()["detail"] == "That request is too large: at most 1 MB may be sent at once."
    streamed = client.post("/api/orders", content=chunks(100 * MAX_BODY_BYTES), headers=JSON)
    assert streamed.status_code == 413
    counted = client.post("/api/orders", content=chunks(3 * MAX_BODY_BYTES), headers={"Content-Type": "text/plain"})
    assert counted.status_code == 413 and "too large" in counted.text  # counted as the route reads it


def test_a_body_under_the_limit_reaches_the_route(client: TestClient) -> None:
    body = json.dumps({"message": "x" * (MAX_BODY_BYTES - 1000)})
    response = client.post("/api/chat", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["errors"] == {"message": "must be at most 2000 characters"}


@pytest.mark.parametrize("url", ["/api/products?q=tea%00", "/products?q=tea%00", "/api/products?q%00=1"])
def test_a_nul_in_the_query_string_is_422(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422 and UNSTORABLE in response.text


def test_a_nul_in_the_path_is_422(client: TestClient) -> None:
    response = client.get("/products/tea%00")
    assert response.status_code == 422 and "not allowed (a null character)" in response.text


def test_storefront_forms_refuse_unstorable_text_and_write_nothing(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=5, slug="nul-beans")
    client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "1"})
    checkout = client.post(
        "/checkout", data={"customerName": "Ada\x00", "email": "ada@example.com", "address": "12 Analytical St"}
    )
    assert checkout.status_code == 422 and UNSTORABLE in checkout.text
    contact = client.post(
        "/contact", data={"name": "Ada", "email": "ada@example.com", "subject": "Hi", "message": "Hello\x00 there"}
    )
    assert contact.status_code == 422 and UNSTORABLE in contact.text
    review = client.post("/products/nul-beans/reviews", data={"rating": "5", "text": "Nice\x00", "authorName": "Ada"})
    assert review.status_code == 422 and UNSTORABLE in review.text
    assert services.db.orders.count_documents({}) == 0
    assert services.db.outbox.count_documents({}) == 0
    assert services.db.reviews.count_documents({}) == 0


def test_admin_uploads_may_be_larger_but_not_unbounded(owner_client: Any, client: TestClient) -> None:
    csv = b"slug,name\n" + b"x" * (3 * 1024 * 1024)  # over the CSV limit, under the upload limit
    files = {"file": ("products.csv", csv, "text/csv")}
    reached = owner_client.post("/admin/products/import", data={"csrf_token": owner_client.csrf}, files=files)
    assert reached.status_code == 422 and "larger than 2 MB" in reached.text  # the form names its own limit
    elsewhere = client.post("/contact", files=files)  # the same file anywhere else is over 1 MB
    assert elsewhere.status_code == 413
    huge = {"file": ("products.csv", b"x" * (MAX_UPLOAD_BYTES + 1), "text/csv")}
    refused = owner_client.post("/admin/products/import", data={"csrf_token": owner_client.csrf}, files=huge)
    assert refused.status_code == 413 and f"at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB" in refused.text


def test_a_nul_in_a_multipart_text_field_is_refused_by_the_form(owner_client: Any, services: ShopServices) -> None:
    form = {"csrf_token": owner_client.csrf, "name": "Null\x00 Beans", "category": "coffee", "price": "9.00"}
    response = owner_client.post("/admin/products", data=form, files={"image": ("", b"", "application/octet-stream")})
    assert response.status_code == 422 and UNSTORABLE in response.text
    assert services.db.products.count_documents({}) == 0
