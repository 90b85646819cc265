"""Demand forecasting and reorder advice: one implementation for the admin dashboard and the owner agent.

Why one module: the dashboard, the owner's chat tools and the nightly job must never disagree about
how many jars of honey will sell next week, so they all call `forecast`, `reorder_suggestions` and
`refresh_inventory_forecasts` here.

How it works, and why:

- History comes from orders (cancelled ones excluded) through `$unwind` + `$group`. SecantusDB returns
  wrong answers for expressions that walk arrays (`"$products.quantity"` on the array) and for
  `distinct` on array fields, so each order line is unwound into its own document first; after that,
  `"$products.quantity"` is a plain sub-document path and is correct on SecantusDB and on MongoDB.
  Days are UTC calendar days (`$dateToString "%Y-%m-%d"`, verified on SecantusDB 0.7.0b3).
- Only whole days are history: today's partial sales would look like a collapse in demand.
- Each product's series starts at its first sale in the window (earlier zeros are unknown, not
  demand) and runs to yesterday with missing days filled with 0.
- Each series is classified on the last `FIT_DAYS` days and gets the model that suits it:
  * "regular" (average inter-demand interval ADI < 1.32, the Syntetos-Boylan cut-off):
    AutoETS(season_length=7, model="ANA") — additive error, no trend, additive weekly season. A
    fixed spec, not the full AutoETS search, which costs ~12x more (DESIGN.md: ~100 s vs ~8 s per
    200 series). Measured here: 200 half-year series fit in 3.6 s with (A,N,A) and 15.6 s with
    (A,A,A), so only (A,N,A) keeps a shop where all 2,000 products sell daily under the 60 s job
    budget (~32 s then; the fits alone took 18-21 s with `bench/forecast.py --all-regular 2000`
    on 2026-11-22). (A,A,A) scored a little better on the demo's 9 regular sellers (MASE 0.66 vs
    0.72), too few series to pay 4x for; the level term follows trends with a short lag anyway,
    and no trend means no extrapolated runaway over a 30-day horizon.
  * "sparse" (ADI >= 1.32, intermittent demand): each series gets the best of `SPARSE_MODELS`
    (ADIDA, CrostonSBA, AutoETS(A,N,A)) on a validation window carved from its own fit window:
    every candidate is fit on all but the last `VALIDATION_DAYS` days and forecasts those days; the
    one with the lowest mean absolute error there is refit on the whole window. No single model wins
    everywhere: on the demo shop each is chosen for about a third of the sparse sellers, and the
    choice lowered the sparse class's MASE from 1.015 (the best single model, ADIDA) to 0.994 and
    the error of its 28-day totals from 0.311 to 0.296 (bench/forecast.py `--compare-sparse`,
    2026-11-22). ETS costs ~5 ms a series where the Croston family costs ~0.05 ms; the 2,000-product
    demo job still runs in ~19 s. The Croston-family models forecast a flat rate, which the shop's weekday
    rhythm (`weekday_profile`: its orders per weekday, shrunk toward flat for a shop with few orders)
    then spreads over the week: a sparse seller's own history is too thin to show its weekend peak,
    the shop's is not. These models have no likelihood, so their interval is empirical: the
    quantiles of the product's own daily demand over the fit window (e.g. 10 % and 90 % for an 80 %
    interval), widened if needed to contain the point forecast.
  * "short" (less than 8 weeks since the first sale): SeasonalNaive(7) — too little data to fit
    anything; with less than one week, the historic mean.
  * "inactive" (no sale in the fit window): zero.
  Any model failure, or a non-finite result, falls back to a seasonal naive forecast for that series.
- Forecasts are clipped at zero: demand is never negative.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from bson import ObjectId
from pymongo import UpdateOne
from pymongo.database import Database

from shop.catalog.snapshot import LOW_STOCK
from shop.core.errors import InvalidInput

log = logging.getLogger(__name__)

SEASON = 7
HISTORY_DAYS = 365
"""History returned to callers (charts); models see only the last FIT_DAYS of it."""
FIT_DAYS = 182
"""26 whole weeks: enough to estimate a weekly season, recent enough to follow the current level,
and it keeps the ETS fit of 2,000 series within the job's time budget."""
SHORT_DAYS = 56
ADI_CUTOFF = 1.32
LEVELS: tuple[int, ...] = (80, 95)
SPARSE_MODELS: tuple[str, ...] = ("ADIDA", "CrostonSBA", "AutoETS(A,N,A)")
"""Candidates for intermittent sellers, in order of preference on a tie; see bench/forecast.py."""
VALIDATION_DAYS = 28
"""Held back from the end of a sparse series' fit window to choose its model (four whole weeks, so
every weekday is scored equally)."""
WEEKDAY_PRIOR_ORDERS = 50
"""Pseudo-orders added to every weekday before the shop's rhythm is measured: a shop with a few
orders a week gets an almost flat week instead of one shaped by chance."""
FLAT_WEEK: tuple[float, ...] = (1.0,) * 7
BACKTEST_HOLDOUT_DAYS = 28
DEFAULT_SERVICE_LEVEL = 0.95
DEFAULT_REVIEW_DAYS = 14
REFRESH_HORIZON_DAYS = 30
MAX_HORIZON_DAYS = 365
BULK_CHUNK = 500

