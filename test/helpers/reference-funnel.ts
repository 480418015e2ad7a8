/**
 * A deliberately simple funnel, written from FUNNEL-SEMANTICS.md rather than from the kernels: try every step-0
 * event as a start, follow it greedily (the earliest usable event for each next step), and take the furthest
 * path. Quadratic and allocation-happy on purpose; it only has to be obviously right on small inputs.
 */
export interface RefEvent {
  t: number;
  name: string;
  /** Breakdown value ("" = none). */
  value: string;
}

export interface RefExclusion {
  event: string;
  from: number;
  to: number;
}

export interface RefFunnel {
  steps: string[];
  windowSeconds: number;
  order: 'ordered' | 'strict' | 'unordered';
  exclusions: RefExclusion[];
}

/** Step index the unit reached (−1: not in the funnel, or dropped by an exclusion). */
export function referenceLevel(
  events: readonly RefEvent[],
  f: RefFunnel,
  stepRule?: { step: number; value: string },
): number {
  if (f.order === 'unordered') return unorderedLevel(events, f);
  const n = f.steps.length;
  const paths: { level: number; tainted: boolean }[] = [];
  const fits = (e: RefEvent, k: number) =>
    e.name === f.steps[k] && (!stepRule || stepRule.step !== k || e.value === stepRule.value);
  events.forEach((first, i) => {
    if (!fits(first, 0)) return;
    const times = [first.t];
    const used = new Set([i]);
    let level = 0;
    /** Strict: when the path was cleared (an exclusion after that cannot taint it). */
    let end = Infinity;
    if (f.order === 'ordered') {
      for (let k = 1; k < n; k += 1) {
        let pick = -1;
        events.forEach((e, j) => {
          if (pick >= 0 || used.has(j) || e.t < (times[k - 1] as number) || e.t - first.t > f.windowSeconds) return;
          if (fits(e, k)) pick = j;
        });
        if (pick < 0) break;
        used.add(pick);
        times.push((events[pick] as RefEvent).t);
        level = k;
      }
    } else {
      // Strict: the next event must be the next step; an event of the step just reached keeps the path;
      // anything else ends it.
      for (let j = i + 1; j < events.length && level < n - 1; j += 1) {
        const e = events[j] as RefEvent;
        if (fits(e, level + 1) && e.t - first.t <= f.windowSeconds) {
          level += 1;
          times.push(e.t);
        } else if (!(e.name === f.steps[level])) {
          end = e.t;
          break;
        }
      }
    }
    const tainted = f.exclusions.some((x) =>
      events.some(
        (e) =>
          e.name === x.event &&
          level >= x.from &&
          e.t > (times[x.from] as number) &&
          e.t - first.t <= f.windowSeconds &&
          e.t <= end &&
          (level < x.to || e.t < (times[x.to] as number)),
      ),
    );
    paths.push({ level, tainted });
  });
  if (paths.length === 0) return -1;
  const top = Math.max(...paths.map((p) => p.level));
  return paths.some((p) => p.level === top && !p.tainted) ? top : -1;
}

/**
 * Unordered: the most distinct steps done within one window [t, t + window] opened by a step event. A window in
 * which an exclusion happens does not count unless it completed the funnel before it: the exclusion discards the
 * progress (steps done after it open windows of their own).
 */
function unorderedLevel(events: readonly RefEvent[], f: RefFunnel): number {
  let best = 0;
  const exclusionTimes = events.filter((e) => f.exclusions.some((x) => x.event === e.name)).map((e) => e.t);
  for (const start of events) {
    if (!f.steps.includes(start.name)) continue;
    const windowEnd = start.t + f.windowSeconds;
    const exclusion = Math.min(...exclusionTimes.filter((x) => x > start.t && x <= windowEnd));
    const done = new Set(
      events
        .filter((e) => e.t >= start.t && e.t <= windowEnd && e.t < exclusion && f.steps.includes(e.name))
        .map((e) => e.name),
    );
    // An exclusion inside the window discards it, unless every step was done before it (then it has converted).
    if (exclusion === Infinity || done.size === f.steps.length) best = Math.max(best, done.size);
  }
  return best - 1;
}
