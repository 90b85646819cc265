"""The owner's recurring jobs, one definition each, shared by the in-app scheduler and the CLI.

Why here and not in app/: `python -m app forecast`, the scheduler thread and (later) the owner's
chat tools must run the very same job with the same lock and the same bookkeeping in `jobs`, so
that "last run" on the dashboard is true whoever started it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pymongo.database import Database

from shop.backoffice import backup
from shop.backoffice.jobs import JobOutcome, run_job
from shop.core.settings import Settings
from shop.inventory import stock as inventory
from shop.inventory.forecasting.models import Advance, Progress
from shop.inventory.forecasting.stored_forecasts import RefreshSummary, refresh_inventory_forecasts
from shop.messaging.mail import Mailer

FORECAST = "forecast"
BACKUP = "backup"
FORECAST_LOCK_TTL = timedelta(hours=2)
BACKUP_LOCK_TTL = timedelta(hours=2)


@dataclass
class ForecastRun:
    summary: RefreshSummary
    low_stock: inventory.LowStockReport


def forecast_job(
    db: Database,
    settings: Settings,
    mailer: Mailer,
    *,
    due_only: bool = False,
    progress: Progress | None = None,
    advance: Advance | None = None,
) -> JobOutcome:
    """Refresh every product's forecast, then check low stock (new reorder points may change alerts).

    `due_only` is the scheduler's mode: run only when the last good run is older than
    FORECAST_INTERVAL_HOURS. The CLI runs it unconditionally (but still never twice at once).
    """

    def work() -> ForecastRun:
        summary = refresh_inventory_forecasts(
            db, progress=progress, advance=advance, low_stock_threshold=settings.low_stock_threshold
        )
        return ForecastRun(summary, inventory.check_low_stock(db, settings, mailer))

    def details(run: ForecastRun) -> dict[str, Any]:
        return {
            "products": run.summary.products,
            "alerts": run.summary.alerts,
            "byClass": run.summary.by_class,
            "byModel": run.summary.by_model,
            "forecastSeconds": round(run.summary.forecast_seconds, 2),
            "lowStockEmailed": len(run.low_stock.notified),
        }

    interval = timedelta(hours=settings.forecast_interval_hours) if due_only else None
    return run_job(db, FORECAST, work, interval=interval, ttl=FORECAST_LOCK_TTL, details=details)


def backup_job(
    db: Database,
    settings: Settings,
    *,
    due_only: bool = False,
    output: Path | None = None,
    progress: backup.Progress | None = None,
) -> JobOutcome:
    """Write a backup archive into BACKUP_DIR and keep the newest BACKUP_KEEP.

    A backup to an explicit `output` elsewhere is the owner's own copy: it is not pruned and does
    not count as the scheduled backup (the next one still runs on time).
    """

    def work() -> backup.BackupResult:
        return backup.create_backup(db, settings, output=output, progress=progress)

    def details(result: backup.BackupResult) -> dict[str, Any]:
        return {
            "archive": result.path.name,
            "documents": result.documents,
            "bytes": result.path.stat().st_size,
            "mediaFiles": result.manifest["media"]["files"],
            "pruned": [p.name for p in result.pruned],
        }

    interval = timedelta(hours=settings.backup_interval_hours) if due_only else None
    return run_job(db, BACKUP, work, interval=interval, ttl=BACKUP_LOCK_TTL, details=details, record=output is None)
