"""Admin: categories — list with product counts, create, edit, reorder, delete.

A shop for another client starts with no categories, and no product can be made without one, so this
page is the first stop after `python -m app init` (docs/cloning.md). Every page works as plain HTML
forms (POST, then redirect); with htmx the move buttons only swap the list in place.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import redirect_with_notice
from app.deps import AdminCall, AdminPage, AdminWrite, CategoryForm
from app.templating import wants_fragment
from shop.catalog.categories import MAX_WORDS
from shop.catalog.category_admin import ICONS, CategoryRow, category_from_form, parse_place
from shop.core.errors import InvalidFields, ShopError

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin/categories", response_class=HTMLResponse)
def categories_page(admin: AdminPage) -> HTMLResponse:
    return admin.render("admin/categories/list.html", {"rows": admin.services.category_admin.list()})


@router.get("/admin/categories/new", response_class=HTMLResponse)
def new_category_page(admin: AdminPage) -> HTMLResponse:
    return _form_page(admin, None, {})


@router.post("/admin/categories", response_class=HTMLResponse)
def create_category(admin: AdminWrite, form: CategoryForm) -> Response:
    try:
        category = category_from_form(form, slug=form["slug"].strip())
        admin.services.category_admin.create(category, owner=admin.owner.email)
    except ShopError as exc:
        return _form_page(admin, None, form, exc)
    return redirect_with_notice("/admin/categories", "category-created")


@router.get("/admin/categories/{slug}/edit", response_class=HTMLResponse)
def edit_category_page(slug: str, admin: AdminPage) -> HTMLResponse:
    row = admin.services.category_admin.row(slug)
    return _form_page(admin, row, _form_values(row))


@router.post("/admin/categories/{slug}/edit", response_class=HTMLResponse)
def update_category(slug: str, admin: AdminWrite, form: CategoryForm) -> Response:
    categories = admin.services.category_admin
    row = categories.row(slug)
    try:
        category = category_from_form(form, slug=slug, stored=row.category)
        place = parse_place(form["position"]) if form["position"].strip() else None
        categories.update(category, owner=admin.owner.email, place=place)
    except ShopError as exc:
        return _form_page(admin, row, form, exc)
    return redirect_with_notice(f"/admin/categories/{slug}/edit", "saved")


@router.post("/admin/categories/{slug}/move", response_class=HTMLResponse)
def move_category(slug: str, admin: AdminWrite, direction: Annotated[Literal["up", "down"], Form()]) -> Response:
    categories = admin.services.category_admin
    categories.move(slug, direction, owner=admin.owner.email)
    if wants_fragment(admin.request, "category-list"):
        return admin.render("admin/categories/_list.html", {"rows": categories.list()})
    return redirect_with_notice("/admin/categories", "category-moved", anchor=f"category-{slug}")


@router.post("/admin/categories/{slug}/delete", response_class=HTMLResponse)
def delete_category(slug: str, admin: AdminWrite) -> Response:
    categories = admin.services.category_admin
    row = categories.row(slug)
    try:
        categories.delete(slug, owner=admin.owner.email)
    except ShopError as exc:
        return _form_page(admin, row, _form_values(row), exc, failed="delete")
    return redirect_with_notice("/admin/categories", "category-deleted")


# --- helpers ---------------------------------------------------------------------------------


def _form_values(row: CategoryRow) -> dict[str, str]:
    """The stored category as the form shows it: vocabulary comma-separated, the place from 1."""
    category = row.category
    return {
        "slug": category.slug,
        "name": category.name,
        "description": category.description,
        "icon": category.icon,
        "position": str(row.place),
        "words": ", ".join(category.words),
        "phrases": ", ".join(category.phrases),
        "occasionWords": ", ".join(category.occasion_words),
        "notHints": ", ".join(category.not_hints),
        "openedReturns": "on" if category.opened_returns else "",  # RETURNS (issue 14)
    }


def _form_page(
    admin: AdminCall,
    row: CategoryRow | None,
    form: dict[str, str],
    error: ShopError | None = None,
    *,
    failed: Literal["save", "delete"] = "save",
) -> HTMLResponse:
    """The new-category form (`row` None) or the edit form, showing `form`'s values; after a refused
    write (`error`, 4xx: nothing was saved) with its message beside its field, or beside the delete
    button when the delete was refused."""
    errors: dict[str, str] = {}
    if isinstance(error, InvalidFields):
        errors = error.errors
    elif error is not None and failed == "save":
        errors = {error.field or "request": error.message}
    icons = list(ICONS)
    if form.get("icon") and all(form["icon"] != key for key, _ in icons):
        icons.append((form["icon"], form["icon"]))  # a key from an imported file: kept unless changed
    context = {
        "row": row,
        "form": form,
        "errors": errors,
        "delete_error": error.message if error is not None and failed == "delete" else None,
        "icons": icons,
        "max_words": MAX_WORDS,
    }
    status = error.status_code if error is not None else 200
    return admin.render("admin/categories/form.html", context, status)
