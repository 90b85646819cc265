"""Admin: System health — how fast and how reliably the shop answered over the last day, and how its
parts are doing now (database, chat line, caches, this process).

The charts come from the request history every process saves to MongoDB (shop.backoffice.system_health,
flushed by app/middleware/metrics.py once a minute), so they cover all processes and survive restarts;
this process's own figures are saved first, so the last minutes are in. The "now" figures are this
process's: a shop run as several processes shows the process that answered (named on the page).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.charts import Series, plain_number, time_chart
from app.deps import AdminPage
from app.middleware.metrics import Monitor, cache_stats
from shop.backoffice.system_health import BUCKET_SECONDS, history, reporting_processes

router = APIRouter(tags=["admin"], include_in_schema=False)


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _percent(value: float) -> str:
    return f"{value:.1f}%" if value < 10 else f"{value:.0f}%"


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _ping(admin: AdminPage) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        admin.services.db.command("ping")
    except Exception as exc:  # the page must render while the database is away
        return {"ok": False, "text": f"unreachable ({type(exc).__name__})"}
    return {"ok": True, "text": _ms((time.perf_counter() - started) * 1000)}


@router.get("/admin/health", response_class=HTMLResponse)
def health_page(admin: AdminPage) -> HTMLResponse:
    state = admin.request.app.state
    monitor: Monitor | None = getattr(state, "monitor", None)
    if monitor is not None:
        monitor.flush()
    now = datetime.now(UTC)
    db = admin.services.db
    points = history(db, now)
    times = [p.at for p in points]
    served = [p for p in points if p.requests]
    requests = sum(p.requests for p in points)
    errors = sum(p.errors for p in points)
    rejected = sum(p.rejected for p in points)
    worst = max(served, key=lambda p: p.p95_ms or 0.0, default=None)
    response_chart = time_chart(
        chart_id="response-times",
        title="Response time per 5 minutes, last 24 hours",
        desc=(
            f"Median and 95th percentile response time of {requests:,} requests; the slowest 5 minutes had "
            f"a 95th percentile of {_ms(worst.p95_ms or 0.0)} at {worst.at.strftime('%H:%M')} UTC."
            if worst is not None
            else "No requests recorded in the last 24 hours."
        ),
        times=times,
        series=[
            Series("Median (p50)", [p.p50_ms if p.requests else None for p in points]),
            Series("95th percentile (p95)", [p.p95_ms if p.requests else None for p in points], dashed=True),
        ],
        y_label="Milliseconds",
        value_format=lambda v: f"{v:,.0f}",
    )
    error_chart = time_chart(
        chart_id="error-rate",
        title="Error rate per 5 minutes, last 24 hours",
        desc=(f"{errors:,} server errors (5xx) and {rejected:,} refused requests (4xx) out of {requests:,} requests."),
        times=times,
        series=[
            Series("Server errors (5xx)", [p.error_rate * 100 if p.requests else None for p in points]),
            Series(
                "Refused (4xx)", [p.rejected / p.requests * 100 if p.requests else None for p in points], dashed=True
            ),
        ],
        y_label="% of requests",
        value_format=lambda v: f"{plain_number(v)}%",
    )
    queue = getattr(state, "turn_queue", None)
    caches = [
        {
            "name": name.replace("_", " ").capitalize(),
            "hits": stats.hits,
            "misses": stats.misses,
            "rate": _percent(stats.hit_rate * 100) if stats.hit_rate is not None else "no lookups yet",
        }
        for name, stats in cache_stats(admin.request.app).items()
    ]
    context = {
        "response_chart": response_chart,
        "error_chart": error_chart,
        "served": served,
        "bucket_minutes": BUCKET_SECONDS // 60,
        "totals": {
            "requests": requests,
            "errors": errors,
            "rejected": rejected,
            "error_rate": _percent(errors / requests * 100) if requests else "none",
        },
        "ping": _ping(admin),
        "queue": {
            "waiting": queue.waiting if queue is not None else 0,
            "running": queue.running if queue is not None else 0,
            "slots": admin.services.settings.chat_turn_slots,
        },
        "caches": caches,
        "process": monitor.process if monitor is not None else None,
        "uptime": _duration(monitor.uptime_seconds) if monitor is not None else None,
        "processes": reporting_processes(db, now - timedelta(minutes=10)),
        "computed_at": now,
        "ms": _ms,
    }
    return admin.render("admin/health.html", context)
