import { z95 } from './wilson-interval.js';

/**
 * Kaplan–Meier product-limit estimate of a survival curve S(t) from right-censored durations (STATISTICS.md;
 * reproduce with R `survfit(Surv(time, event) ~ 1, conf.type = "log-log")`): Greenwood's variance, the 95%
 * interval on the log-log scale, and the median as R reports it. At a time with both, events come before
 * censorings (a unit censored at t was still at risk at t).
 */
export interface KaplanMeierPoint {
  /** An event time. */
  time: number;
  atRisk: number;
  events: number;
  /** S just after `time`. */
  survival: number;
  /** Standard error of log S (Greenwood); null once S reaches 0. */
  stdErrLog: number | null;
  /** The 95% interval on S (log-log); null where S is 0 or 1. */
  lower: number | null;
  upper: number | null;
}

export interface KaplanMeierCurve {
  units: number;
  events: number;
  censored: number;
  points: KaplanMeierPoint[];
  /** The smallest time with S ≤ 0.5 (halfway to the next event time where S is exactly 0.5); null if never. */
  median: number | null;
}

/** S at time t from the curve's points (a step function, 1 before the first event). */
export function survivalAt(curve: KaplanMeierCurve, t: number): number {
  let s = 1;
  for (const p of curve.points) {
    if (p.time > t) break;
    s = p.survival;
  }
  return s;
}

export function kaplanMeier(times: ArrayLike<number>, events: ArrayLike<boolean>, z: number = z95): KaplanMeierCurve {
  const n = times.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (times[a] as number) - (times[b] as number) || Number(events[b]) - Number(events[a]),
  );
  const points: KaplanMeierPoint[] = [];
  let atRisk = n;
  let survival = 1;
  let greenwood = 0;
  let eventsTotal = 0;
  for (let i = 0; i < n; ) {
    const time = times[order[i] as number] as number;
    let d = 0;
    let c = 0;
    for (; i < n && times[order[i] as number] === time; i += 1) {
      if (events[order[i] as number]) d += 1;
      else c += 1;
    }
    if (d > 0) {
      survival *= 1 - d / atRisk;
      greenwood += atRisk > d ? d / (atRisk * (atRisk - d)) : Number.POSITIVE_INFINITY;
      const stdErrLog = Math.sqrt(greenwood);
      let lower: number | null = null;
      let upper: number | null = null;
      if (survival > 0 && survival < 1 && Number.isFinite(stdErrLog)) {
        const logS = Math.log(survival);
        const centre = Math.log(-logS);
        lower = Math.exp(-Math.exp(centre - (z * stdErrLog) / logS));
        upper = Math.exp(-Math.exp(centre + (z * stdErrLog) / logS));
      }
      points.push({
        time,
        atRisk,
        events: d,
        survival,
        stdErrLog: Number.isFinite(stdErrLog) ? stdErrLog : null,
        lower,
        upper,
      });
      eventsTotal += d;
    }
    atRisk -= d + c;
  }
  return { units: n, events: eventsTotal, censored: n - eventsTotal, points, median: median(points) };
}

function median(points: readonly KaplanMeierPoint[]): number | null {
  const tolerance = 1e-12;
  for (let i = 0; i < points.length; i += 1) {
    const p = points[i] as KaplanMeierPoint;
    if (Math.abs(p.survival - 0.5) <= tolerance) {
      const next = points[i + 1];
      return next ? (p.time + next.time) / 2 : p.time;
    }
    if (p.survival < 0.5) return p.time;
  }
  return null;
}
