/**
 * Lead scoring's pieces on hand-made data (docs/scoring.md): who is a lead at a time and whether it converts within
 * the window, each feature as of that time (counted by hand), the encoding, folds that keep a person's rows
 * together, and explanations that add up to the score for both kinds of model.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  type FeatureFrame,
  groupedFolds,
  learnFrameEncoder,
} from '../../src/analysis/scoring/features.js';
import {
  eligibleLeads,
  firstEntry,
  isCount,
  type LeadInputs,
  leadFeatures,
  outcomes,
  planFeatures,
} from '../../src/analysis/scoring/lead-features.js';
import { explainRow, fitScorer, scoreFrame, trainScorer } from '../../src/analysis/scoring/train-model.js';
import { mulberry32 } from '../../src/stats/random.js';
import type { DictionaryColumn } from '../../src/store/event-columns.js';
import { bankMarketingFrame } from '../helpers/bank-marketing.js';

const day = 86_400_000_000;

/** Rows of persons (already in person, time order) as the store hands them over. */
function inputs(
  rows: {
    person: number;
    day: number;
    event: string;
    channel?: string;
    path?: string;
    stage?: string;
    amount?: string;
    /** On identify rows: the plan trait they set. */
    plan?: string;
  }[],
): LeadInputs {
  const names = [...new Set(rows.map((r) => r.event))].sort();
  const persons = Math.max(...rows.map((r) => r.person)) + 1;
  const personStarts = new Int32Array(persons + 1);
  for (const r of rows) personStarts[r.person + 1] = (personStarts[r.person + 1] as number) + 1;
  for (let p = 0; p < persons; p += 1)
    personStarts[p + 1] = (personStarts[p + 1] as number) + (personStarts[p] as number);
  const dictionary = (values: (string | null | undefined)[]): DictionaryColumn => {
    const levels: (string | null)[] = [null, ...[...new Set(values.filter((v): v is string => typeof v === 'string'))]];
    return { codes: Int32Array.from(values, (v) => (typeof v === 'string' ? levels.indexOf(v) : 0)), values: levels };
  };
  return {
    columns: {
      eventCount: rows.length,
      personCount: persons,
      personStarts,
      tsUs: Float64Array.from(rows, (r) => r.day * day),
      eventCode: Int32Array.from(rows, (r) => names.indexOf(r.event)),
      eventNames: names,
    },
    entryRows: Uint8Array.from(rows, (r) => (r.event === 'Signed Up' ? 1 : 0)),
    targetRows: Uint8Array.from(rows, (r) => (r.event === 'Demo Requested' ? 1 : 0)),
    channel: dictionary(rows.map((r) => r.channel)),
    device: dictionary(rows.map(() => null)),
    country: dictionary(rows.map(() => null)),
    path: dictionary(rows.map((r) => r.path)),
    stage: dictionary(rows.map((r) => r.stage)),
    amount: dictionary(rows.map((r) => r.amount)),
    traits: [{ name: 'plan', values: dictionary(rows.map((r) => (r.event === '$identify' ? r.plan : undefined))) }],
  };
}

// Person 0: lands from Paid Search on day 1, signs up on day 2 (plan pro), views /pricing twice, requests a demo on
// day 15, moves to plan team on day 10.
// Person 1: Organic, signs up on day 5 (plan free), a deal enters "qualified" on day 8, nothing else.
// Person 2: signs up on day 9 (after the as-of time 8.5).
// Person 3: signed up on day 1 and requested a demo on day 3 (converted before).
// Person 4: never signs up.
const data = inputs([
  { person: 0, day: 1, event: '$pageview', channel: 'Paid Search', path: '/' },
  { person: 0, day: 2, event: 'Signed Up' },
  { person: 0, day: 2, event: '$identify', plan: 'pro' },
  { person: 0, day: 3, event: '$pageview', path: '/pricing' },
  { person: 0, day: 7, event: '$pageview', path: '/pricing' },
  { person: 0, day: 10, event: '$identify', plan: 'team' },
  { person: 0, day: 15, event: 'Demo Requested' },
  { person: 1, day: 5, event: '$pageview', channel: 'Organic Search', path: '/' },
  { person: 1, day: 5, event: 'Signed Up' },
  { person: 1, day: 5, event: '$identify', plan: 'free' },
  { person: 1, day: 8, event: '$deal_stage', stage: 'qualified', amount: '5000' },
  { person: 2, day: 9, event: 'Signed Up' },
  { person: 3, day: 1, event: 'Signed Up' },
  { person: 3, day: 3, event: 'Demo Requested' },
  { person: 4, day: 2, event: '$pageview', path: '/' },
]);

