"""Backtest: the forecasting models scored on the last weeks of history, held out from them.

Why it lives beside the models: every figure quoted in models.py (MASE, the error of 28-day totals)
comes from here through bench/forecast.py, and a backtest must fit exactly as the job does, with
nothing it scores visible to the models.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from pymongo.database import Database

from shop.inventory.forecasting.forecast import HISTORY_DAYS
from shop.inventory.forecasting.models import FIT_DAYS, SEASON, SPARSE_MODELS, Progress, fit_all, seasonal_naive
from shop.inventory.forecasting.sales_history import SalesHistory, day_start

BACKTEST_HOLDOUT_DAYS = 28


def backtest(
    db: Database,
    *,
    holdout_days: int = BACKTEST_HOLDOUT_DAYS,
    now: datetime | None = None,
    sparse_models: Sequence[str] = SPARSE_MODELS,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Hold out the last `holdout_days` whole days and score the chosen models against seasonal naive.

    MASE scales each product's holdout MAE by the in-sample MAE of a seasonal-naive(7) forecast, so
    a slow and a fast seller count equally, and MASE < 1 means "better than repeating a week".
    Products with fewer than two weeks of training history (no scale) or a zero scale are skipped.

    Read the sparse class with care: daily MAE is minimised by the median, which is 0 for a product
    selling on fewer than half the days, so on low-count demand even the true mean scores MASE ~1
    while "forecast nothing" scores lower. We forecast the mean because lead-time sums and reorder
    quantities need it; `wape_total` (error of the holdout's total units, summed over products)
    is reported next to MASE because that is the number a reorder decision depends on.

    Everything the models see ends at the cutoff: the fit windows, the validation window that picks
    each sparse seller's model, and the shop's weekday rhythm.
    """
    started = time.monotonic()
    until = day_start(now)
    cutoff = until - timedelta(days=holdout_days)
    history = SalesHistory(db)
    sales = history.series(cutoff - timedelta(days=HISTORY_DAYS), until, None)
    if progress:
        progress(f"Read the sales history of {len(sales)} products in {time.monotonic() - started:.1f} s")
    training: dict[str, np.ndarray] = {}
    actuals: dict[str, np.ndarray] = {}
    scales: dict[str, float] = {}
    for pid, (_first, values) in sales.items():
        train, test = values[:-holdout_days], values[-holdout_days:]
        if len(train) < 2 * SEASON:
            continue
        scale = float(np.mean(np.abs(train[SEASON:] - train[:-SEASON])))
        if scale <= 0:
            continue
        training[pid] = train[-FIT_DAYS:]
        actuals[pid] = test
        scales[pid] = scale
    fits = fit_all(
        training,
        cutoff.date() - timedelta(days=1),
        holdout_days,
        [80],
        sparse_models=sparse_models,
        week=history.weekday_profile(until=cutoff),
        progress=progress,
    )
    rows: list[_Score] = []
    for pid, (seller_class, fit) in fits.items():
        naive = seasonal_naive(training[pid], holdout_days, []).point
        actual = actuals[pid]
        rows.append(
            _Score(
                seller_class,
                fit.model,
                float(np.mean(np.abs(actual - fit.point))) / scales[pid],
                float(np.mean(np.abs(actual - naive))) / scales[pid],
                float(actual.sum()),
                float(fit.point.sum()),
                float(naive.sum()),
            )
        )

    classes = sorted({r.seller_class for r in rows})
    return {
        "holdout_days": holdout_days,
        "cutoff": cutoff.date().isoformat(),
        "sparse_models": list(sparse_models),
        "classes": {c: _summary([r for r in rows if r.seller_class == c]) for c in classes},
        "overall": _summary(rows),
    }


@dataclass
class _Score:
    seller_class: str
    model: str
    mase: float
    mase_naive: float
    actual_total: float
    model_total: float
    naive_total: float


def _summary(rows: list[_Score]) -> dict[str, Any]:
    """Mean MASE per series, plus the error of holdout totals (what a reorder decision depends on)."""
    if not rows:
        return {"series": 0, "mase": None, "mase_seasonal_naive": None, "share_better": None, "models": {}}
    model = np.array([r.mase for r in rows])
    naive = np.array([r.mase_naive for r in rows])
    actual = sum(r.actual_total for r in rows) or 1.0
    return {
        "series": len(rows),
        "mase": round(float(model.mean()), 3),
        "mase_seasonal_naive": round(float(naive.mean()), 3),
        "share_better": round(float(np.mean(model < naive)), 3),
        "wape_total": round(sum(abs(r.model_total - r.actual_total) for r in rows) / actual, 3),
        "wape_total_seasonal_naive": round(sum(abs(r.naive_total - r.actual_total) for r in rows) / actual, 3),
        "models": dict(Counter(r.model for r in rows)),
    }
