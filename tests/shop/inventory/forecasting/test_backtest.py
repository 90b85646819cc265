"""The backtest scores the models on a holdout they never see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from pymongo.database import Database

from shop.inventory.forecasting.backtest import backtest
from shop.inventory.forecasting.models import SPARSE_MODELS
from tests.support.sales import NOW, TODAY, sell, sparse_units


def test_model_choice_never_sees_the_backtest_holdout(db: Database, product_factory: Any) -> None:
    """Saturday-only sales inside the holdout must not earn the seasonal model; inside training they do."""
    in_holdout, in_training = product_factory(), product_factory()
    first = TODAY - timedelta(days=168)
    rng = np.random.default_rng(5)
    saturday = [int(rng.integers(1, 4)) if (first + timedelta(days=i)).weekday() == 5 else 0 for i in range(168)]
    sell(db, in_holdout["_id"], sparse_units(0, 140) + saturday[140:])
    sell(db, in_training["_id"], saturday[:140] + sparse_units(0, 28))

    report = backtest(db, holdout_days=28, now=NOW)

    assert report["sparse_models"] == list(SPARSE_MODELS)
    sparse = report["classes"]["sparse"]
    assert sparse["series"] == 2
    assert sparse["models"].get("AutoETS(A,N,A)") == 1  # the product whose training showed the pattern


def test_backtest_beats_seasonal_naive_on_a_noisy_seller(db: Database, product_factory: Any) -> None:
    product = product_factory()
    rng = np.random.default_rng(11)
    first = TODAY - timedelta(days=140)
    rates = [12 if (first + timedelta(days=i)).weekday() >= 5 else 6 for i in range(140)]
    sell(db, product["_id"], [int(rng.poisson(r)) for r in rates])

    report = backtest(db, holdout_days=28, now=NOW)

    overall = report["overall"]
    assert report["cutoff"] == (TODAY - timedelta(days=28)).isoformat()
    assert overall["series"] == 1 and set(report["classes"]) == {"regular"}
    assert overall["mase"] < overall["mase_seasonal_naive"]
    assert overall["mase"] < 1.0