Progress = Callable[[str], None]
Advance = Callable[[int], None]
"""Called with the number of series just forecast (drives the CLI's progress bar)."""
PROGRESS_CHUNK = 250
"""With an `advance` callback, each model's series are fit in chunks of this size so a progress bar
moves steadily; results are identical (every series is fit on its own either way)."""


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass
class ProductForecast:
    """One product's history and forecast; every number is a plain float (units, never money)."""

    product_id: str
    name: str
    category: str
    supplier: str
    stock: int
    lead_time_days: int
    low_stock_threshold: int | None
    seller_class: str
    model: str
    dates: list[date]
    point: list[float]
    lower: list[float]
    upper: list[float]
    history_start: date | None
    history: list[float]
    demand_sd: float
    """Standard deviation of daily demand over the fit window; drives the safety stock."""
    fallback: bool = False

    @property
    def total(self) -> float:
        return float(sum(self.point))

    @property
    def total_lower(self) -> float:
        return float(sum(self.lower))

    @property
    def total_upper(self) -> float:
        return float(sum(self.upper))

    @property
    def mean_daily(self) -> float:
        return self.total / len(self.point) if self.point else 0.0

    @property
    def history_dates(self) -> list[date]:
        if self.history_start is None:
            return []
        return [self.history_start + timedelta(days=i) for i in range(len(self.history))]

    def demand(self, start: int, days: int) -> float:
        """Forecast units in forecast days [start, start + days).

        A horizon shorter than asked is extended with the mean of its last week, so reorder maths
        never silently drops days for products with long lead times.
        """
        values = self.point[start : start + days]
        missing = days - len(values)
        if missing > 0:
            tail = self.point[-SEASON:] or [0.0]
            return float(sum(values) + missing * (sum(tail) / len(tail)))
        return float(sum(values))

    def to_dict(self, *, history_days: int | None = 90) -> dict[str, Any]:
        """JSON-friendly shape for the API and the agent's tools (recent history only by default)."""
        history = self.history if history_days is None else self.history[-history_days:]
        history_dates = self.history_dates[len(self.history) - len(history) :]
        return {
            "productId": self.product_id,
            "name": self.name,
            "category": self.category,
            "sellerClass": self.seller_class,
            "model": self.model,
            "fallback": self.fallback,
            "stock": self.stock,
            "total": round(self.total, 2),
            "totalLower": round(self.total_lower, 2),
            "totalUpper": round(self.total_upper, 2),
            "meanDaily": round(self.mean_daily, 3),
            "forecast": [
                {"date": d.isoformat(), "units": round(p, 3), "lower": round(lo, 3), "upper": round(hi, 3)}
                for d, p, lo, hi in zip(self.dates, self.point, self.lower, self.upper, strict=True)
            ],
            "history": [{"date": d.isoformat(), "units": v} for d, v in zip(history_dates, history, strict=True)],
        }


@dataclass
class ForecastResult:
    generated_at: datetime
    start: date
    horizon_days: int
    level: int
    products: list[ProductForecast]
    duration_seconds: float

    def get(self, product_id: str) -> ProductForecast | None:
        for product in self.products:
            if product.product_id == str(product_id):
                return product
        return None

    @property
    def by_class(self) -> dict[str, int]:
        return dict(Counter(p.seller_class for p in self.products))

    @property
    def by_model(self) -> dict[str, int]:
        return dict(Counter(p.model for p in self.products))


@dataclass
class ReorderSuggestion:
    product_id: str
    name: str
    category: str
    supplier: str
    stock: int
    lead_time_days: int
    seller_class: str
    model: str
    mean_daily_demand: float
    demand_sd: float
    lead_time_demand: float
    safety_stock: float
    reorder_point: float
    review_period_demand: float
    suggested_quantity: int
    days_of_cover: float | None
    """None when no demand is forecast: the stock then lasts indefinitely."""
    needs_reorder: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "name": self.name,
            "category": self.category,
            "supplier": self.supplier,
            "stock": self.stock,
            "leadTimeDays": self.lead_time_days,
            "sellerClass": self.seller_class,
            "model": self.model,
            "meanDailyDemand": round(self.mean_daily_demand, 3),
            "leadTimeDemand": round(self.lead_time_demand, 2),
            "safetyStock": round(self.safety_stock, 2),
            "reorderPoint": round(self.reorder_point, 2),
            "suggestedQuantity": self.suggested_quantity,
            "daysOfCover": None if self.days_of_cover is None else round(self.days_of_cover, 1),
            "needsReorder": self.needs_reorder,
        }


