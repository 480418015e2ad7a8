#!/usr/bin/python3
"""Reference values for test/stats/experiment-stats.test.ts, from Debian's python3-scipy (1.10) and
python3-statsmodels (0.13.5), independent of the TypeScript code:

- z-test, Newcombe and log-adjusted ratio intervals: statsmodels proportions_ztest, confint_proportions_2indep;
- chi-square: scipy.stats.chi2_contingency(correction=False), scipy.stats.chisquare;
- Holm / Benjamini-Hochberg: statsmodels multipletests;
- Beta-binomial: P(B > A) and the expected loss by scipy.integrate.quad over the posterior densities, the lift
  interval by quad + brentq on P(pB/pA - 1 <= r);
- sample size: statsmodels NormalIndPower().solve_power on proportion_effectsize;
- mSPRT: the formula of Johari et al. written out with numpy (no library has it).

    /usr/bin/python3 scripts/experiment_reference.py    (prints JSON)
"""
import json
import math

import numpy as np
from scipy import integrate, optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_effectsize,
                                          proportions_ztest)

# (xB, nB, xA, nA): tiny counts, zero conversions, 100% conversions, large samples.
PAIRS = [
    (31, 1000, 74, 1000), (12, 400, 30, 410), (0, 50, 5, 60), (45, 45, 40, 50), (7, 9, 2, 11),
    (1, 3, 0, 4), (0, 10, 0, 12), (10, 10, 12, 12), (3, 3, 0, 2), (2, 5, 1, 5),
    (0, 1, 1, 1), (120, 5000, 100, 5000), (260, 10000, 235, 10000), (51, 2000, 38, 2100), (9, 300, 21, 310),
    (600, 1000, 550, 1000), (999, 1000, 990, 1000), (1, 1000, 0, 1000), (40, 123, 33, 130), (5, 7, 6, 8),
    (2350, 100000, 2200, 100000), (18, 40, 12, 41), (0, 200, 3, 190), (77, 77, 70, 75),
]


def beta_post(x, n):
    return 1 + x, 1 + n - x


def prob_b_beats_a(xB, nB, xA, nA):
    aA, bA = beta_post(xA, nA)
    aB, bB = beta_post(xB, nB)
    lo = min(stats.beta.ppf(1e-12, aA, bA), stats.beta.ppf(1e-12, aB, bB))
    hi = max(stats.beta.isf(1e-12, aA, bA), stats.beta.isf(1e-12, aB, bB))
    f = lambda p: stats.beta.pdf(p, aB, bB) * stats.beta.cdf(p, aA, bA)
    return integrate.quad(f, lo, hi, limit=500, epsabs=1e-13, epsrel=1e-12, points=[stats.beta.mean(aA, bA), stats.beta.mean(aB, bB)])[0]


def expected_loss(xB, nB, xA, nA):
    """E[max(pA - pB, 0)]."""
    aA, bA = beta_post(xA, nA)
    aB, bB = beta_post(xB, nB)
    lo = min(stats.beta.ppf(1e-12, aA, bA), stats.beta.ppf(1e-12, aB, bB))
    hi = max(stats.beta.isf(1e-12, aA, bA), stats.beta.isf(1e-12, aB, bB))
    # E[max(A - B, 0)] = integral over b of f_B(b) * E[(A - b)+]; E[(A - b)+] = mean_A * (1 - F_{A+1}(b)) - b (1 - F_A(b))
    meanA = aA / (aA + bA)
    g = lambda b: stats.beta.pdf(b, aB, bB) * (meanA * stats.beta.sf(b, aA + 1, bA) - b * stats.beta.sf(b, aA, bA))
    return integrate.quad(g, lo, hi, limit=500, epsabs=1e-14, epsrel=1e-12, points=[stats.beta.mean(aA, bA), stats.beta.mean(aB, bB)])[0]


def lift_interval(xB, nB, xA, nA):
    aA, bA = beta_post(xA, nA)
    aB, bB = beta_post(xB, nB)

    def cdf(r):
        f = lambda u: stats.beta.cdf(min(1.0, (1 + r) * stats.beta.ppf(u, aA, bA)), aB, bB)
        return integrate.quad(f, 0, 1, limit=500, epsabs=1e-12)[0]

    def solve(target):
        hi = 1.0
        while cdf(hi) < target:
            hi *= 2
        return optimize.brentq(lambda r: cdf(r) - target, -1 + 1e-12, hi, xtol=1e-12)

    return solve(0.025), solve(0.975)


def msprt(xB, nB, xA, nA, tau, alpha):
    pA, pB = xA / nA, xB / nB
    theta = pB - pA
    v = pA * (1 - pA) / nA + pB * (1 - pB) / nB
    if v <= 0:
        return None
    t2 = tau * tau
    lr = np.sqrt(v / (v + t2)) * np.exp(theta ** 2 * t2 / (2 * v * (v + t2)))
    half = np.sqrt(v * (v + t2) / t2 * (2 * np.log(1 / alpha) + np.log((v + t2) / v)))
    return [float(lr), float(min(1.0, 1 / lr)), float(theta - half), float(theta + half)]


out = {"pairs": []}
for xB, nB, xA, nA in PAIRS:
    row = {"xB": xB, "nB": nB, "xA": xA, "nA": nA}
    pooled = (xA + xB) / (nA + nB)
    if 0 < pooled < 1:
        z, p = proportions_ztest([xB, xA], [nB, nA])
        row["z"], row["p"] = float(z), float(p)
    lo, hi = confint_proportions_2indep(xB, nB, xA, nA, method="newcomb", compare="diff")
    row["newcombe"] = [float(lo), float(hi)]
    lo, hi = confint_proportions_2indep(xB, nB, xA, nA, method="log-adjusted", compare="ratio")
    row["lift"] = [float(lo) - 1, float(hi) - 1]
    row["probBeats"] = prob_b_beats_a(xB, nB, xA, nA)
    row["expectedLoss"] = expected_loss(xB, nB, xA, nA)
    row["liftCredible"] = list(lift_interval(xB, nB, xA, nA))
    row["msprt"] = msprt(xB, nB, xA, nA, 0.02, 0.05)
    out["pairs"].append(row)

