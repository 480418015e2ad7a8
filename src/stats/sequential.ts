/**
 * Always-valid inference for the difference of two conversion rates, so an experiment can be looked at every day
 * without raising its false-positive rate (STATISTICS.md): the mixture sequential probability ratio test (mSPRT) of
 * Johari, Koomen, Pekelis and Walsh ("Always valid inference", Operations Research 2022) with a normal mixture
 * N(0, τ²) over the difference, on the normal approximation of the two rates.
 *
 * At each look n: θ̂ = pB − pA, V = pA(1 − pA)/nA + pB(1 − pB)/nB,
 *   Λ = √(V / (V + τ²)) · exp(θ̂² τ² / (2V (V + τ²))),
 * the always-valid p-value is min(1, 1/Λ) and never rises from one look to the next (the running minimum), and the
 * confidence sequence is θ̂ ± √(V (V + τ²) / τ² · (2 ln(1/α) + ln((V + τ²) / V))). τ is fixed before the data (the
 * minimum effect worth detecting is a good choice).
 */
export interface SequentialLook {
  /** The mixture likelihood ratio Λ at this look (1 without variance to judge by). */
  likelihoodRatio: number;
  /** Always-valid p-value: min(1, 1/Λ) over this and every earlier look. */
  pValue: number;
  /** The confidence sequence on pB − pA at level 1 − alpha; null without variance. */
  interval: { lower: number; upper: number } | null;
}

export function sequentialLook(
  xB: number,
  nB: number,
  xA: number,
  nA: number,
  tau: number,
  alpha: number,
  previousP = 1,
): SequentialLook {
  if (!(nA > 0 && nB > 0)) return { likelihoodRatio: 1, pValue: previousP, interval: null };
  const pA = xA / nA;
  const pB = xB / nB;
  const theta = pB - pA;
  const v = (pA * (1 - pA)) / nA + (pB * (1 - pB)) / nB;
  if (!(v > 0)) return { likelihoodRatio: 1, pValue: previousP, interval: null };
  const t2 = tau * tau;
  const likelihoodRatio = Math.sqrt(v / (v + t2)) * Math.exp((theta * theta * t2) / (2 * v * (v + t2)));
  const half = Math.sqrt(((v * (v + t2)) / t2) * (2 * Math.log(1 / alpha) + Math.log((v + t2) / v)));
  return {
    likelihoodRatio,
    pValue: Math.min(previousP, 1, 1 / likelihoodRatio),
    interval: { lower: theta - half, upper: theta + half },
  };
}
