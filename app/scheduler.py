"""The in-app scheduler: one background thread that runs the owner's jobs when they are due.

Why a thread in the app and not cron: the shop must keep its forecasts and backups fresh on a
fresh machine with nothing but `make run`. Why that is safe with several processes: every job runs
through `shop.backoffice.jobs.run_job`, which takes a lock document in MongoDB and re-checks "is it due?" after
taking it, so two processes (workers, machines) never run the same job twice; the loser just skips
(tests/app/test_several_processes.py runs three app processes and finds one backup).

What runs:
- the forecast job when the last good run is older than FORECAST_INTERVAL_HOURS (24 h);
- a backup when the last one is older than BACKUP_INTERVAL_HOURS (0 turns it off);
- the low-stock check of the products the catalog saw change (an order lowered a stock) a few
  seconds after the change, and of every product each LOW_STOCK_POLL_SECONDS anyway (another
  process may have sold the last jar; a new forecast may have moved a reorder point).
- the release of unpaid orders past their payment time (shop/payments/release.py), every tick.

The first check waits FIRST_RUN_DELAY seconds so start-up (catalog, vector index) is not slowed by a
model fit. Jobs are CPU work under the GIL; on a 2-core machine the forecast of the demo shop takes
a few seconds once a day, which requests barely notice.
"""

from __future__ import annotations

import logging
import threading
import time

from bson import ObjectId

from shop.backoffice import owner_jobs
from shop.backoffice.jobs import JobOutcome
from shop.catalog.snapshot import Product
from shop.inventory.stock import check_low_stock
from shop.payments.release import release_job
from shop.services import ShopServices

log = logging.getLogger(__name__)

POLL_SECONDS = 60.0
FIRST_RUN_DELAY = 20.0
LOW_STOCK_POLL_SECONDS = 300.0
LOW_STOCK_DEBOUNCE = 2.0
"""After a stock change, wait this long so a burst of orders becomes one check (and one email)."""


class Scheduler:
    def __init__(
        self,
        services: ShopServices,
        *,
        poll_seconds: float = POLL_SECONDS,
        first_run_delay: float = FIRST_RUN_DELAY,
        low_stock_poll_seconds: float = LOW_STOCK_POLL_SECONDS,
    ) -> None:
        self.services = services
        self.poll_seconds = poll_seconds
        self.first_run_delay = first_run_delay
        self.low_stock_poll_seconds = low_stock_poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._stock_changed = threading.Event()
        self._changed_ids: set[str] = set()
        self._changed_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_low_stock = 0.0

    # --- control ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self.services.catalog.on_change(self.stock_changed)
        self._thread = threading.Thread(target=self._run, name="owner-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish; a job in the middle of a model fit is left to finish on its own
        (daemon thread), and its lock expires if the process exits first."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def stock_changed(self, products: list[Product]) -> None:
        """Called from request threads (catalog change events): cheap, never blocks."""
        with self._changed_lock:
            self._changed_ids.update(p.id for p in products)
        self._stock_changed.set()
        self._wake.set()

    # --- work -------------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> bool:
        """Wait up to `seconds` or until woken; False when stopping."""
        self._wake.wait(seconds)
        self._wake.clear()
        return not self._stop.is_set()

    def _run(self) -> None:
        deadline = time.monotonic() + self.first_run_delay
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._stop.wait(max(0.0, deadline - time.monotonic()))
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the thread must outlive a broken database connection or job
                log.exception("owner jobs: tick failed")
            if not self._sleep(self.poll_seconds):
                break
            if self._stock_changed.is_set():
                self._stop.wait(LOW_STOCK_DEBOUNCE)

    def tick(self) -> list[JobOutcome]:
        """One pass: the low-stock check if stock moved or it is time, then every due job."""
        services = self.services
        outcomes: list[JobOutcome] = []
        now = time.monotonic()
        every_product = now - self._last_low_stock >= self.low_stock_poll_seconds
        if every_product or self._stock_changed.is_set():
            self._stock_changed.clear()
            with self._changed_lock:
                changed, self._changed_ids = self._changed_ids, set()
            # Only what changed: the whole shop is 4,000 documents to read, and under a stream of
            # orders this check runs every few seconds beside them.
            product_ids = None if every_product else [ObjectId(pid) for pid in changed]
            if every_product:
                self._last_low_stock = now
            report = check_low_stock(services.db, services.settings, services.mailer, product_ids=product_ids)
            if report.notified:
                log.info("low-stock email sent for %d products", len(report.notified))
        settings = services.settings
        if settings.forecast_interval_hours > 0:
            outcomes.append(owner_jobs.forecast_job(services.db, settings, services.mailer, due_only=True))
        if settings.backup_interval_hours > 0:
            outcomes.append(owner_jobs.backup_job(services.db, settings, due_only=True))
        # payments (issue 14): unpaid orders past their time give their stock back (shop/payments/release.py).
        released = release_job(services.payments, services.order_admin)
        if released.ran and released.result:
            log.info("released %d unpaid orders", len(released.result))
        elif released.error:
            log.warning("owner job %s failed: %s", released.name, released.error)
        for outcome in outcomes:
            if outcome.ran:
                log.info("owner job %s done", outcome.name)
            elif outcome.error:
                log.warning("owner job %s failed: %s", outcome.name, outcome.error)
        return outcomes


def start_scheduler(services: ShopServices) -> Scheduler | None:
    if not services.settings.scheduler_enabled:
        return None
    scheduler = Scheduler(services)
    scheduler.start()
    return scheduler