# k variants: chi-square independence on the k x 2 table.
TABLES = [
    [(31, 1000), (74, 1000), (50, 1000)], [(0, 50), (5, 60), (2, 40)], [(12, 400), (30, 410)],
    [(1, 3), (0, 4), (2, 5)], [(120, 5000), (100, 5000), (130, 5000), (90, 5000)], [(45, 45), (40, 50), (30, 50)],
    [(7, 9), (2, 11), (5, 10)], [(260, 10000), (235, 10000), (241, 9800)], [(3, 3), (0, 2), (1, 4)],
    [(18, 40), (12, 41), (20, 39), (15, 40)], [(999, 1000), (990, 1000), (995, 1000)], [(1, 1000), (0, 1000), (4, 1000)],
    [(600, 1000), (550, 1000)], [(9, 300), (21, 310), (14, 305)], [(40, 123), (33, 130), (51, 140)],
    [(2350, 100000), (2200, 100000), (2290, 100000)], [(5, 7), (6, 8)], [(0, 200), (3, 190), (1, 210)],
    [(77, 77), (70, 75), (60, 70)], [(51, 2000), (38, 2100), (44, 2050), (47, 1990), (40, 2010)],
]
out["chi2"] = []
for table in TABLES:
    t = np.array([[x, n - x] for x, n in table])
    stat, p, df, _ = stats.chi2_contingency(t, correction=False)
    out["chi2"].append({"table": table, "statistic": float(stat), "df": int(df), "p": float(p)})

# Sample ratio mismatch: observed assignment counts against the planned split.
SRM = [
    ([5000, 5000], [1, 1]), ([5100, 4900], [1, 1]), ([5210, 4790], [1, 1]), ([10130, 9870], [1, 1]),
    ([3, 7], [1, 1]), ([0, 10], [1, 1]), ([1000, 2050], [1, 2]), ([3300, 3300, 3400], [1, 1, 1]),
    ([3100, 3400, 3500], [1, 1, 1]), ([250, 260, 240, 250], [1, 1, 1, 1]), ([9000, 1000], [9, 1]),
    ([8800, 1200], [9, 1]), ([1, 1], [1, 1]), ([50, 49], [1, 1]), ([500, 450], [1, 1]), ([20000, 20600], [1, 1]),
    ([700, 300], [7, 3]), ([100, 200, 300], [1, 2, 3]), ([110, 190, 300], [1, 2, 3]), ([12, 30], [1, 1]),
]
out["srm"] = []
for observed, shares in SRM:
    total = sum(observed)
    expected = [total * s / sum(shares) for s in shares]
    stat, p = stats.chisquare(observed, expected)
    out["srm"].append({"observed": observed, "shares": shares, "statistic": float(stat), "p": float(p)})

# Multiple testing.
P_SETS = [
    [0.01, 0.04, 0.03, 0.2, 0.001, 0.5, 0.04, 0.9], [0.05], [0.02, 0.03], [1e-8, 0.5, 0.51], [0.2, 0.2, 0.2, 0.2],
    [0.001, 0.002, 0.003, 0.004, 0.005], [0.9, 0.01], [0.049, 0.051, 0.0001], [0.3, 0.01, 0.02, 0.6, 0.04, 0.5],
    [0.0, 1.0], [0.011, 0.012, 0.013], [0.04, 0.04, 0.04, 0.04], [0.5, 0.25, 0.125, 0.0625], [0.03],
    [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], [0.07, 0.002, 0.08, 0.003], [0.2, 0.9, 0.8, 0.7, 0.05], [0.015, 0.025],
    [0.001, 0.9, 0.9, 0.9, 0.9, 0.9], [0.06, 0.06, 0.01],
]
out["multiple"] = []
for ps in P_SETS:
    out["multiple"].append({
        "p": ps,
        "holm": [float(x) for x in multipletests(ps, method="holm")[1]],
        "bh": [float(x) for x in multipletests(ps, method="fdr_bh")[1]],
    })

# Sample size per arm.
PLANS = [
    (0.019, 0.0235, 0.05, 0.8), (0.0235, 0.0531, 0.05, 0.8), (0.1, 0.12, 0.05, 0.8), (0.1, 0.12, 0.05, 0.9),
    (0.1, 0.12, 0.01, 0.8), (0.5, 0.55, 0.05, 0.8), (0.02, 0.025, 0.05, 0.8), (0.3, 0.2, 0.05, 0.8),
    (0.05, 0.06, 0.1, 0.8), (0.05, 0.06, 0.05, 0.95), (0.001, 0.002, 0.05, 0.8), (0.9, 0.95, 0.05, 0.8),
    (0.15, 0.18, 0.05, 0.8), (0.2, 0.21, 0.05, 0.8), (0.6, 0.5, 0.05, 0.8), (0.04, 0.05, 0.05, 0.8),
    (0.33, 0.4, 0.05, 0.9), (0.01, 0.012, 0.05, 0.8), (0.08, 0.1, 0.025, 0.8), (0.25, 0.3, 0.05, 0.5),
]
out["sampleSize"] = []
for p1, p2, alpha, power in PLANS:
    h = proportion_effectsize(p2, p1)
    n = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0, alternative="two-sided")
    out["sampleSize"].append({"baseline": p1, "target": p2, "alpha": alpha, "power": power, "n": float(n)})

print(json.dumps(out))
