/**
 * Leak ranking on simulated funnels with one planted leak among many null segments (docs/diagnose.md). Many
 * seeds: the test asserts rates over them (power, false findings, interval coverage), not one lucky draw.
 */
import { describe, expect, it } from 'vitest';
import { rankLeaks, type SegmentCounts } from '../../src/analysis/diagnose/leaks.js';
import { Random } from '../../src/demo/demo-business.js';

const steps = [
  { name: 'Pricing', optional: false },
  { name: 'Signup', optional: false },
  { name: 'Activated', optional: false },
];
// Five dimensions of six values each, drawn independently per unit.
const dimensions = ['channel', 'device', 'os', 'browser', 'country'];
const valuesPer = 6;
const units = 12_000;
const pSignup = 0.2;
const pSignupLeaky = 0.12; // device = v0 (a sixth of the units) at Pricing → Signup
const pActivated = 0.5;

function simulate(seed: number): SegmentCounts[] {
  const random = new Random(seed);
  const counts = dimensions.map(() => Array.from({ length: valuesPer }, () => [0, 0, 0]));
  for (let u = 0; u < units; u += 1) {
    const values = dimensions.map(() => Math.floor(random.next() * valuesPer));
    const signup = random.chance(values[1] === 0 ? pSignupLeaky : pSignup);
    const activated = signup && random.chance(pActivated);
    values.forEach((v, d) => {
      const c = counts[d]?.[v] as number[];
      c[0] = (c[0] as number) + 1;
      if (signup) c[1] = (c[1] as number) + 1;
      if (activated) c[2] = (c[2] as number) + 1;
    });
  }
  return counts.flatMap((perValue, d) =>
    perValue.map((c, v) => ({ dimensions: [dimensions[d] as string], values: [`v${v}`], counts: c })),
  );
}

const isPlanted = (f: { dimensions: string[]; values: string[]; from: number }) =>
  f.dimensions[0] === 'device' && f.values[0] === 'v0' && f.from === 0;

describe('leak ranking', () => {
  it('finds the planted leak with its size, and keeps false findings at or under the nominal rate', () => {
    const seeds = 300;
    const alpha = 0.05;
    let found = 0;
    let covered = 0;
    let falseFindings = 0;
    let fdpSum = 0;
    let nullCells = 0;
    let relativeErrorSum = 0;
    for (let seed = 1; seed <= seeds; seed += 1) {
      const report = rankLeaks(simulate(seed), {
        steps,
        unit: 'person',
        alpha,
        minUnits: 30,
        top: 100,
        periodDays: null,
      });
      // 30 segments × 2 transitions, all with plenty of data.
      expect(report.cellsTested).toBe(60);
      nullCells += report.cellsTested - 1;
      const planted = report.findings.find(isPlanted);
      const wrong = report.findings.filter((f) => !isPlanted(f)).length;
      falseFindings += wrong;
      fdpSum += report.findings.length > 0 ? wrong / report.findings.length : 0;
      if (planted) {
        found += 1;
        // The true loss: the segment's units at Pricing × (rest rate − segment rate).
        const truth = planted.segmentUnits * (pSignup - pSignupLeaky);
        relativeErrorSum += Math.abs(planted.lostConversions - truth) / truth;
        if (planted.lostConversionsInterval.lower <= truth && truth <= planted.lostConversionsInterval.upper) {
          covered += 1;
        }
        expect(report.findings[0]).toBe(planted);
      }
    }
    // Power: 2,000 units at 12% vs 20% is a z of about 9; it is found every time.
    expect(found).toBe(seeds);
    // Its size: within a few percent on average, and the 95% interval covers the truth about 95% of the time.
    expect(relativeErrorSum / found).toBeLessThan(0.1);
    expect(covered / found).toBeGreaterThan(0.9);
    // Benjamini–Hochberg: the mean share of false findings stays at or under α (with Monte Carlo slack of three
    // standard errors of a rate near α over 300 seeds), and so does the share of null cells flagged.
    expect(fdpSum / seeds).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / seeds));
    expect(falseFindings / nullCells).toBeLessThanOrEqual(alpha);
  });

  it('says "not enough data" rather than finding anything in small samples', () => {
    const segments: SegmentCounts[] = [
      { dimensions: ['device'], values: ['Mobile'], counts: [20, 0, 0] },
      { dimensions: ['device'], values: ['Desktop'], counts: [25, 20, 10] },
    ];
    const report = rankLeaks(segments, { steps, unit: 'person', alpha: 0.05, minUnits: 30, top: 10, periodDays: 30 });
    expect(report.findings).toEqual([]);
    expect(report.cellsTested).toBe(0);
    expect(report.cellsNotEnoughData).toBe(4);
    expect(report.summary[0]).toMatch(/^Not enough data/);
  });

  it('computes one cell by hand: rates, difference, loss per month and its sentence', () => {
    // Mobile 31 of 1,000 sign up, everyone else 74 of 1,000; 61 days of data.
    const segments: SegmentCounts[] = [
      { dimensions: ['device'], values: ['Mobile'], counts: [1000, 31, 10] },
      { dimensions: ['device'], values: ['Desktop'], counts: [1000, 74, 40] },
    ];
    const report = rankLeaks(segments, { steps, unit: 'person', alpha: 0.05, minUnits: 30, top: 10, periodDays: 61 });
    const [f] = report.findings;
    expect(f?.segment).toBe('device = Mobile');
    expect(f?.difference).toBeCloseTo(-0.043, 12);
    // Newcombe interval on 31/1000 − 74/1000 (statsmodels, see test/stats/two-proportions.test.ts).
    expect(f?.differenceInterval.lower).toBeCloseTo(-0.06307429363041628, 10);
    expect(f?.lostConversions).toBeCloseTo(43, 9);
    expect(f?.lostConversionsInterval.upper).toBeCloseTo(63.07429363041628, 7);
    // 43 lost in 61 days = 43 × 30.436875 / 61 a month.
    expect(f?.lostPerMonth).toBeCloseTo((43 * 30.436875) / 61, 9);
    expect(f?.qValue).toBeCloseTo(1.6247286377283123e-5 * 2, 12); // 2 tested cells; this one is the smaller p
    // Carried to the last step at everyone's Signup → Activated rate, 50 of 105.
    expect(f?.lostFinalConversions).toBeCloseTo((43 * 50) / 105, 9);
    expect(f?.sentence).toBe(
      'People with device = Mobile convert Pricing → Signup at 3.1% vs 7.4% for everyone else (−4.3 points, ' +
        '95% CI −6.3 to −2.4; 1,000 units, q = 3.2e-5); about 21 Signup a month are lost there (95% CI 12–31) ' +
        '(≈ 20 Activated in all).',
    );
    // The transitions over everyone.
    expect(report.transitions.map((t) => [t.entered, t.converted, t.dropped])).toEqual([
      [2000, 105, 1895],
      [105, 50, 55],
    ]);
  });
});
