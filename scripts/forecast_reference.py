#!/usr/bin/python3
"""Reference ETS forecasts for test/stats/ets.test.ts: Debian's python3-statsmodels 0.13.5 ETSModel, every
combination of error (add, mul), trend (none, add, add damped) and season (none, add, mul; period 12) fitted by
maximum likelihood on all but the last 12 months, the one with the lowest AICc chosen (the choice R's forecast::ets
makes), and its 12-month forecast compared with the held-out months. Prints JSON.

    /usr/bin/python3 scripts/forecast_reference.py
"""
import csv
import itertools
import json
import warnings

import numpy as np
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

warnings.filterwarnings("ignore")

DATASETS = {
    "air-passengers": "../shared/datasets/air-passengers/example_air_passengers.csv",
    "us-retail-sales-monthly": "../shared/datasets/us-retail-sales-monthly/example_retail_sales.csv",
}

out = {}
for name, path in DATASETS.items():
    with open(path) as f:
        y = np.array([float(r["y"]) for r in csv.DictReader(f)])
    train, test = y[:-12], y[-12:]
    best = None
    for error, trend, damped, season in itertools.product(["add", "mul"], [None, "add"], [False, True], [None, "add", "mul"]):
        if damped and trend is None:
            continue
        if error == "add" and season == "mul":
            continue
        try:
            fit = ETSModel(train, error=error, trend=trend, damped_trend=damped, seasonal=season,
                           seasonal_periods=12 if season else None).fit(disp=False, maxiter=2000)
        except Exception:
            continue
        if not np.isfinite(fit.aicc):
            continue
        if best is None or fit.aicc < best[0]:
            best = (fit.aicc, f"{error[0].upper()},{('N' if trend is None else 'A' + ('d' if damped else ''))},{'N' if season is None else season[0].upper()}", fit)
    aicc, model, fit = best
    forecast = fit.forecast(12)
    mape = float(np.mean(np.abs((test - forecast) / test)) * 100)
    snaive = train[-12:]
    scale = np.mean(np.abs(train[12:] - train[:-12]))
    out[name] = {
        "model": model,
        "aicc": float(aicc),
        "mape": mape,
        "mase": float(np.mean(np.abs(test - forecast)) / scale),
        "seasonalNaiveMase": float(np.mean(np.abs(test - snaive)) / scale),
        "forecast": [float(x) for x in forecast],
    }
print(json.dumps(out, indent=2))
