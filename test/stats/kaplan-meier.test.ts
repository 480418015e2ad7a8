/**
 * Kaplan–Meier against R 4.2 `survival` 3.5.3 (Debian r-cran-survival):
 *
 *   time  <- c(1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 10, 12)
 *   event <- c(1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0)
 *   f <- survfit(Surv(time, event) ~ 1, conf.type = "log-log"); s <- summary(f)
 *   cbind(s$time, s$n.risk, s$n.event, s$surv, s$lower, s$upper); summary(f)$table["median"]; f$std.err
 *   summary(survfit(Surv(c(1,2,3,4), c(1,1,0,0)) ~ 1))$table["median"]          # 2
 *   summary(survfit(Surv(c(1,2,3,4,5,6), c(1,1,1,0,1,0)) ~ 1))$table["median"]  # 4
 */
import { describe, expect, it } from 'vitest';
import { kaplanMeier, survivalAt } from '../../src/stats/kaplan-meier.js';

const time = [1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 10, 12];
const event = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0].map((e) => e === 1);

// time, n.risk, n.event, surv, lower, upper, std.err of log S
const r = [
  [1, 14, 1, 0.9285714285714286, 0.5907668674267581, 0.9896198231368499, 0.07412493166611012],
  [2, 13, 1, 0.8571428571428572, 0.5394481776231691, 0.9622318564063291, 0.10910894511799618],
  [3, 11, 1, 0.7792207792207793, 0.4589604224083616, 0.9232023848740561, 0.14489883020808345],
  [4, 10, 2, 0.6233766233766235, 0.3165765478507349, 0.8235017874854912, 0.21446601361444426],
  [6, 7, 1, 0.5343228200371059, 0.238849440312305, 0.7600797134698637, 0.2642067274033627],
  [8, 5, 1, 0.4274582560296847, 0.15135804451369683, 0.6821081031198182, 0.3461288702278312],
  [10, 3, 1, 0.2849721706864564, 0.055286093417343585, 0.5802353197816902, 0.5352306619317146],
];

describe('Kaplan–Meier', () => {
  it('matches R survfit (log-log interval, Greenwood) point by point', () => {
    const curve = kaplanMeier(time, event);
    expect(curve.points).toHaveLength(r.length);
    curve.points.forEach((p, i) => {
      const [t, risk, d, s, lower, upper, se] = r[i] as number[];
      expect([p.time, p.atRisk, p.events]).toEqual([t, risk, d]);
      expect(p.survival).toBeCloseTo(s as number, 12);
      expect(p.stdErrLog).toBeCloseTo(se as number, 12);
      expect(p.lower).toBeCloseTo(lower as number, 10);
      expect(p.upper).toBeCloseTo(upper as number, 10);
    });
    expect(curve.median).toBe(8);
    expect([curve.units, curve.events, curve.censored]).toEqual([14, 8, 6]);
    expect(survivalAt(curve, 0.5)).toBe(1);
    expect(survivalAt(curve, 9.9)).toBeCloseTo(0.4274582560296847, 12);
  });

  it("takes R's median where S is exactly one half", () => {
    expect(kaplanMeier([1, 2, 3, 4], [true, true, false, false]).median).toBe(2);
    expect(kaplanMeier([1, 2, 3, 4, 5, 6], [true, true, true, false, true, false]).median).toBe(4);
    expect(kaplanMeier([1, 2], [false, false]).median).toBeNull();
    expect(kaplanMeier([], []).points).toEqual([]);
  });

  it('has no interval where S reaches 0', () => {
    const curve = kaplanMeier([1, 2], [true, true]);
    expect(curve.points.at(-1)?.survival).toBe(0);
    expect(curve.points.at(-1)?.lower).toBeNull();
  });
});