describe('leads at a time', () => {
  const entries = firstEntry(data);
  const asOf = 8.5 * day;

  it('takes those who entered in the look-back and have not converted, and their outcome in the window', () => {
    expect(Array.from(entries)).toEqual([2 * day, 5 * day, 9 * day, 1 * day, Number.NaN]);
    const leads = eligibleLeads(data, entries, asOf, 90 * day);
    expect(Array.from(leads)).toEqual([0, 1]);
    expect(Array.from(outcomes(data, leads, asOf, 7 * day))).toEqual([1, 0]); // day 15 ≤ 8.5 + 7
    expect(Array.from(outcomes(data, leads, asOf, 6 * day))).toEqual([0, 0]); // day 15 > 14.5
    // A look-back of 5 days leaves person 0 (entered 6.5 days before) out.
    expect(Array.from(eligibleLeads(data, entries, asOf, 5 * day))).toEqual([1]);
  });

  it('reads every feature as of the time, counted by hand', () => {
    const leads = eligibleLeads(data, entries, asOf, 90 * day);
    const plan = planFeatures(data, [{ asOfUs: asOf, persons: leads }]);
    // $pageview (both leads) and Signed Up (both) — not $identify, not $deal_stage, not the later Demo Requested.
    expect(plan.countEvents).toEqual(['$pageview', 'Signed Up']);
    expect(plan.pagePaths).toEqual(['/', '/pricing']);
    expect(plan.traits).toEqual([{ name: 'plan', kind: 'categorical' }]);
    const frame = leadFeatures(data, plan, entries, leads, asOf);
    const row = (name: string) => Array.from(frame.numeric.get(name) ?? []);
    expect(row('days since entry')).toEqual([6.5, 3.5]);
    expect(row('days since first seen')).toEqual([7.5, 3.5]);
    expect(row('days since last event')).toEqual([1.5, 3.5]); // the deal stage change is not behaviour
    expect(row('events in last 7 days')).toEqual([3, 2]); // days 2, 2 (identify left out), 3, 7 → 2, 3, 7
    expect(row('events in last 30 days')).toEqual([4, 2]);
    expect(row('active days in last 30')).toEqual([4, 1]);
    expect(row('count: $pageview')).toEqual([3, 1]);
    expect(row('page views: /pricing')).toEqual([2, 0]);
    expect(row('deal amount')).toEqual([Number.NaN, 5000]);
    // A deal without an amount has none (not 0).
    const noAmount = inputs([
      { person: 0, day: 1, event: 'Signed Up' },
      { person: 0, day: 2, event: '$deal_stage', stage: 'lead' },
    ]);
    const one = Int32Array.of(0);
    expect(
      Array.from(leadFeatures(noAmount, plan, firstEntry(noAmount), one, 3 * day).numeric.get('deal amount') ?? []),
    ).toEqual([Number.NaN]);
    expect(row('days in deal stage')).toEqual([Number.NaN, 0.5]);
    expect(frame.categorical.get('channel')).toEqual(['Paid Search', 'Organic Search']);
    expect(frame.categorical.get('deal stage')).toEqual(['(none)', 'qualified']);
    // As the identify calls up to then set it: person 0's move to team (day 10) is not seen at 8.5.
    expect(frame.categorical.get('trait: plan')).toEqual(['pro', 'free']);
    expect(leadFeatures(data, plan, entries, leads, 10 * day).categorical.get('trait: plan')).toEqual(['team', 'free']);
  });
});

describe('encoding and folds', () => {
  it('standardises (counts on a log scale), one-hot against the most frequent level, pools rare levels', () => {
    const levels = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const frame: FeatureFrame = {
      rows: 4,
      numeric: new Map([
        ['count: x', Float64Array.from([0, 1, 3, Number.NaN])],
        ['amount', Float64Array.from([10, 20, 30, 40])],
      ]),
      categorical: new Map([['channel', ['b', 'a', 'b', null]]]),
    };
    const encoder = learnFrameEncoder(frame, isCount);
    const logs = [0, Math.log(2), Math.log(4)];
    const mean = logs.reduce((s, v) => s + v, 0) / 3;
    const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / 3);
    expect(encoder.numeric[0]).toMatchObject({ name: 'count: x', log: true });
    expect(encoder.numeric[0]?.mean).toBeCloseTo(mean, 12);
    expect(encoder.numeric[0]?.sd).toBeCloseTo(sd, 12);
    expect(encoder.columns).toEqual(['count: x', 'amount', 'channel=(missing)', 'channel=a']);
    const x = encodeFrame(encoder, frame);
    expect(x[0]).toBeCloseTo((0 - mean) / sd, 12);
    expect(x[3 * 4]).toBe(0); // missing → the mean
    expect(Array.from(x.subarray(2, 4))).toEqual([0, 0]); // b, the reference
    expect(Array.from(x.subarray(6, 8))).toEqual([0, 1]); // a
    const wide: FeatureFrame = { rows: 60, numeric: new Map(), categorical: new Map([['c', [...levels, ...levels]]]) };
    const pooled = learnFrameEncoder(wide, isCount);
    expect(pooled.categorical[0]?.levels.length).toBe(20);
    expect(pooled.categorical[0]?.levels.at(-1)).toBe('(other)');
  });

  it("keeps a person's rows in one fold and spreads converting persons over the folds", () => {
    const groups = Int32Array.from({ length: 500 }, (_, i) => i % 100);
    const y = Uint8Array.from(groups, (g) => (g < 20 ? 1 : 0));
    const folds = groupedFolds(groups, y, 5, 3);
    const foldOf = new Map<number, number>();
    groups.forEach((g, i) => {
      if (foldOf.has(g)) expect(folds[i]).toBe(foldOf.get(g));
      foldOf.set(g, folds[i] as number);
    });
    for (let f = 0; f < 5; f += 1) {
      expect([...foldOf].filter(([g, fold]) => g < 20 && fold === f).length).toBe(4);
    }
  });
});

