"""The owner's returns pages: list, a request's page, approve / reject / receive with CSRF, the label."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from shop.services import ShopServices
from tests.support.returns import EMAIL, delivered_order, return_input


def test_the_owner_approves_receives_and_refunds(owner_client: TestClient, services: ShopServices, items: Any) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    made = services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))
    listing = owner_client.get("/admin/returns", params={"order": order.id})
    assert listing.status_code == 200 and made.id in listing.text
    assert made.id not in owner_client.get("/admin/returns", params={"status": "refunded"}).text
    page = owner_client.get(f"/admin/returns/{made.id}")
    assert page.status_code == 200 and "Approve and email the label" in page.text
    forged = owner_client.post(f"/admin/returns/{made.id}/approve", data={})
    assert forged.status_code == 403 and services.returns.get(made.id).status == "requested"
    csrf = {"csrf_token": owner_client.csrf}  # type: ignore[attr-defined]
    approved = owner_client.post(f"/admin/returns/{made.id}/approve", data=csrf, follow_redirects=False)
    assert approved.status_code == 303 and services.returns.get(made.id).status == "approved"
    label = owner_client.get(f"/admin/returns/{made.id}/label.pdf")
    assert label.status_code == 200 and label.content.startswith(b"%PDF")
    received = owner_client.post(f"/admin/returns/{made.id}/receive", data=csrf, follow_redirects=False)
    assert received.status_code == 303 and services.returns.get(made.id).status == "refunded"
    again = owner_client.post(f"/admin/returns/{made.id}/receive", data=csrf)
    assert again.status_code == 409 and "is refunded" in again.text
    assert services.db.refunds.count_documents({}) == 1


def test_a_rejection_needs_a_reason(owner_client: TestClient, services: ShopServices, items: Any) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    made = services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))
    csrf = {"csrf_token": owner_client.csrf}  # type: ignore[attr-defined]
    empty = owner_client.post(f"/admin/returns/{made.id}/reject", data=csrf)
    assert empty.status_code == 422 and services.returns.get(made.id).status == "requested"
    done = owner_client.post(f"/admin/returns/{made.id}/reject", data={**csrf, "reason": "No photo of the damage."})
    assert done.status_code == 200 and "The return was rejected" in done.text
    assert owner_client.get("/admin/returns/RMA-00000000").status_code == 404
    assert owner_client.get("/admin/returns/not-a-number").status_code == 404


def test_the_category_form_says_whether_opened_items_come_back(
    owner_client: TestClient, services: ShopServices
) -> None:
    form = {"csrf_token": owner_client.csrf, "name": "Tea", "position": "1", "words": "tea, teas"}  # type: ignore[attr-defined]
    saved = owner_client.post(
        "/admin/categories/tea/edit", data={**form, "openedReturns": "on"}, follow_redirects=False
    )
    assert saved.status_code == 303 and services.db.categories.find_one({"_id": "tea"})["openedReturns"] is True
    assert 'name="openedReturns" checked' in owner_client.get("/admin/categories/tea/edit").text
    owner_client.post("/admin/categories/tea/edit", data=form, follow_redirects=False)
    assert services.db.categories.find_one({"_id": "tea"})["openedReturns"] is False
