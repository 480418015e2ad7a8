#!/usr/bin/python3
"""Reference for test/stats/logistic-regression.test.ts: the unpenalised logistic regression MLE of statsmodels
0.13.5 (Debian's python3-statsmodels, sm.Logit) on a small fixed design, its log-likelihood, and the AUC of its
fitted probabilities by scipy's Mann-Whitney U (U / (n1 n0)). Prints JSON.

    /usr/bin/python3 scripts/scoring_reference.py
"""
import json

import numpy as np
import statsmodels.api as sm
from scipy.stats import mannwhitneyu

# 12 rows, 2 features (age in decades, a yes/no flag) and the outcome.
X = np.array([[2.1, 0], [3.5, 1], [4.0, 0], [5.2, 1], [2.8, 1], [6.1, 0], [3.3, 0], [4.7, 1], [5.9, 1], [2.5, 0],
              [4.4, 1], [3.9, 0]])
y = np.array([0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1])
fit = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=200)
p = fit.predict(sm.add_constant(X))
u = mannwhitneyu(p[y == 1], p[y == 0]).statistic
print(json.dumps({
    "coefficients": [float(c) for c in fit.params],
    "logLikelihood": float(fit.llf),
    "auc": float(u / ((y == 1).sum() * (y == 0).sum())),
}))