@dataclass
class RefreshSummary:
    products: int
    alerts: int
    duration_seconds: float
    forecast_seconds: float
    by_class: dict[str, int] = field(default_factory=dict)
    by_model: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------------


def _day_start(moment: datetime | date | None) -> datetime:
    if moment is None:
        moment = datetime.now(UTC)
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _object_ids(product_ids: Iterable[str | ObjectId]) -> list[ObjectId]:
    ids = []
    for pid in product_ids:
        if isinstance(pid, ObjectId):
            ids.append(pid)
        elif ObjectId.is_valid(str(pid)):
            ids.append(ObjectId(str(pid)))
        else:
            raise InvalidInput(f"{str(pid)[:40]!r} is not a product id.", field="productId")
    return ids


def _sales_series(
    db: Database,
    since: datetime,
    until: datetime,
    product_ids: Sequence[str | ObjectId] | None,
) -> dict[str, tuple[date, np.ndarray]]:
    """product id -> (first sale day, daily units up to the day before `until`, zeros filled)."""
    match: dict[str, Any] = {"createdAt": {"$gte": since, "$lt": until}, "status": {"$ne": "cancelled"}}
    ids = None if product_ids is None else _object_ids(product_ids)
    if ids is not None:
        # A query (not an expression) on the array: correct on both servers, and it skips the
        # orders without these products before the costly unwind (4x faster for one product's chart).
        match["products.productId"] = {"$in": ids}
    pipeline: list[dict[str, Any]] = [
        {"$match": match},
        {"$project": {"_id": 0, "createdAt": 1, "products.productId": 1, "products.quantity": 1}},
        # One document per order line: grouping then sees scalars, which SecantusDB gets right.
        {"$unwind": "$products"},
    ]
    if ids is not None:
        pipeline.append({"$match": {"products.productId": {"$in": ids}}})
    pipeline.append(
        {
            "$group": {
                "_id": {
                    "p": "$products.productId",
                    "d": {"$dateToString": {"format": "%Y-%m-%d", "date": "$createdAt"}},
                },
                "y": {"$sum": "$products.quantity"},
            }
        }
    )
    first_day = since.date()
    n_days = (until.date() - first_day).days
    rows: dict[str, list[tuple[int, float]]] = {}
    for doc in db.orders.aggregate(pipeline, allowDiskUse=True):
        offset = (date.fromisoformat(doc["_id"]["d"]) - first_day).days
        if 0 <= offset < n_days:
            rows.setdefault(str(doc["_id"]["p"]), []).append((offset, float(doc["y"] or 0)))
    series: dict[str, tuple[date, np.ndarray]] = {}
    for pid, points in rows.items():
        begin = min(offset for offset, _ in points)
        values = np.zeros(n_days - begin)
        for offset, units in points:
            values[offset - begin] += units
        series[pid] = (first_day + timedelta(days=begin), values)
    return series


def daily_sales(
    db: Database,
    *,
    since: datetime | date,
    until: datetime | date,
    product_ids: Sequence[str | ObjectId] | None = None,
) -> pd.DataFrame:
    """Units sold per product per UTC day over whole days [since, until), in statsforecast's long format.

    `since`/`until` are truncated to midnight UTC, so passing `now` as `until` leaves out today's
    incomplete day. Each product's rows run from its first sale in the window to the day before
    `until`, days without sales as 0; products that never sold in the window have no rows.
    """
    start, end = _day_start(since), _day_start(until)
    series = _sales_series(db, start, end, product_ids)
    return _frame({pid: (first, values) for pid, (first, values) in series.items()})


