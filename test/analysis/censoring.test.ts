/**
 * Right-censoring (FUNNEL-SEMANTICS §6, docs/funnels.md): units whose window is still open at the end of the data
 * are counted apart ("still in window"), the settled rate leaves them out, and the time_to_convert view carries a
 * Kaplan–Meier curve in which they count for the time they were seen. Expected values by hand and from R 4.2
 * `survival` 3.5.3:
 *
 *   t <- c(2, 5, 1, 2, 10, 5, 1) * 86400; e <- c(1, 1, 1, 1, 0, 0, 0)
 *   s <- summary(survfit(Surv(t, e) ~ 1, conf.type = "log-log"))
 *   cbind(s$time, s$n.risk, s$n.event, 1 - s$surv, 1 - s$upper, 1 - s$lower)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFunnel } from '../../src/analysis/funnel/run-funnel.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';

let dir: string;
let store: DuckDBStore;
const day = (d: number) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString();
// Window 10 days; the data ends on day 25 (the last event, p8's).
const journeys: [string, number, number | null][] = [
  ['p1', 0, 2], // converts after 2 days
  ['p2', 0, 5], // 5 days
  ['p3', 1, null], // never: window closed on day 11 (censored at 10 days)
  ['p4', 3, 4], // 1 day
  ['p5', 20, null], // window open until day 30: still in window, seen for 5 days
  ['p6', 22, 24], // converts after 2 days, inside an open window
  ['p7', 24, null], // still in window, seen for 1 day
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-censoring-'));
  store = await DuckDBStore.open({ path: ':memory:' });
  const lines = journeys.flatMap(([user, a, b]) => [
    { type: 'track', userId: user, event: 'A', timestamp: day(a) },
    ...(b === null ? [] : [{ type: 'track', userId: user, event: 'B', timestamp: day(b) }]),
  ]);
  lines.push({ type: 'track', userId: 'p8', event: 'Z', timestamp: day(25) });
  const file = join(dir, 'events.ndjson');
  await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n'));
  await store.importFile('events', file, { project: 'default', skipInvalid: false });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const run = (view: 'steps' | 'time_to_convert') =>
  runFunnel(
    new ColumnCache(store),
    'default',
    parseFunnelDefinition({ steps: [{ event: 'A' }, { event: 'B' }], window: { amount: 10, unit: 'day' }, view }),
    { threads: 1 },
  );

describe('units whose window is still open', () => {
  it('are reported apart, and the settled rate leaves them out', async () => {
    const report = await run('steps');
    const [a, b] = report.steps;
    expect([a?.count, b?.count]).toEqual([7, 4]);
    // p5 and p7 entered, have not converted, and may still: their windows close after day 25.
    expect(b?.stillInWindow).toBe(2);
    expect(a?.stillInWindow).toBe(0);
    // Settled: p1–p4 (windows closed), of whom p1, p2 and p4 converted.
    expect(b?.settledConversionRate).toBe(3 / 4);
    expect(b?.conversionRate).toBe(4 / 7);
    expect(report.timeToConvert?.survival).toBeNull();
  });

  it('count for the time they were seen in the Kaplan–Meier curve (R survfit)', async () => {
    const survival = (await run('time_to_convert')).timeToConvert?.survival;
    expect([survival?.units, survival?.converted, survival?.censored]).toEqual([7, 4, 3]);
    const expected = [
      [86400, 7, 0.1428571428571429, 0.021438941473824524, 0.6659461207077778],
      [172800, 5, 0.48571428571428577, 0.18675139242424155, 0.8822404160834267],
      [432000, 3, 0.6571428571428573, 0.3145164339283055, 0.9518916500607427],
    ];
    expect(survival?.curve).toHaveLength(3);
    survival?.curve.forEach((p, i) => {
      const [seconds, atRisk, conversion, lower, upper] = expected[i] as number[];
      expect([p.seconds, p.atRisk]).toEqual([seconds, atRisk]);
      expect(p.conversion).toBeCloseTo(conversion as number, 12);
      expect(p.lower).toBeCloseTo(lower as number, 10);
      expect(p.upper).toBeCloseTo(upper as number, 10);
    });
    // Within the 10-day window 65.7% convert once the open windows count for what was seen, against the naive 4/7.
    expect(survival?.conversionInWindow).toBeCloseTo(0.6571428571428573, 12);
    expect(survival?.medianSeconds).toBe(432000);
  });
});
