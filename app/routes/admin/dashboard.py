"""Admin: the landing page after sign-in (what needs the owner's attention) and the activity log."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from app.admin_ui import clean_params
from app.deps import AdminPage
from shop.core.activity import recent_activity
from shop.messaging.inbox import open_message_count
from shop.ordering.admin import OrderListQuery

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin", response_class=HTMLResponse)
def dashboard(admin: AdminPage) -> HTMLResponse:
    services = admin.services
    db = services.db
    low = services.settings.low_stock_threshold
    products = services.catalog.all()
    context = {
        "counts": {
            "pending": db.orders.count_documents({"status": "pending"}),
            "confirmed": db.orders.count_documents({"status": "confirmed"}),
            "messages": open_message_count(db),
            "sold_out": sum(1 for p in products if p.stock <= 0),
            "low_stock": sum(1 for p in products if 0 < p.stock <= low),
            "products": len(products),
        },
        "recent_orders": services.order_admin.list(OrderListQuery(page_size=8)).items,
        "activity": recent_activity(db, page_size=10)[0],
    }
    return admin.render("admin/dashboard.html", context)


class ActivityQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    entity: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")
    entity_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,40}$")
    owner: str | None = Field(default=None, max_length=254, pattern=r"^[^$]")
    page: int = Field(default=1, ge=1, le=100000)


@router.get("/admin/activity", response_class=HTMLResponse)
def activity_page(admin: AdminPage) -> HTMLResponse:
    query = ActivityQuery.model_validate(clean_params(admin.request))
    page_size = 50
    entries, total = recent_activity(
        admin.services.db,
        entity=query.entity,
        entity_id=query.entity_id,
        owner=query.owner,
        page=query.page,
        page_size=page_size,
    )
    pages = max(1, -(-total // page_size))
    return admin.render(
        "admin/activity.html",
        {"entries": entries, "total": total, "query": query, "page": query.page, "pages": pages},
    )
