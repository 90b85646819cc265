"""Admin: products — list with search and filters, create, edit, delete, image upload, CSV and bulk actions.

Every page works as plain HTML forms (POST, then redirect); htmx only refreshes the results table when
a filter changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice
from app.deps import AdminCall, AdminPage, AdminWrite, FormText, ProductForm, safe_next
from app.templating import current_path, wants_fragment
from shop.catalog.admin import ADMIN_SORTS, ProductListQuery
from shop.catalog.media import MAX_IMAGE_BYTES, check_image, media_store
from shop.catalog.product_csv import MAX_CSV_BYTES, CsvImportError
from shop.catalog.product_input import (
    EDITABLE,
    FORM_ONLY,
    VARIANT_EDITABLE,
    ProductInput,
    product_form_values,
    validate_product,
)
from shop.core.activity import recent_activity
from shop.core.errors import InvalidFields, InvalidInput, ShopError

router = APIRouter(tags=["admin"], include_in_schema=False)

BULK_ACTIONS = [
    ("price_percent", "Change price by percent"),
    ("price_amount", "Change price by amount"),
    ("category", "Move to category"),
    ("stock", "Adjust stock by units"),
]


OptionalFile = Annotated[UploadFile | None, File()]
"""A file field the form may leave empty (the CSV import, a product's image)."""


def _list_context(admin: AdminCall, params: dict[str, str]) -> dict[str, Any]:
    services = admin.services
    query = ProductListQuery.validated(params, services.catalog.all_categories())
    return {
        "result": services.product_admin.list(query),
        "query": query,
        "categories": services.catalog.all_categories(),
        "sorts": ADMIN_SORTS,
        "bulk_actions": BULK_ACTIONS,
        "low_stock": services.settings.low_stock_threshold,
        "return_to": current_path(admin.request),
    }


@router.get("/admin/products", response_class=HTMLResponse)
def products_page(admin: AdminPage) -> HTMLResponse:
    context = _list_context(admin, clean_params(admin.request))
    fragment = wants_fragment(admin.request, "product-results")
    return admin.render("admin/products/_results.html" if fragment else "admin/products/list.html", context)


@router.get("/admin/products/export.csv")
def export_products(admin: AdminPage) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(
        admin.services.product_admin.export_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="products-{stamp}.csv"', "Cache-Control": "no-store"},
    )


@router.get("/admin/products/import", response_class=HTMLResponse)
def import_page(admin: AdminPage) -> HTMLResponse:
    return _import_page(admin)


@router.post("/admin/products/import", response_class=HTMLResponse)
def import_products(admin: AdminWrite, file: OptionalFile = None) -> HTMLResponse:
    if file is None or not file.filename:
        return _import_page(admin, 422, error="Choose a CSV file to import.")
    data = file.file.read(MAX_CSV_BYTES + 1)
    try:
        result = admin.services.product_admin.import_csv(data, owner=admin.owner.email)
    except CsvImportError as exc:
        return _import_page(admin, 422, errors=exc.errors, error=exc.message, filename=file.filename)
    return _import_page(admin, result=result, filename=file.filename)


@router.post("/admin/products/bulk", response_class=HTMLResponse)
def bulk_action(
    admin: AdminWrite,
    action: FormText = "",
    ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    value: FormText = "",
    category: FormText = "",
    return_to: FormText = "/admin/products",
) -> Response:
    back = safe_next(return_to)
    products, owner = admin.services.product_admin, admin.owner.email
    try:
        if action == "category":
            count = products.bulk_category(ids, category=category, owner=owner)
        elif action in ("price_percent", "price_amount"):
            mode = "percent" if action == "price_percent" else "amount"
            count = products.bulk_price(ids, mode=mode, value=_decimal(value), owner=owner)
        elif action == "stock":
            count = products.bulk_stock(ids, delta=_whole(value), owner=owner)
        else:
            raise InvalidInput("Choose what to do with the selected products.", field="action")
    except ShopError as exc:
        context = _list_context(admin, dict(_query_of(back))) | {"bulk_error": exc.message, "selected": set(ids)}
        return admin.render("admin/products/list.html", context, status_code=exc.status_code)
    return redirect_with_notice(back, "bulk", count=count)


@router.get("/admin/products/new", response_class=HTMLResponse)
def new_product_page(admin: AdminPage) -> HTMLResponse:
    categories = admin.services.catalog.all_categories()
    form = {"category": categories[0].slug if categories else "", "stock": "0", "leadTimeDays": "7", "featured": False}
    return admin.render("admin/products/form.html", _form_context(admin, None, form, {}))


@router.post("/admin/products", response_class=HTMLResponse)
def create_product(admin: AdminWrite, form: ProductForm, image: OptionalFile = None) -> Response:
    try:
        doc = admin.services.product_admin.create(_validated(admin, form, image), owner=admin.owner.email)
    except ShopError as exc:
        return _form_refused(admin, None, form, exc)
    return redirect_with_notice(f"/admin/products/{doc['_id']}", "created")


@router.get("/admin/products/{product_id}", response_class=HTMLResponse)
def edit_product_page(product_id: str, admin: AdminPage) -> HTMLResponse:
    doc = admin.services.product_admin.get(product_id)
    return admin.render("admin/products/form.html", _form_context(admin, doc, product_form_values(doc), {}))


@router.post("/admin/products/{product_id}", response_class=HTMLResponse)
def update_product(product_id: str, admin: AdminWrite, form: ProductForm, image: OptionalFile = None) -> Response:
    products = admin.services.product_admin
    doc = products.get(product_id)
    try:
        data = _validated(admin, form, image)
        stock_seen = _whole(form.get("stock_seen", "")) if form.get("stock_seen", "").strip() else None
        products.update(product_id, data, owner=admin.owner.email, stock_seen=stock_seen)
    except ShopError as exc:
        return _form_refused(admin, doc, form, exc)
    return redirect_with_notice(f"/admin/products/{product_id}", "saved")


@router.post("/admin/products/{product_id}/variants", response_class=HTMLResponse)
def add_variant(
    product_id: str,
    admin: AdminWrite,
    variant_options: FormText = "",
    variant_price: FormText = "",
    variant_stock: FormText = "0",
    variant_sku: FormText = "",
) -> Response:
    """VARIANTS (issue 14): the "Add variant" form of a main product's edit page."""
    products = admin.services.product_admin
    doc = products.get(product_id)
    typed = {"options": variant_options, "price": variant_price, "stock": variant_stock or "0", "sku": variant_sku}
    try:
        products.create_variant(
            product_id,
            options=variant_options,
            price=variant_price,
            stock=variant_stock or "0",
            sku=variant_sku,
            owner=admin.owner.email,
        )
    except ShopError as exc:
        errors = exc.errors if isinstance(exc, InvalidFields) else {exc.field or "options": exc.message}
        errors = {f"variant_{key}": message for key, message in errors.items()}  # the fields' own ids
        context = _form_context(admin, doc, product_form_values(doc), {}) | {
            "variant_form": typed,
            "variant_errors": errors,
        }
        return admin.render("admin/products/form.html", context, exc.status_code)
    return redirect_with_notice(f"/admin/products/{product_id}", "variant-created", anchor="variants")


@router.post("/admin/products/{product_id}/delete")
def delete_product(product_id: str, admin: AdminWrite) -> Response:
    admin.services.product_admin.delete(product_id, owner=admin.owner.email)
    return redirect_with_notice("/admin/products", "deleted")


@router.post("/admin/products/{product_id}/restore")
def restore_product(product_id: str, admin: AdminWrite) -> Response:
    admin.services.product_admin.restore(product_id, owner=admin.owner.email)
    return redirect_with_notice(f"/admin/products/{product_id}", "restored")


# --- helpers ---------------------------------------------------------------------------------


def _validated(admin: AdminCall, form: dict[str, Any], image: UploadFile | None) -> ProductInput:
    """The product as typed; an uploaded image is stored only once the rest is valid and replaces imageUrl."""
    categories = admin.services.catalog.all_categories()
    fields = (*EDITABLE, *FORM_ONLY, *VARIANT_EDITABLE)
    data = validate_product({key: form[key] for key in fields if key in form}, categories)
    if image is None or not image.filename:
        return data
    image_bytes = image.file.read(MAX_IMAGE_BYTES + 1)
    check_image(image_bytes)
    image_url = media_store(admin.services.settings).save_image(image_bytes, slug=data.resolved_slug())
    return data.model_copy(update={"imageUrl": image_url})


def _form_context(
    admin: AdminCall, doc: dict[str, Any] | None, form: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    history = []
    if doc is not None:
        history, _ = recent_activity(admin.services.db, entity="product", entity_id=str(doc["_id"]), page_size=10)
    stock_seen = form.get("stock_seen") or (str(doc.get("stock", 0)) if doc else "")
    # VARIANTS (issue 14): a main product lists its variants with an "Add variant" form; a variant
    # names its main product.
    products = admin.services.product_admin
    main = variants = None
    if doc is not None and doc.get("variantOf") is not None:
        main = admin.services.db.products.find_one({"_id": doc["variantOf"]}, {"name": 1, "deletedAt": 1})
    elif doc is not None:
        variants = products.variants(str(doc["_id"]))
    return {
        "main": main,
        "variants": variants,
        "variant_form": {"options": "", "price": "", "stock": "0", "sku": ""},
        "variant_errors": {},
        "product": doc,
        "form": form,
        "errors": errors,
        "categories": admin.services.catalog.all_categories(),
        "history": history,
        "stock_seen": stock_seen,
        "max_image_mb": MAX_IMAGE_BYTES // (1024 * 1024),
    }


def _form_refused(admin: AdminCall, doc: dict[str, Any] | None, form: dict[str, Any], exc: ShopError) -> HTMLResponse:
    """The form again as typed, each problem next to its field (invalid input names every field's)."""
    errors = exc.errors if isinstance(exc, InvalidFields) else {exc.field or "request": exc.message}
    return admin.render("admin/products/form.html", _form_context(admin, doc, form, errors), exc.status_code)


def _import_page(admin: AdminCall, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The import page; `context` adds the file's name and its result, or what was wrong with it."""
    page = {"errors": [], "result": None, "categories": admin.services.catalog.all_categories()} | context
    return admin.render("admin/products/import.html", page, status_code)


def _decimal(value: str) -> Decimal:
    try:
        amount = Decimal(value.strip().removeprefix("$"))
    except InvalidOperation:
        raise InvalidInput("Enter a number, like 10 or -2.50.", field="value") from None
    if not amount.is_finite():
        raise InvalidInput("Enter a number, like 10 or -2.50.", field="value")
    return amount


def _whole(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise InvalidInput("Enter a whole number, like 12 or -3.", field="value") from None


def _query_of(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return [(k, v) for k, v in parse_qsl(urlsplit(url).query) if v and k not in ("notice", "count")]
