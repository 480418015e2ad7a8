#!/usr/bin/env python3
"""Reference values for test/analysis/attribution-models.test.ts, computed independently of the TypeScript code.

Markov removal effects: the absorbing chain of docs/attribution.md (repeats in a row merged; an order-k state is the
last k channels; removing a channel sends every state containing it to null), solved exactly with rational
arithmetic (Gauss-Jordan elimination over fractions.Fraction) instead of the iteration the product uses.
Shapley values: by their definition, the average over every order of the channels (itertools.permutations) of each
channel's marginal worth, the worth of a coalition being the conversion rate of the journeys whose channels all lie
in it; the product enumerates subsets with the closed-form weights instead.

Standard library only:  python3 scripts/attribution_reference.py  (prints JSON)
"""
import itertools
import json
from fractions import Fraction

FIXTURES = {
    # The three-path example used in many Markov attribution write-ups.
    "three_paths": [
        (["C1", "C2", "C3"], 1, 0),
        (["C1"], 0, 1),
        (["C2", "C3"], 0, 1),
    ],
    # Several channels, a cycle (Paid Search → Email → Paid Search) and many paths without conversion.
    "seven_paths": [
        (["Paid Search", "Email", "Paid Search"], 3, 2),
        (["Organic Search"], 1, 10),
        (["Paid Social", "Direct"], 2, 5),
        (["Direct"], 4, 20),
        (["Email", "Direct"], 3, 1),
        (["Paid Social", "Paid Search", "Direct"], 2, 3),
        (["Organic Search", "Email"], 0, 4),
    ],
    # Repeats in a row (merged), and a channel (C) that only ever appears without conversion or mid-path.
    "repeats": [
        (["A", "A", "B"], 1, 1),
        (["B", "A"], 1, 2),
        (["C"], 0, 3),
        (["A", "C", "A", "B"], 2, 0),
    ],
}


def merge(path):
    out = []
    for c in path:
        if not out or out[-1] != c:
            out.append(c)
    return out


def solve(matrix, rhs):
    """Solve matrix · x = rhs exactly (Gauss-Jordan with fractions)."""
    n = len(matrix)
    a = [row[:] + [rhs[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if a[r][col] != 0)
        a[col], a[pivot] = a[pivot], a[col]
        p = a[col][col]
        a[col] = [v / p for v in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0:
                f = a[r][col]
                a[r] = [v - f * w for v, w in zip(a[r], a[col])]
    return [a[i][n] for i in range(n)]


def markov(paths, order):
    edges = {}  # state -> {target: count}; targets: state tuples, "conv", "null"
    start = {}
    for path, conv, null in paths:
        total = conv + null
        merged = merge(path)
        prev = start
        for i in range(len(merged)):
            state = tuple(merged[max(0, i - order + 1): i + 1])
            prev[state] = prev.get(state, 0) + total
            prev = edges.setdefault(state, {})
        if conv:
            prev["conv"] = prev.get("conv", 0) + conv
        if null:
            prev["null"] = prev.get("null", 0) + null
    states = list(edges)

    def probability(removed):
        live = [s for s in states if s not in removed]
        index = {s: i for i, s in enumerate(live)}
        n = len(live)
        matrix = [[Fraction(0)] * n for _ in range(n)]
        rhs = [Fraction(0)] * n
        for s in live:
            i = index[s]
            out = edges[s]
            total = sum(out.values())
            matrix[i][i] += 1
            for target, count in out.items():
                if target == "conv":
                    rhs[i] += Fraction(count, total)
                elif target == "null" or target in removed:
                    pass
                else:
                    matrix[i][index[target]] -= Fraction(count, total)
        p = dict(zip(live, solve(matrix, rhs))) if n else {}
        start_total = sum(start.values())
        return sum(Fraction(c, start_total) * p[s] for s, c in start.items() if s not in removed)

    full = probability(set())
    channels = sorted({c for path, _, _ in paths for c in path})
    effects = {}
    for c in channels:
        removed = {s for s in states if c in s}
        effects[c] = float(1 - probability(removed) / full) if full else 0.0
    return float(full), effects


def shapley(paths):
    channels = sorted({c for path, _, _ in paths for c in path})

    def worth(coalition):
        conv = sum(c for path, c, _ in paths if set(path) <= coalition)
        total = sum(c + n for path, c, n in paths if set(path) <= coalition)
        return Fraction(conv, total) if total else Fraction(0)

    values = {c: Fraction(0) for c in channels}
    orders = list(itertools.permutations(channels))
    for order in orders:
        joined = set()
        for c in order:
            before = worth(joined)
            joined.add(c)
            values[c] += worth(joined) - before
    return {c: float(v / len(orders)) for c, v in values.items()}


result = {}
for name, paths in FIXTURES.items():
    p1, e1 = markov(paths, 1)
    p2, e2 = markov(paths, 2)
    result[name] = {
        "markov1": {"probability": p1, "removalEffects": e1},
        "markov2": {"probability": p2, "removalEffects": e2},
        "shapley": shapley(paths),
    }
print(json.dumps(result, indent=2))
