"""The categories page through the real app: list, create, edit, reorder, delete, validation, the shop.

A cloned shop starts without categories (docs/cloning.md), so the first test starts from none and goes
all the way to a product on sale in a category the owner just made.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.templating import templates
from shop.catalog.categories import read_categories
from shop.catalog.category_admin import ICONS
from shop.catalog.snapshot import CatalogQuery
from shop.services import ShopServices

HX = {"HX-Request": "true"}


def category_form(csrf: str, **values: str) -> dict[str, str]:
    """The new-category form as a browser sends it: every field, empty unless given."""
    keys = ("slug", "name", "description", "icon", "words", "phrases", "occasionWords", "notHints")
    return {"csrf_token": csrf} | {key: "" for key in keys} | values


def edit_form(services: ShopServices, csrf: str, slug: str, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it from the stored category, with `changes` typed over it."""
    category = next(c for c in read_categories(services.db) if c.slug == slug)
    form = category_form(
        csrf,
        name=category.name,
        description=category.description,
        icon=category.icon,
        words=", ".join(category.words),
        phrases=", ".join(category.phrases),
        occasionWords=", ".join(category.occasion_words),
        notHints=", ".join(category.not_hints),
    )
    del form["slug"]  # the edit form shows the slug as text: it cannot change
    return form | changes


def nav_names(page: str) -> list[str]:
    nav = re.search(r'<nav class="category-nav".*?</nav>', page, re.S)
    assert nav, "the storefront's category navigation"
    return re.findall(r'<a href="/products\?category=[^"]+"[^>]*>([^<]+)</a>', nav.group(0))