def weekday_profile(db: Database, *, until: datetime | date, days: int = FIT_DAYS) -> tuple[float, ...]:
    """The shop's weekly rhythm: orders per weekday (Monday first) relative to the average day.

    Measured over the whole days of the `days` before `until` (a multiple of 7, so every weekday
    counts equally), from all orders whatever products they hold: a forecast for one product gets
    the same rhythm as the nightly job. Counting orders needs no `$unwind`, so this stays cheap.
    """
    if days % SEASON:
        raise ValueError("The profile window must be whole weeks.")
    end = _day_start(until)
    # Whole past days only, so a day's profile barely moves once measured (a late cancellation of a
    # past order shifts 26 weeks of counts by one): one query (~0.5 s on SecantusDB for the demo's
    # orders) per database and day, not one per product chart or chat question.
    key = (id(db.client), db.name, end, days)
    if (cached := _weekday_profiles.get(key)) is not None:
        return cached
    pipeline: list[dict[str, Any]] = [
        {"$match": {"createdAt": {"$gte": end - timedelta(days=days), "$lt": end}, "status": {"$ne": "cancelled"}}},
        {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$createdAt"}}, "n": {"$sum": 1}}},
    ]
    counts = [0.0] * SEASON
    for doc in db.orders.aggregate(pipeline):
        counts[date.fromisoformat(doc["_id"]).weekday()] += doc["n"]
    mean = sum(counts) / SEASON
    profile = tuple((n + WEEKDAY_PRIOR_ORDERS) / (mean + WEEKDAY_PRIOR_ORDERS) for n in counts)
    if len(_weekday_profiles) >= 64:
        _weekday_profiles.clear()
    _weekday_profiles[key] = profile
    return profile


_weekday_profiles: dict[tuple[int, str, datetime, int], tuple[float, ...]] = {}


def _week_factors(week: Sequence[float], start: date, h: int) -> np.ndarray:
    """`week` (Monday first) laid over the `h` days from `start`."""
    first = start.weekday()
    return np.array([week[(first + i) % SEASON] for i in range(h)], dtype=float)


def _frame(series: dict[str, tuple[date, np.ndarray]]) -> pd.DataFrame:
    if not series:
        return pd.DataFrame(
            {"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"), "y": pd.Series(dtype=float)}
        )
    ids: list[np.ndarray] = []
    stamps: list[pd.DatetimeIndex] = []
    values: list[np.ndarray] = []
    for pid, (first, y) in sorted(series.items()):
        ids.append(np.full(len(y), pid, dtype=object))
        stamps.append(pd.date_range(pd.Timestamp(first), periods=len(y), freq="D"))
        values.append(y)
    return pd.DataFrame(
        {
            "unique_id": np.concatenate(ids),
            "ds": np.concatenate([s.values for s in stamps]),
            "y": np.concatenate(values).astype(float),
        }
    )


# --------------------------------------------------------------------------------------------------
# Classification and models
# --------------------------------------------------------------------------------------------------


def classify(y: np.ndarray) -> str:
    """Seller class of a daily series (already cut to the fit window), which decides the model."""
    nonzero = int(np.count_nonzero(y))
    if len(y) == 0 or nonzero == 0:
        return "inactive"
    if len(y) < SHORT_DAYS:
        return "short"
    adi = len(y) / nonzero
    return "regular" if adi < ADI_CUTOFF else "sparse"


def _model_for(seller_class: str, n: int) -> str:
    """The model of a class that has one ("sparse" series get theirs from `_choose_models`)."""
    if seller_class == "regular":
        return "AutoETS(A,N,A)"
    if seller_class == "short":
        return "SeasonalNaive" if n >= SEASON else "HistoricAverage"
    return "Zero"


def _statsforecast_model(name: str) -> Any:
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        TSB,
        AutoETS,
        CrostonOptimized,
        CrostonSBA,
        HistoricAverage,
        SeasonalNaive,
    )

    factories: dict[str, Callable[[], Any]] = {
        "AutoETS(A,N,A)": lambda: AutoETS(season_length=SEASON, model="ANA", alias="model"),
        "AutoETS(A,A,A)": lambda: AutoETS(season_length=SEASON, model="AAA", alias="model"),
        "AutoETS(A,Ad,A)": lambda: AutoETS(season_length=SEASON, model="AAA", damped=True, alias="model"),
        "AutoETS": lambda: AutoETS(season_length=SEASON, alias="model"),
        "CrostonOptimized": lambda: CrostonOptimized(alias="model"),
        "CrostonSBA": lambda: CrostonSBA(alias="model"),
        "ADIDA": lambda: ADIDA(alias="model"),
        "IMAPA": lambda: IMAPA(alias="model"),
        "TSB": lambda: TSB(alpha_d=0.1, alpha_p=0.1, alias="model"),
        "SeasonalNaive": lambda: SeasonalNaive(season_length=SEASON, alias="model"),
        "HistoricAverage": lambda: HistoricAverage(alias="model"),
    }
    return factories[name]()


# Models whose intervals come from their own likelihood/residuals inside statsforecast.
_NATIVE_INTERVALS = {
    "AutoETS(A,N,A)",
    "AutoETS(A,A,A)",
    "AutoETS(A,Ad,A)",
    "AutoETS",
    "SeasonalNaive",
    "HistoricAverage",
}


@dataclass
class _Fit:
    point: np.ndarray
    bands: dict[int, tuple[np.ndarray, np.ndarray]]
    model: str
    fallback: bool = False


