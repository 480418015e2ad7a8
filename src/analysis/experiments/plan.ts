/**
 * Planning an A/B test (docs/experiments.md): how many units each arm needs to detect a change from the baseline
 * conversion to a target, and how many days the traffic takes to bring them — for a fixed-horizon test (read once at
 * the end) and for the always-valid sequential test (read every day). Pure.
 */
import { sampleSizePerArm } from '../../stats/sample-size.js';
import { sequentialLook } from '../../stats/sequential.js';

/** The landing-page conversion benchmarks (Unbounce / WordStream): average and top quartile. */
export const landingPageBenchmarks = [
  { name: 'landing pages: average', value: 0.0235 },
  { name: 'landing pages: top quartile', value: 0.0531 },
] as const;

export interface PlanSpec {
  baseline: number;
  target: number;
  alpha: number;
  power: number;
  /** Arms of the test, control included. */
  arms: number;
  /** Units entering the test per day (all arms together); null: no duration. */
  trafficPerDay: number | null;
  /** The sequential test's mixing scale τ (default: the absolute difference planned for). */
  tau?: number;
}

export interface ExperimentPlan {
  baseline: number;
  target: number;
  absoluteChange: number;
  relativeChange: number;
  alpha: number;
  power: number;
  arms: number;
  fixedHorizon: { perArm: number; total: number; days: number | null };
  /**
   * The always-valid test: the units per arm by which it rejects when the observed difference is the planned one
   * (a planning figure: with real noise it rejects earlier or later).
   */
  sequential: { tau: number; perArm: number; total: number; days: number | null };
  sentence: string;
}

const pct = (x: number) => `${(x * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

/** Units per arm at which the mSPRT p-value reaches alpha with the observed rates at baseline and target. */
function sequentialPerArm(baseline: number, target: number, tau: number, alpha: number): number {
  const rejects = (n: number) => sequentialLook(target * n, n, baseline * n, n, tau, alpha).pValue <= alpha;
  let hi = 2;
  while (!rejects(hi)) {
    hi *= 2;
    if (hi > 1e12) return Number.POSITIVE_INFINITY;
  }
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (rejects(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function planExperiment(spec: PlanSpec): ExperimentPlan {
  const absoluteChange = spec.target - spec.baseline;
  const fixed = sampleSizePerArm(spec.baseline, spec.target, { alpha: spec.alpha, power: spec.power });
  const tau = spec.tau ?? Math.abs(absoluteChange);
  const sequential =
    absoluteChange === 0 ? Number.POSITIVE_INFINITY : sequentialPerArm(spec.baseline, spec.target, tau, spec.alpha);
  const days = (perArm: number) =>
    spec.trafficPerDay && Number.isFinite(perArm) ? Math.ceil((perArm * spec.arms) / spec.trafficPerDay) : null;
  const fixedDays = days(fixed.perArm);
  const sentence = !Number.isFinite(fixed.perArm)
    ? 'The target equals the baseline: there is no change to detect.'
    : `To detect a ${absoluteChange > 0 ? 'lift' : 'drop'} from ${pct(spec.baseline)} to ${pct(spec.target)} ` +
      `(${absoluteChange > 0 ? '+' : '−'}${pct(Math.abs(absoluteChange / spec.baseline))} relative) with ${Math.round(spec.power * 100)}% power at α = ${spec.alpha}, ` +
      `you need ${fixed.perArm.toLocaleString('en-US')} units per arm (${(fixed.perArm * spec.arms).toLocaleString('en-US')} in all)` +
      (fixedDays === null
        ? ''
        : `, about ${fixedDays.toLocaleString('en-US')} days at ${spec.trafficPerDay?.toLocaleString('en-US')} a day`) +
      `; read daily with the sequential test, plan on about ${Number.isFinite(sequential) ? sequential.toLocaleString('en-US') : '–'} per arm.`;
  return {
    baseline: spec.baseline,
    target: spec.target,
    absoluteChange,
    relativeChange: absoluteChange / spec.baseline,
    alpha: spec.alpha,
    power: spec.power,
    arms: spec.arms,
    fixedHorizon: { perArm: fixed.perArm, total: fixed.perArm * spec.arms, days: fixedDays },
    sequential: { tau, perArm: sequential, total: sequential * spec.arms, days: days(sequential) },
    sentence,
  };
}
