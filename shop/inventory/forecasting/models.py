"""Forecasting models: each product's seller class and the statsforecast model that suits it.

Each series is classified on the last `FIT_DAYS` days and gets the model that suits it:

* "regular" (average inter-demand interval ADI < 1.32, the Syntetos-Boylan cut-off):
  AutoETS(season_length=7, model="ANA") — additive error, no trend, additive weekly season. A
  fixed spec, not the full AutoETS search, which costs ~12x more (~100 s vs ~8 s per 200 series,
  measured with statsforecast 2.1.1). Measured here: 200 half-year series fit in 3.6 s with (A,N,A) and 15.6 s with
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
  rhythm (`SalesHistory.weekday_profile`: its orders per weekday, shrunk toward flat for a shop with few orders)
  then spreads over the week: a sparse seller's own history is too thin to show its weekend peak,
  the shop's is not. These models have no likelihood, so their interval is empirical: the
  quantiles of the product's own daily demand over the fit window (e.g. 10 % and 90 % for an 80 %
  interval), widened if needed to contain the point forecast.
* "short" (less than 8 weeks since the first sale): SeasonalNaive(7) — too little data to fit
  anything; with less than one week, the historic mean.
* "inactive" (no sale in the fit window): zero.

Any model failure, or a non-finite result, falls back to a seasonal naive forecast for that series.
Forecasts are clipped at zero: demand is never negative.

Nothing here reads the database: the series come from `sales_history`, so the forecast, the nightly
job and the backtest fit exactly the same way.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

SEASON = 7
FIT_DAYS = 182
"""26 whole weeks: enough to estimate a weekly season, recent enough to follow the current level,
and it keeps the ETS fit of 2,000 series within the job's time budget."""
SHORT_DAYS = 56
ADI_CUTOFF = 1.32
SPARSE_MODELS: tuple[str, ...] = ("ADIDA", "CrostonSBA", "AutoETS(A,N,A)")
"""Candidates for intermittent sellers, in order of preference on a tie; see bench/forecast.py."""
VALIDATION_DAYS = 28
"""Held back from the end of a sparse series' fit window to choose its model (four whole weeks, so
every weekday is scored equally)."""
FLAT_WEEK: tuple[float, ...] = (1.0,) * 7

Progress = Callable[[str], None]
Advance = Callable[[int], None]
"""Called with the number of series just forecast (drives the CLI's progress bar)."""
PROGRESS_CHUNK = 250
"""With an `advance` callback, each model's series are fit in chunks of this size so a progress bar
moves steadily; results are identical (every series is fit on its own either way)."""


def _week_factors(week: Sequence[float], start: date, h: int) -> np.ndarray:
    """`week` (Monday first) laid over the `h` days from `start`."""
    first = start.weekday()
    return np.array([week[(first + i) % SEASON] for i in range(h)], dtype=float)


def series_frame(series: dict[str, tuple[date, np.ndarray]]) -> pd.DataFrame:
    """id -> (first day, daily values) in statsforecast's long format (unique_id, ds, y), ids sorted."""
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
class Fit:
    """One series' forecast: point, interval bands per level, and the model that made it."""

    point: np.ndarray
    bands: dict[int, tuple[np.ndarray, np.ndarray]]
    model: str
    fallback: bool = False


def seasonal_naive(y: np.ndarray, h: int, levels: Sequence[int]) -> Fit:
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
    return Fit(point, bands, "SeasonalNaive" if len(y) >= SEASON else "HistoricAverage")


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
) -> dict[str, Fit]:
    """Forecast every series of one model in a single StatsForecast call (n_jobs=1: the 2 cores are shared).

    The flat forecasts of models without a likelihood are spread over the week by `week` before
    their empirical interval is drawn around them.
    """
    from statsforecast import StatsForecast

    if name == "Zero":
        zeros = np.zeros(h)
        return {pid: Fit(zeros.copy(), {lv: (zeros.copy(), zeros.copy()) for lv in levels}, name) for pid in series}
    native = name in _NATIVE_INTERVALS
    factors = _week_factors(week, end + timedelta(days=1), h)
    fits: dict[str, Fit] = {}
    frame = series_frame({pid: (end - timedelta(days=len(y) - 1), y) for pid, y in series.items()})
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
            fits[str(pid)] = Fit(point, bands, name)
    except Exception:
        log.exception("Forecasting %d series with %s failed; retrying one by one", len(series), name)
        fits = {pid: _forecast_one(name, y, h, levels, factors) for pid, y in series.items()}
    for pid, y in series.items():
        fit = fits.get(pid)
        if fit is None or len(fit.point) != h or not _finite(fit):
            fallback = seasonal_naive(y, h, levels)
            fallback.fallback = True
            fits[pid] = fallback
    return fits


def _forecast_one(name: str, y: np.ndarray, h: int, levels: Sequence[int], factors: np.ndarray) -> Fit:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = _statsforecast_model(name)
            if name in _NATIVE_INTERVALS:
                out = model.forecast(y=y, h=h, level=list(levels))
                bands = {lv: (np.asarray(out[f"lo-{lv}"], float), np.asarray(out[f"hi-{lv}"], float)) for lv in levels}
                return Fit(np.asarray(out["mean"], float), bands, name)
            out = model.forecast(y=y, h=h)
            point = np.asarray(out["mean"], float) * factors
            return Fit(point, _empirical_bands(y, point, levels), name)
    except Exception:
        log.warning("%s failed on one series; using seasonal naive", name, exc_info=True)
        fit = seasonal_naive(y, h, levels)
        fit.fallback = True
        return fit


def _finite(fit: Fit) -> bool:
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


def fit_all(
    series: dict[str, np.ndarray],
    end: date,
    h: int,
    levels: Sequence[int],
    *,
    sparse_models: Sequence[str] = SPARSE_MODELS,
    week: Sequence[float] = FLAT_WEEK,
    progress: Progress | None = None,
    advance: Advance | None = None,
) -> dict[str, tuple[str, Fit]]:
    """Classify each (fit-window) series and forecast it with its model; id -> (class, fit).

    Series are handled class by class, in chunks when a progress bar is driven (each series is fit
    on its own, so the chunking never changes a result).
    """
    classes = {pid: classify(y) for pid, y in series.items()}
    by_class: dict[str, list[str]] = {}
    for pid, seller_class in classes.items():
        by_class.setdefault(seller_class, []).append(pid)
    results: dict[str, tuple[str, Fit]] = {}
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