describe('models', () => {
  // 3,000 leads: the outcome depends on a count and a channel, not on a noise column.
  const uniform = mulberry32(5);
  const n = 3000;
  const count = Float64Array.from({ length: n }, () => Math.floor(uniform() * 6));
  const noise = Float64Array.from({ length: n }, () => uniform());
  const channel = Array.from({ length: n }, () => (uniform() < 0.3 ? 'Paid Social' : 'Referral'));
  const y = Uint8Array.from({ length: n }, (_, i) => {
    const z = -2 + 0.6 * (count[i] as number) - 1.5 * (channel[i] === 'Paid Social' ? 1 : 0);
    return uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  });
  const frame: FeatureFrame = {
    rows: n,
    numeric: new Map([
      ['count: Activated', count],
      ['noise', noise],
    ]),
    categorical: new Map([['channel', channel]]),
  };

  it('explain each row exactly: baseline + contributions = log-odds, for both kinds', () => {
    const encoder = learnFrameEncoder(frame, isCount);
    const x = encodeFrame(encoder, frame);
    for (const kind of ['logistic regression', 'gradient boosting'] as const) {
      const scorer = fitScorer(kind, encoder, x, y);
      const scores = scoreFrame(scorer, frame);
      for (const row of [0, 17, 512, 2999]) {
        const e = explainRow(scorer, frame, row);
        expect(e.baseline + e.contributions.reduce((s, c) => s + c.contribution, 0), kind).toBeCloseTo(e.logOdds, 9);
        expect(e.score, kind).toBeCloseTo(scores[row] as number, 9);
        expect(e.contributions.map((c) => c.feature).sort()).toEqual(['channel', 'count: Activated', 'noise']);
      }
    }
  });

  it('choose by log loss, and rank the drivers above the noise', () => {
    const groups = Int32Array.from({ length: n }, (_, i) => i);
    const { scorer, evaluation } = trainScorer(frame, y, groups, { seed: 1, logScale: isCount });
    const [lr, gb] = evaluation.models;
    expect(evaluation.chosen).toBe((lr?.logLoss as number) <= (gb?.logLoss as number) ? lr?.model : gb?.model);
    expect(scorer.kind).toBe(evaluation.chosen);
    expect(evaluation.importance.map((f) => f.feature).at(-1)).toBe('noise');
    const paidSocial = channel.indexOf('Paid Social');
    const contribution = explainRow(scorer, frame, paidSocial).contributions.find((c) => c.feature === 'channel');
    expect(contribution?.contribution).toBeLessThan(0);
  });
});

describe('the choice on UCI bank marketing', () => {
  it('picks the boosted trees by log loss: AUC ≥ 0.79, calibrated, logistic regression below', () => {
    // Shuffled stratified 5-fold CV (each row its own group), `duration` left out: the issue's protocol, through the
    // product's own training. scikit-learn on this protocol: logistic 0.77, histogram boosting 0.80.
    const { frame, y } = bankMarketingFrame();
    const groups = Int32Array.from({ length: frame.rows }, (_, i) => i);
    const { evaluation } = trainScorer(frame, y, groups, { seed: 42, logScale: () => false, folds: 5 });
    const [lr, gb] = evaluation.models;
    expect(evaluation.chosen).toBe('gradient boosting');
    expect(gb?.auc).toBeGreaterThanOrEqual(0.79);
    expect(gb?.calibrationError).toBeLessThanOrEqual(0.02);
    expect(lr?.auc).toBeGreaterThan(0.74);
    expect(lr?.auc).toBeLessThan(gb?.auc as number);
    console.info(
      `bank marketing: ${evaluation.models.map((m) => `${m.model} AUC ${m.auc.toFixed(4)} log loss ${m.logLoss.toFixed(4)} ECE ${m.calibrationError.toFixed(4)}`).join('; ')}`,
    );
  }, 240_000);
});