def test_a_shop_without_categories_gets_its_first_and_sells_in_it(
    owner_client: Any, client: TestClient, services: ShopServices
) -> None:
    services.db.categories.delete_many({})  # a shop cloned for another client
    assert nav_names(client.get("/").text) == []
    empty = owner_client.get("/admin/categories")
    assert empty.status_code == 200 and "no categories yet" in empty.text
    assert 'href="/admin/categories" aria-current="page"' in empty.text  # the admin's navigation
    assert "create a category" in owner_client.get("/admin/products/new").text

    created = owner_client.post(
        "/admin/categories",
        data=category_form(
            owner_client.csrf,
            slug="gift-boxes",
            name="Gift Boxes",
            description="Ready-made boxes for birthdays and thank-yous.",
            icon="jar",
            words="gift, Gifts,  hamper, gift",
        ),
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/categories?notice=category-created"
    listing = owner_client.get(created.headers["location"])
    assert "The category was created" in listing.text and "Gift Boxes" in listing.text
    stored = services.db.categories.find_one({"_id": "gift-boxes"})
    assert stored["words"] == ["gift", "gifts", "hamper"]  # trimmed, lower-cased, once each
    assert stored["position"] == 1 and stored["icon"] == "jar" and stored["updatedAt"] is not None
    entry = services.db.activity_log.find_one({"action": "category.create"})
    assert entry["owner"] == "owner@example.com" and entry["entityId"] == "gift-boxes"
    assert entry["after"]["name"] == "Gift Boxes"

    assert nav_names(client.get("/").text) == ["Gift Boxes"]
    product = owner_client.post(
        "/admin/products",
        data={
            "csrf_token": owner_client.csrf,
            "name": "Birthday Box",
            "description": "Coffee, tea and a card in one box.",
            "category": "gift-boxes",
            "price": "29.00",
            "stock": "5",
        },
        follow_redirects=False,
    )
    assert product.status_code == 303, product.text
    shelf = client.get("/products", params={"category": "gift-boxes"})
    assert shelf.status_code == 200 and "Birthday Box" in shelf.text
    understood = services.search.search(services.catalog, CatalogQuery(q="a hamper under $40")).filters
    assert understood.category == "gift-boxes"  # the search knows the category's words
    assert ">1<span" in owner_client.get("/admin/categories").text  # one product in it


def test_list_in_navigation_order_with_products_in_the_shop(owner_client: Any, product_factory: Any) -> None:
    for _ in range(3):
        product_factory(category="tea")
    product_factory(category="beauty", deletedAt=datetime(2025, 1, 1, tzinfo=UTC))  # deleted: not counted
    page = owner_client.get("/admin/categories")
    assert page.status_code == 200
    rows = re.findall(r'<tr id="category-([a-z-]+)">.*?category=\1">(\d+)<', page.text, re.S)
    assert rows == [("coffee", "0"), ("tea", "3"), ("food", "0"), ("beauty", "0")]


def test_edit_name_words_and_icon_and_the_shop_follows(
    owner_client: Any, client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product_factory(slug="house-blend", name="House Blend", category="coffee")
    assert "Tea" in nav_names(client.get("/products/house-blend").text)  # the product page is now cached
    before = next(c for c in read_categories(services.db) if c.slug == "tea")

    form = edit_form(services, owner_client.csrf, "tea", name="Teas & Tisanes", words="tea, teas, tisane", icon="pot")
    saved = owner_client.post("/admin/categories/tea/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/categories/tea/edit?notice=saved"
    page = owner_client.get(saved.headers["location"])
    assert "Your changes were saved." in page.text and 'value="Teas &amp; Tisanes"' in page.text

    after = next(c for c in read_categories(services.db) if c.slug == "tea")
    assert (after.name, after.words, after.icon) == ("Teas & Tisanes", ("tea", "teas", "tisane"), "pot")
    assert after.colours == before.colours and after.not_hints == before.not_hints  # what the form does not show
    entry = services.db.activity_log.find_one({"action": "category.update", "entityId": "tea"})
    assert entry["before"]["name"] == "Tea" and entry["after"]["name"] == "Teas & Tisanes"
    assert "colours" not in entry["after"]  # only what changed

    assert "Teas &amp; Tisanes" in client.get("/products", params={"category": "tea"}).text
    assert "Teas &amp; Tisanes" in nav_names(client.get("/products/house-blend").text)


def test_reorder_with_the_buttons_and_by_place(owner_client: Any, client: TestClient, services: ShopServices) -> None:
    def order() -> list[str]:
        return [c.slug for c in read_categories(services.db)]

    moved = owner_client.post(
        "/admin/categories/tea/move", data={"csrf_token": owner_client.csrf, "direction": "up"}, follow_redirects=False
    )
    assert moved.status_code == 303 and moved.headers["location"].startswith("/admin/categories?notice=category-moved")
    assert order() == ["tea", "coffee", "food", "beauty"]
    assert [c.position for c in read_categories(services.db)] == [1, 2, 3, 4]
    assert nav_names(client.get("/").text) == ["Tea", "Coffee", "Pantry &amp; Treats", "Beauty Cream"]
    owner_client.post("/admin/categories/tea/move", data={"csrf_token": owner_client.csrf, "direction": "up"})
    assert order() == ["tea", "coffee", "food", "beauty"]  # the first stays first

    fragment = owner_client.post(
        "/admin/categories/food/move",
        data={"csrf_token": owner_client.csrf, "direction": "down"},
        headers={**HX, "HX-Target": "category-list"},
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<div id="category-list"')
    assert order() == ["tea", "coffee", "beauty", "food"]

    form = edit_form(services, owner_client.csrf, "food", position="1")
    assert owner_client.post("/admin/categories/food/edit", data=form, follow_redirects=False).status_code == 303
    assert order() == ["food", "tea", "coffee", "beauty"]
    form = edit_form(services, owner_client.csrf, "food", position="99")  # past the end: last
    owner_client.post("/admin/categories/food/edit", data=form)
    assert order() == ["tea", "coffee", "beauty", "food"]
    moves = services.db.activity_log.count_documents({"action": "category.move"})
    assert moves >= 4


def test_delete_is_refused_while_products_are_in_the_category(
    owner_client: Any, client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(category="food")
    page = owner_client.get("/admin/categories/food/edit")
    assert "1 product is in this category" in page.text and "Delete category" not in page.text

    refused = owner_client.post("/admin/categories/food/delete", data={"csrf_token": owner_client.csrf})
    assert refused.status_code == 409
    assert "1 product is still in Pantry &amp; Treats" in refused.text
    assert services.db.categories.find_one({"_id": "food"}) is not None

    services.product_admin.delete(str(product["_id"]), owner="owner@example.com")  # a deleted product may keep it
    assert "Delete category" in owner_client.get("/admin/categories/food/edit").text
    deleted = owner_client.post(
        "/admin/categories/food/delete", data={"csrf_token": owner_client.csrf}, follow_redirects=False
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/admin/categories?notice=category-deleted"
    assert services.db.categories.find_one({"_id": "food"}) is None
    assert "Pantry &amp; Treats" not in nav_names(client.get("/").text)
    entry = services.db.activity_log.find_one({"action": "category.delete"})
    assert entry["entityId"] == "food" and entry["before"]["name"] == "Pantry & Treats" and entry["after"] is None
    assert owner_client.get("/admin/categories/food/edit").status_code == 404


@pytest.mark.parametrize(
    ("values", "status", "message"),
    [
        ({"slug": "gifts", "name": ""}, 422, "name</a>: is required"),
        ({"slug": "Gift Boxes", "name": "Gifts"}, 422, "only lowercase letters, digits and single hyphens"),
        ({"slug": "gifts-", "name": "Gifts"}, 422, "only lowercase letters, digits and single hyphens"),
        ({"slug": "", "name": "Gifts"}, 422, "slug</a>: is required"),
        ({"slug": "tea", "name": "More Tea"}, 409, "There is already a category with the web address &#39;tea&#39;"),
        ({"slug": "gifts", "name": "G" * 61}, 422, "must be at most 60 characters"),
        ({"slug": "gifts", "name": "Gifts", "description": "D" * 301}, 422, "must be at most 300 characters"),
        ({"slug": "g" * 41, "name": "Gifts"}, 422, "must be at most 40 characters"),
        (
            {"slug": "gifts", "name": "Gifts", "words": ", ".join(f"w{n}" for n in range(201))},
            422,
            "at most 200 entries",
        ),
        ({"slug": "gifts", "name": "Gifts", "notHints": "x" * 61}, 422, "entries must be text of 1 to 60 characters"),
        ({"slug": "gifts", "name": "Gifts", "icon": "<svg>"}, 422, "icon</a>:"),
        ({"slug": "gifts", "name": "$where"}, 422, "must not start with"),
    ],
)
def test_a_bad_new_category_is_shown_again_with_its_message(
    owner_client: Any, services: ShopServices, values: dict[str, str], status: int, message: str
) -> None:
    response = owner_client.post("/admin/categories", data=category_form(owner_client.csrf, **values))
    assert response.status_code == status
    assert message in response.text
    assert 'role="alert"' in response.text and "<form" in response.text  # the form again, not an error page
    assert [c.slug for c in read_categories(services.db)] == ["coffee", "tea", "food", "beauty"]
    assert services.db.activity_log.count_documents({}) == 0


def test_a_bad_edit_changes_nothing(owner_client: Any, services: ShopServices) -> None:
    before = read_categories(services.db)
    for changes, message in (
        ({"name": ""}, "is required"),
        ({"position": "first"}, "must be a whole number from 1"),
        ({"position": "0"}, "must be a whole number from 1"),
    ):
        form = edit_form(services, owner_client.csrf, "tea", **changes)
        response = owner_client.post("/admin/categories/tea/edit", data=form)
        assert response.status_code == 422 and message in response.text
    assert read_categories(services.db) == before
    bad_move = owner_client.post(
        "/admin/categories/tea/move", data={"csrf_token": owner_client.csrf, "direction": "sideways"}
    )
    assert bad_move.status_code == 422
    unknown = owner_client.post("/admin/categories/wine/edit", data=edit_form(services, owner_client.csrf, "tea"))
    assert unknown.status_code == 404
    assert read_categories(services.db) == before


def test_writes_need_the_owner_and_the_csrf_token(
    client: TestClient, owner_client: Any, services: ShopServices
) -> None:
    form = category_form("", slug="gifts", name="Gifts")
    anonymous = client.post("/admin/categories", data=form, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/admin/login")
    assert client.get("/admin/categories", follow_redirects=False).status_code == 303
    forged = owner_client.post("/admin/categories", data=form | {"csrf_token": "not-the-token"})
    assert forged.status_code == 403
    for path in ("/admin/categories/tea/delete", "/admin/categories/tea/move"):
        assert owner_client.post(path, data={"direction": "up"}).status_code == 403
    assert [c.slug for c in read_categories(services.db)] == ["coffee", "tea", "food", "beauty"]


def test_the_activity_log_lists_category_changes(owner_client: Any) -> None:
    owner_client.post("/admin/categories", data=category_form(owner_client.csrf, slug="gifts", name="Gifts"))
    page = owner_client.get("/admin/activity", params={"entity": "category", "entity_id": "gifts"})
    assert "category.create" in page.text and 'href="/admin/categories/gifts/edit"' in page.text
    assert '<option value="category" selected>Categories</option>' in page.text


def test_every_offered_icon_has_its_own_drawing() -> None:
    macro = templates.env.get_template("macros.html").module.category_icon  # type: ignore[attr-defined]
    drawings = [str(macro(key)) for key, _ in ICONS]
    assert len(set(drawings)) == len(ICONS)  # none falls back to the plain one but "" itself
    assert str(macro("no-such-icon")) == drawings[0]
