"""Product admin pages through the real app: forms, validation, images, CSV, bulk actions, storefront."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from shop.services import ShopServices
from tests.support.http_stub import http_stub
from tests.support.images import PNG

HX = {"HX-Request": "true"}


def product_form(csrf: str, **overrides: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "name": "Yirgacheffe Kochere",
        "slug": "",
        "description": "Washed Ethiopian coffee. Lemon and black tea.",
        "category": "coffee",
        "price": "15.25",
        "stock": "20",
        "tags": "single origin, washed",
        "attributes": "origin: Ethiopia\nroast: light",
        "supplier": "Addis Green",
        "leadTimeDays": "10",
    }
    form.update(overrides)
    return form


def test_list_search_filters_and_htmx_fragment(owner_client: TestClient, product_factory: Any) -> None:
    product_factory(name="Kenya Peaberry", stock=0)
    product_factory(name="Assam Breakfast", category="tea", stock=40)
    page = owner_client.get("/admin/products")
    assert page.status_code == 200
    assert "Kenya Peaberry" in page.text and "Assam Breakfast" in page.text and "<html" in page.text
    tea = owner_client.get("/admin/products", params={"category": "tea", "q": ""})
    assert "Assam Breakfast" in tea.text and "Kenya Peaberry" not in tea.text
    fragment = owner_client.get(
        "/admin/products", params={"stock": "out"}, headers={**HX, "HX-Target": "product-results"}
    )
    assert "<html" not in fragment.text and 'id="product-results"' in fragment.text
    assert "Kenya Peaberry" in fragment.text and "Assam Breakfast" not in fragment.text


def test_create_product_then_it_is_in_the_shop(owner_client: Any, client: TestClient, services: ShopServices) -> None:
    assert client.get("/products/yirgacheffe-kochere").status_code == 404
    response = owner_client.post("/admin/products", data=product_form(owner_client.csrf), follow_redirects=False)
    assert response.status_code == 303
    assert re.fullmatch(r"/admin/products/[0-9a-f]{24}\?notice=created", response.headers["location"])
    edit = owner_client.get(response.headers["location"])
    assert "The product was created." in edit.text and 'value="15.25"' in edit.text
    shop_page = client.get("/products/yirgacheffe-kochere")
    assert shop_page.status_code == 200 and "$15.25" in shop_page.text
    assert "Yirgacheffe Kochere" in client.get("/products", params={"q": "kochere"}).text


def test_invalid_form_is_shown_again_with_messages(owner_client: Any, services: ShopServices) -> None:
    response = owner_client.post(
        "/admin/products",
        data=product_form(owner_client.csrf, price="12.345", name="", category="wine", attributes="oops"),
    )
    assert response.status_code == 422
    assert "at most 2 decimals" in response.text and "is required" in response.text
    assert 'value="12.345"' in response.text  # what was typed is kept
    assert services.db.products.count_documents({}) == 0


def test_edit_price_reaches_storefront_at_once(
    owner_client: Any, client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Rooibos Vanilla", slug="rooibos-vanilla", price=Decimal("8.00"), stock=10)
    assert "$8.00" in client.get("/products/rooibos-vanilla").text  # storefront snapshot is warm
    pid = str(product["_id"])
    edit = owner_client.get(f"/admin/products/{pid}")
    assert edit.status_code == 200 and 'name="stock_seen" value="10"' in edit.text
    form = product_form(
        owner_client.csrf,
        name="Rooibos Vanilla",
        slug="rooibos-vanilla",
        category="tea",
        price="9.40",
        stock="10",
        stock_seen="10",
    )
    response = owner_client.post(f"/admin/products/{pid}", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("?notice=saved")
    assert "$9.40" in client.get("/products/rooibos-vanilla").text
    assert client.get(f"/api/products/{pid}").json()["price"] == 9.4
    history = owner_client.get(f"/admin/products/{pid}").text
    assert "product.update" in history and "9.40" in history


def test_image_upload_is_stored_locally_and_checked(
    owner_client: Any, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Honey", slug="honey", category="food")
    pid = str(product["_id"])
    form = product_form(owner_client.csrf, name="Honey", slug="honey", category="food", stock="10", stock_seen="10")
    response = owner_client.post(
        f"/admin/products/{pid}", data=form, files={"image": ("honey.png", PNG, "image/png")}, follow_redirects=False
    )
    assert response.status_code == 303
    url = services.db.products.find_one({"_id": product["_id"]})["imageUrl"]
    assert re.fullmatch(r"/media/products/honey-[0-9a-f]{8}\.png", url)
    assert (Path(services.settings.resolved_media_dir) / url.removeprefix("/media/")).read_bytes() == PNG
    assert owner_client.get(url).content == PNG  # served by the app

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = owner_client.post(f"/admin/products/{pid}", data=form, files={"image": ("cute.png", svg, "image/png")})
    assert refused.status_code == 422 and "SVG images are not accepted" in refused.text
    fake = owner_client.post(
        f"/admin/products/{pid}", data=form, files={"image": ("x.jpg", b"MZ\x90\x00", "image/jpeg")}
    )
    assert fake.status_code == 422 and "not a PNG, JPEG, WebP or GIF" in fake.text
    assert services.db.products.find_one({"_id": product["_id"]})["imageUrl"] == url


def test_image_upload_goes_to_cloudinary_when_configured(
    owner_client: Any, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Matcha", slug="matcha", category="tea")
    pid = str(product["_id"])

    def answer(request: Any) -> tuple[int, dict[str, Any]]:
        public_id = re.search(rb'name="public_id"\r\n\r\n([^\r]+)', request.body).group(1).decode()
        return 200, {
            "secure_url": f"https://res.cloudinary.com/shopcloud/image/upload/v7/aishop/products/{public_id}.png"
        }

    with http_stub({("POST", "/v1_1/shopcloud/image/upload"): answer}) as stub:
        services.settings = services.settings.model_copy(
            update={"cloudinary_url": SecretStr(f"cloudinary://k123:s456@shopcloud?upload_prefix={stub.url}")}
        )
        form = product_form(
            owner_client.csrf, name="Matcha", slug="matcha", category="tea", stock="10", stock_seen="10"
        )
        response = owner_client.post(
            f"/admin/products/{pid}", data=form, files={"image": ("m.png", PNG, "image/png")}, follow_redirects=False
        )
    assert response.status_code == 303, response.text[:500]
    assert len(stub.requests) == 1 and PNG in stub.requests[0].body
    url = services.db.products.find_one({"_id": product["_id"]})["imageUrl"]
    assert url.startswith("https://res.cloudinary.com/shopcloud/image/upload/v7/aishop/products/matcha-")


def test_delete_hides_product_from_shop_and_restore_brings_it_back(
    owner_client: Any, client: TestClient, product_factory: Any
) -> None:
    product = product_factory(slug="to-go")
    pid = str(product["_id"])
    assert client.get("/products/to-go").status_code == 200
    response = owner_client.post(
        f"/admin/products/{pid}/delete", data={"csrf_token": owner_client.csrf}, follow_redirects=False
    )
    assert response.headers["location"] == "/admin/products?notice=deleted"
    assert client.get("/products/to-go").status_code == 404
    deleted = owner_client.get("/admin/products", params={"status": "deleted"})
    assert "to-go" in deleted.text
    owner_client.post(f"/admin/products/{pid}/restore", data={"csrf_token": owner_client.csrf})
    assert client.get("/products/to-go").status_code == 200


def test_unknown_product_is_404(owner_client: Any) -> None:
    assert owner_client.get("/admin/products/5f0000000000000000000000").status_code == 404
    assert owner_client.get("/admin/products/not-an-id").status_code == 404


def test_csv_export_and_import_pages(owner_client: Any, services: ShopServices, product_factory: Any) -> None:
    product_factory(slug="house-blend", name="House Blend", price=Decimal("9.00"))
    export = owner_client.get("/admin/products/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    assert export.text.startswith("id,slug,name,category,price,stock")
    changed = export.text.replace(",9.00,", ",9.90,")
    response = owner_client.post(
        "/admin/products/import",
        data={"csrf_token": owner_client.csrf},
        files={"file": ("products.csv", changed.encode(), "text/csv")},
    )
    assert response.status_code == 200 and "0 created, 1 updated, 0 unchanged" in response.text
    assert services.db.products.find_one({"slug": "house-blend"})["price"] == Decimal("9.90")


def test_csv_import_errors_are_listed_by_line(owner_client: Any, services: ShopServices) -> None:
    data = b"slug,name,category,price,description\nok,OK,coffee,1.00,Fine text.\nbad,Bad,coffee,-3,Fine text.\n"
    response = owner_client.post(
        "/admin/products/import",
        data={"csrf_token": owner_client.csrf},
        files={"file": ("products.csv", data, "text/csv")},
    )
    assert response.status_code == 422
    assert "Nothing was imported" in response.text and "Line 3: price must be at least 0.01" in response.text
    assert services.db.products.count_documents({}) == 0
    empty = owner_client.post("/admin/products/import", data={"csrf_token": owner_client.csrf})
    assert empty.status_code == 422 and "Choose a CSV file" in empty.text


def test_bulk_actions_from_the_list(owner_client: Any, services: ShopServices, product_factory: Any) -> None:
    a = product_factory(price=Decimal("10.00"), stock=2)
    b = product_factory(price=Decimal("20.00"), stock=3)
    ids = [str(a["_id"]), str(b["_id"])]
    response = owner_client.post(
        "/admin/products/bulk",
        data={
            "csrf_token": owner_client.csrf,
            "action": "price_percent",
            "value": "-10",
            "ids": ids,
            "return_to": "/admin/products?sort=name",
        },
        follow_redirects=False,
    )
    assert (
        response.status_code == 303 and response.headers["location"] == "/admin/products?sort=name&notice=bulk&count=2"
    )
    assert [services.db.products.find_one({"_id": p["_id"]})["price"] for p in (a, b)] == [
        Decimal("9.00"),
        Decimal("18.00"),
    ]
    owner_client.post(
        "/admin/products/bulk",
        data={"csrf_token": owner_client.csrf, "action": "category", "category": "beauty", "ids": ids},
    )
    assert services.db.products.count_documents({"category": "beauty"}) == 2
    refused = owner_client.post(
        "/admin/products/bulk", data={"csrf_token": owner_client.csrf, "action": "stock", "value": "-3", "ids": ids}
    )
    assert refused.status_code == 422 and "no stock was changed" in refused.text
    assert "checked" in refused.text  # the selection survives the error
    owner_client.post(
        "/admin/products/bulk", data={"csrf_token": owner_client.csrf, "action": "stock", "value": "5", "ids": ids}
    )
    assert [services.db.inventory.find_one({"productId": p["_id"]})["stockLevel"] for p in (a, b)] == [7, 8]
    nothing = owner_client.post(
        "/admin/products/bulk", data={"csrf_token": owner_client.csrf, "action": "stock", "value": "5"}
    )
    assert nothing.status_code == 422 and "Select at least one product" in nothing.text
    # Every product write is in the activity log, visible to the owner.
    log = owner_client.get("/admin/activity", params={"entity": "product"})
    assert log.text.count("product.bulk_") >= 6