def _seasonal_naive(y: np.ndarray, h: int, levels: Sequence[int]) -> _Fit:
    """Last-resort forecast that cannot fail: repeat the last week (or the mean of a shorter history)."""
    if len(y) >= SEASON:
        point = np.resize(y[-SEASON:], h).astype(float)
        residuals = y[SEASON:] - y[:-SEASON]
        sigma = float(np.sqrt(np.mean(residuals**2))) if len(residuals) else 0.0
        steps = np.sqrt(np.arange(h) // SEASON + 1)
    else:
        point = np.full(h, float(np.mean(y)) if len(y) else 0.0)
        sigma = float(np.std(y)) if len(y) > 1 else 0.0
        steps = np.ones(h)
    bands = {}
    for level in levels:
        z = NormalDist().inv_cdf(0.5 + level / 200)
        bands[level] = (np.maximum(point - z * sigma * steps, 0.0), point + z * sigma * steps)
    return _Fit(point, bands, "SeasonalNaive" if len(y) >= SEASON else "HistoricAverage")


def _empirical_bands(
    y: np.ndarray, point: np.ndarray, levels: Sequence[int]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per-day interval for models without a likelihood: quantiles of the product's own daily demand."""
    bands = {}
    for level in levels:
        tail = (1 - level / 100) / 2
        low, high = np.quantile(y, [tail, 1 - tail]) if len(y) else (0.0, 0.0)
        bands[level] = (np.minimum(point, low), np.maximum(point, high))
    return bands


def _forecast_group(
    name: str,
    series: dict[str, np.ndarray],
    end: date,
    h: int,
    levels: Sequence[int],
    week: Sequence[float] = FLAT_WEEK,
) -> dict[str, _Fit]:
    """Forecast every series of one model in a single StatsForecast call (n_jobs=1: the 2 cores are shared).

    The flat forecasts of models without a likelihood are spread over the week by `week` before
    their empirical interval is drawn around them.
    """
    from statsforecast import StatsForecast

    if name == "Zero":
        zeros = np.zeros(h)
        return {pid: _Fit(zeros.copy(), {lv: (zeros.copy(), zeros.copy()) for lv in levels}, name) for pid in series}
    native = name in _NATIVE_INTERVALS
    factors = _week_factors(week, end + timedelta(days=1), h)
    fits: dict[str, _Fit] = {}
    frame = _frame({pid: (end - timedelta(days=len(y) - 1), y) for pid, y in series.items()})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            engine = StatsForecast(models=[_statsforecast_model(name)], freq="D", n_jobs=1)
            out = engine.forecast(h=h, df=frame, level=list(levels) if native and levels else None)
        for pid, group in out.groupby("unique_id", sort=False):
            group = group.sort_values("ds")
            point = group["model"].to_numpy(dtype=float)
            if native:
                bands = {
                    lv: (group[f"model-lo-{lv}"].to_numpy(dtype=float), group[f"model-hi-{lv}"].to_numpy(dtype=float))
                    for lv in levels
                }
            else:
                point = point * factors
                bands = _empirical_bands(series[str(pid)], point, levels)
            fits[str(pid)] = _Fit(point, bands, name)
    except Exception:
        log.exception("Forecasting %d series with %s failed; retrying one by one", len(series), name)
        fits = {pid: _forecast_one(name, y, h, levels, factors) for pid, y in series.items()}
    for pid, y in series.items():
        fit = fits.get(pid)
        if fit is None or len(fit.point) != h or not _finite(fit):
            fallback = _seasonal_naive(y, h, levels)
            fallback.fallback = True
            fits[pid] = fallback
    return fits


def _forecast_one(name: str, y: np.ndarray, h: int, levels: Sequence[int], factors: np.ndarray) -> _Fit:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = _statsforecast_model(name)
            if name in _NATIVE_INTERVALS:
                out = model.forecast(y=y, h=h, level=list(levels))
                bands = {lv: (np.asarray(out[f"lo-{lv}"], float), np.asarray(out[f"hi-{lv}"], float)) for lv in levels}
                return _Fit(np.asarray(out["mean"], float), bands, name)
            out = model.forecast(y=y, h=h)
            point = np.asarray(out["mean"], float) * factors
            return _Fit(point, _empirical_bands(y, point, levels), name)
    except Exception:
        log.warning("%s failed on one series; using seasonal naive", name, exc_info=True)
        fit = _seasonal_naive(y, h, levels)
        fit.fallback = True
        return fit


def _finite(fit: _Fit) -> bool:
    arrays = [fit.point, *(a for band in fit.bands.values() for a in band)]
    return all(np.all(np.isfinite(a)) for a in arrays)


def _choose_models(
    series: dict[str, np.ndarray], end: date, candidates: Sequence[str], week: Sequence[float]
) -> dict[str, str]:
    """Per series, the candidate with the lowest mean absolute error on the last VALIDATION_DAYS of `series`.

    Only the series given are used (the fit windows), so a backtest never peeks at its holdout. A
    candidate that fails on a series in validation is never chosen for it; ties go to the earlier
    candidate. The absolute error is the backtest's own loss, which for a product selling on fewer
    than half the days rewards the lower of two forecasts; the error of the holdout totals (what a
    reorder depends on) is the check that the choice does not starve reorders, and it fell too.
    """
    if len(candidates) == 1:
        return dict.fromkeys(series, candidates[0])
    heads = {pid: y[:-VALIDATION_DAYS] for pid, y in series.items()}
    cut = end - timedelta(days=VALIDATION_DAYS)
    errors: dict[str, dict[str, float]] = {pid: {} for pid in series}
    for name in candidates:
        for pid, fit in _forecast_group(name, heads, cut, VALIDATION_DAYS, (), week).items():
            held_back = series[pid][-VALIDATION_DAYS:]
            point = np.maximum(fit.point, 0.0)
            errors[pid][name] = math.inf if fit.fallback else float(np.mean(np.abs(held_back - point)))
    return {pid: min(candidates, key=lambda name: errors[pid][name]) for pid in series}


def _fit_all(
    series: dict[str, np.ndarray],
    end: date,
    h: int,
    levels: Sequence[int],
    *,
    sparse_models: Sequence[str] = SPARSE_MODELS,
    week: Sequence[float] = FLAT_WEEK,
    progress: Progress | None = None,
    advance: Advance | None = None,
) -> dict[str, tuple[str, _Fit]]:
    """Classify each (fit-window) series and forecast it with its model; id -> (class, fit).

    Series are handled class by class, in chunks when a progress bar is driven (each series is fit
    on its own, so the chunking never changes a result).
    """
    classes = {pid: classify(y) for pid, y in series.items()}
    by_class: dict[str, list[str]] = {}
    for pid, seller_class in classes.items():
        by_class.setdefault(seller_class, []).append(pid)
    results: dict[str, tuple[str, _Fit]] = {}
    for seller_class, ids in by_class.items():
        started = time.monotonic()
        used: Counter[str] = Counter()
        step = PROGRESS_CHUNK if advance is not None else len(ids)
        for offset in range(0, len(ids), step):
            chunk = {pid: series[pid] for pid in ids[offset : offset + step]}
            if seller_class == "sparse":
                models = _choose_models(chunk, end, sparse_models, week)
            else:
                models = {pid: _model_for(seller_class, len(y)) for pid, y in chunk.items()}
            groups: dict[str, dict[str, np.ndarray]] = {}
            for pid, name in models.items():
                groups.setdefault(name, {})[pid] = chunk[pid]
            for name, members in groups.items():
                for pid, fit in _forecast_group(name, members, end, h, levels, week).items():
                    fit.point = np.maximum(fit.point, 0.0)
                    fit.bands = {lv: (np.maximum(lo, 0.0), np.maximum(hi, 0.0)) for lv, (lo, hi) in fit.bands.items()}
                    results[pid] = (seller_class, fit)
                    used[fit.model] += 1
            if advance is not None:
                advance(len(chunk))
        if progress:
            models_used = ", ".join(f"{name} {n}" for name, n in used.most_common())
            progress(f"{seller_class}: {len(ids)} series in {time.monotonic() - started:.1f} s ({models_used})")
    return results


# --------------------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------------------


def _products(db: Database, product_ids: Sequence[str | ObjectId] | None, category: str | None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"deletedAt": None}
    if product_ids is not None:
        query["_id"] = {"$in": _object_ids(product_ids)}
    if category:
        query["category"] = category
    fields = ["name", "category", "supplier", "stock", "leadTimeDays", "lowStockThreshold"]
    docs = list(db.products.find(query, dict.fromkeys(fields, 1)))
    docs.sort(key=lambda d: str(d["_id"]))
    return docs


def forecast(
    db: Database,
    *,
    horizon_days: int,
    product_ids: Sequence[str | ObjectId] | None = None,
    category: str | None = None,
    now: datetime | None = None,
    level: int = 80,
    history_days: int = HISTORY_DAYS,
    progress: Progress | None = None,
    advance: Advance | None = None,
) -> ForecastResult:
    """Forecast daily unit demand of active products from today (UTC) for `horizon_days` days.

    Products without any sale in the fit window are still returned (class "inactive", zero demand)
    so that callers see every product they asked for.
    """
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise InvalidInput(f"The forecast horizon must be 1 to {MAX_HORIZON_DAYS} days.", field="horizon_days")
    if not 50 <= level < 100:
        raise InvalidInput("The interval level must be a percentage from 50 to 99.", field="level")
    started = time.monotonic()
    generated_at = now or datetime.now(UTC)
    until = _day_start(generated_at)
    since = until - timedelta(days=max(history_days, FIT_DAYS))
    products = _products(db, product_ids, category)
    ids = [d["_id"] for d in products]
    sales = _sales_series(db, since, until, ids if product_ids is not None or category else None)
    if progress:
        progress(f"Read the sales history of {len(sales)} products in {time.monotonic() - started:.1f} s")
    last_day = until.date() - timedelta(days=1)
    fit_windows = {str(pid): _fit_window(sales.get(str(pid))) for pid in ids}
    levels = sorted({level, *LEVELS})
    week = weekday_profile(db, until=until)
    fits = _fit_all(fit_windows, last_day, horizon_days, levels, week=week, progress=progress, advance=advance)
    dates = [until.date() + timedelta(days=i) for i in range(horizon_days)]
    results = []
    for doc in products:
        pid = str(doc["_id"])
        seller_class, fit = fits[pid]
        first, history = sales.get(pid, (None, np.zeros(0)))
        shown = history[len(history) - min(len(history), history_days) :]
        window = fit_windows[pid]
        lower, upper = fit.bands[level]
        threshold = doc.get("lowStockThreshold")
        results.append(
            ProductForecast(
                product_id=pid,
                name=doc.get("name", ""),
                category=doc.get("category", ""),
                supplier=doc.get("supplier", ""),
                stock=int(doc.get("stock") or 0),
                lead_time_days=int(doc.get("leadTimeDays") or 7),
                low_stock_threshold=None if threshold is None else int(threshold),
                seller_class=seller_class,
                model=fit.model,
                dates=dates,
                point=[float(v) for v in fit.point],
                lower=[float(v) for v in lower],
                upper=[float(v) for v in upper],
                history_start=None if first is None or not len(shown) else last_day - timedelta(days=len(shown) - 1),
                history=[float(v) for v in shown],
                demand_sd=float(np.std(window, ddof=1)) if len(window) > 1 else 0.0,
                fallback=fit.fallback,
            )
        )
    return ForecastResult(generated_at, until.date(), horizon_days, level, results, time.monotonic() - started)


def _fit_window(entry: tuple[date, np.ndarray] | None) -> np.ndarray:
    if entry is None:
        return np.zeros(0)
    return entry[1][-FIT_DAYS:]


# --------------------------------------------------------------------------------------------------
# Reorder advice
# --------------------------------------------------------------------------------------------------


def reorder_suggestion(
    product: ProductForecast,
    *,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> ReorderSuggestion:
    """Classic periodic-review advice with a safety stock for demand uncertainty over the lead time.

    The sd is of daily demand (not of forecast errors): it is what the owner can check against the
    sales chart, and for weekly-seasonal sellers it errs on the safe side.
    """
    lead = max(1, product.lead_time_days)
    z = NormalDist().inv_cdf(service_level)
    lead_demand = product.demand(0, lead)
    safety = max(0.0, z * product.demand_sd * math.sqrt(lead))
    reorder_point = lead_demand + safety
    review_demand = product.demand(lead, review_days)
    quantity = max(0, math.ceil(reorder_point + review_demand - product.stock - 1e-9))
    mean_daily = product.mean_daily
    return ReorderSuggestion(
        product_id=product.product_id,
        name=product.name,
        category=product.category,
        supplier=product.supplier,
        stock=product.stock,
        lead_time_days=product.lead_time_days,
        seller_class=product.seller_class,
        model=product.model,
        mean_daily_demand=mean_daily,
        demand_sd=product.demand_sd,
        lead_time_demand=lead_demand,
        safety_stock=safety,
        reorder_point=reorder_point,
        review_period_demand=review_demand,
        suggested_quantity=quantity,
        days_of_cover=product.stock / mean_daily if mean_daily > 1e-9 else None,
        needs_reorder=product.stock <= reorder_point and quantity > 0,
    )


def _reorder_horizon(products: Iterable[dict[str, Any]], review_days: int) -> int:
    """Long enough for 30-day totals and for every lead time plus the review period."""
    needed = [REFRESH_HORIZON_DAYS, *(int(d.get("leadTimeDays") or 7) + review_days for d in products)]
    return min(MAX_HORIZON_DAYS, max(needed))


def reorder_suggestions(
    db: Database,
    *,
    product_ids: Sequence[str | ObjectId] | None = None,
    category: str | None = None,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    review_days: int = DEFAULT_REVIEW_DAYS,
    now: datetime | None = None,
    result: ForecastResult | None = None,
) -> list[ReorderSuggestion]:
    """Reorder advice, most urgent first (needing a reorder, then fewest days of cover).

    Pass `result` to reuse a forecast already made; otherwise one is made whose horizon covers the
    longest lead time plus the review period.
    """
    if not 0.5 <= service_level < 1:
        raise InvalidInput("The service level must be at least 0.5 and below 1.", field="service_level")
    if result is None:
        horizon = _reorder_horizon(_products(db, product_ids, category), review_days)
        result = forecast(db, horizon_days=horizon, product_ids=product_ids, category=category, now=now)
    suggestions = [reorder_suggestion(p, service_level=service_level, review_days=review_days) for p in result.products]
    suggestions.sort(
        key=lambda s: (not s.needs_reorder, s.days_of_cover if s.days_of_cover is not None else math.inf, s.name)
    )
    return suggestions


# --------------------------------------------------------------------------------------------------
# Batch job
# --------------------------------------------------------------------------------------------------


def refresh_inventory_forecasts(
    db: Database,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    review_days: int = DEFAULT_REVIEW_DAYS,
    low_stock_threshold: int = LOW_STOCK,
    advance: Advance | None = None,
) -> RefreshSummary:
    """Forecast every active product and store demand and restock alerts on its inventory row.

    The dashboard and the agent then read cheap stored numbers instead of refitting models per
    request. A product alerts when its stock is at or below its reorder point, or at or below its low
    stock threshold (`lowStockThreshold` on the product overrides the shop default).
    """
    started = time.monotonic()
    moment = now or datetime.now(UTC)
    horizon = _reorder_horizon(_products(db, None, None), review_days)
    result = forecast(db, horizon_days=horizon, now=moment, progress=progress, advance=advance)
    forecast_seconds = time.monotonic() - started
    suggestions = {
        s.product_id: s
        for s in reorder_suggestions(db, service_level=service_level, review_days=review_days, result=result)
    }
    operations: list[UpdateOne] = []
    alerts = 0
    for product in result.products:
        advice = suggestions[product.product_id]
        threshold = low_stock_threshold if product.low_stock_threshold is None else product.low_stock_threshold
        alert = product.stock <= advice.reorder_point or product.stock <= threshold
        alerts += alert
        predicted = {
            "d7": round(product.demand(0, 7), 2),
            "d30": round(product.demand(0, 30), 2),
            "model": product.model,
            "sellerClass": product.seller_class,
            "reorderPoint": round(advice.reorder_point, 2),
            "safetyStock": round(advice.safety_stock, 2),
            "suggestedQuantity": advice.suggested_quantity,
            "daysOfCover": None if advice.days_of_cover is None else round(advice.days_of_cover, 1),
            # The level an order should bring stock up to, and the stock it was computed for: the
            # dashboard recomputes the quantity and cover from the CURRENT stock between job runs.
            "orderUpTo": round(advice.reorder_point + advice.review_period_demand, 2),
            "stockAtForecast": product.stock,
            "at": moment,
        }
        operations.append(
            UpdateOne(
                {"productId": ObjectId(product.product_id)},
                {
                    "$set": {"predictedDemand": predicted, "restockAlert": alert},
                    "$setOnInsert": {"stockLevel": product.stock, "lastRestocked": None},
                },
                upsert=True,
            )
        )
    for offset in range(0, len(operations), BULK_CHUNK):
        db.inventory.bulk_write(operations[offset : offset + BULK_CHUNK], ordered=False)
    duration = time.monotonic() - started
    db.jobs.update_one(
        {"name": "forecast"},
        {
            "$set": {
                "name": "forecast",
                "lastRunAt": moment,
                "durationSeconds": round(duration, 2),
                "products": len(result.products),
                "alerts": alerts,
                "byClass": result.by_class,
                "byModel": result.by_model,
                "status": "ok",
            }
        },
        upsert=True,
    )
    if progress:
        progress(f"Stored forecasts for {len(result.products)} products ({alerts} restock alerts) in {duration:.1f} s")
    return RefreshSummary(len(result.products), alerts, duration, forecast_seconds, result.by_class, result.by_model)


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


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
    until = _day_start(now)
    cutoff = until - timedelta(days=holdout_days)
    sales = _sales_series(db, cutoff - timedelta(days=HISTORY_DAYS), until, None)
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
    fits = _fit_all(
        training,
        cutoff.date() - timedelta(days=1),
        holdout_days,
        [80],
        sparse_models=sparse_models,
        week=weekday_profile(db, until=cutoff),
        progress=progress,
    )
    rows: list[_Score] = []
    for pid, (seller_class, fit) in fits.items():
        naive = _seasonal_naive(training[pid], holdout_days, []).point
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
