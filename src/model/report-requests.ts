import { type AlertChannel, type AlertRuleDefinition, scheduleError } from '../analysis/alerts/alerts.js';
import type { AttributionSpec } from '../analysis/attribution/run-attribution.js';
import { utcDayMs } from '../analysis/calendar.js';
import type { CohortsSpec } from '../analysis/cohorts/run-cohorts.js';
import type { DiagnoseSpec } from '../analysis/diagnose/run-diagnose.js';
import { landingPageBenchmarks, type PlanSpec } from '../analysis/experiments/plan.js';
import type { ExperimentSpec } from '../analysis/experiments/run-experiment.js';
import type { ForecastSpec } from '../analysis/forecast/run-forecast.js';
import type { PipelineForecastSpec } from '../analysis/forecast/run-pipeline-forecast.js';
import { type GoalDefinition, type GoalMetric, type GoalStatus, goalMetrics } from '../analysis/goals/goals.js';
import type { KpiSpec } from '../analysis/kpi/run-kpi.js';
import type { AnomaliesSpec } from '../analysis/monitoring/run-anomalies.js';
import type { PathsSpec } from '../analysis/paths/run-paths.js';
import type { PipelineDimension, PipelineSpec } from '../analysis/pipeline/run-pipeline.js';
import type { ScoreApplySpec, ScoreExplainSpec, ScoreTrainSpec } from '../analysis/scoring/run-scoring.js';
import { defaultAnomalyOptions } from '../stats/anomaly.js';
import { defaultDimensions } from './diagnose-dimensions.js';
import { FunnelscopeError } from './errors.js';
import {
  type FunnelDefinition,
  parseFunnelDefinition,
  secondsPerUnit,
  type WindowUnit,
  windowUnits,
} from './funnel-definition.js';
import { parseStageMap } from './funnel-stages.js';

/**
 * The options of the diagnose, paths and cohorts reports, read the same way from CLI flags (strings) and from the
 * JSON API (numbers, booleans, arrays), so the two give the same report for the same request. `name(key)` is how
 * an error names the field: `--min-units` for the CLI, `minUnits` for the API.
 */
export type RequestValues = Record<string, unknown>;
export type FieldName = (key: string) => string;

/** CLI flags: `minUnits` → `--min-units`. */
export const flagName: FieldName = (key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
/** JSON API: the key itself. */
export const jsonName: FieldName = (key) => key;

function bad(name: FieldName, key: string, expected: string, got: unknown): FunnelscopeError {
  return new FunnelscopeError('invalid_argument', `${name(key)}: expected ${expected}, got ${JSON.stringify(got)}`, {
    field: name(key),
  });
}

function numberOf(
  values: RequestValues,
  key: string,
  name: FieldName,
  fallback: number,
  ok: (n: number) => boolean,
  expected: string,
): number {
  const raw = values[key];
  if (raw === undefined || raw === null) return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!ok(n)) throw bad(name, key, expected, raw);
  return n;
}

const integerIn =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (n: number) =>
    Number.isInteger(n) && n >= min && n <= max;

function stringOf(values: RequestValues, key: string, name: FieldName): string | null {
  const raw = values[key];
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string' || raw === '') throw bad(name, key, 'a non-empty string', raw);
  return raw;
}

/** A YYYY-MM-DD day, checked (null when not given). */
function dayOf(values: RequestValues, key: string, name: FieldName): string | null {
  const day = stringOf(values, key, name);
  if (day !== null) utcDayMs(day, name(key));
  return day;
}

function booleanOf(values: RequestValues, key: string, name: FieldName): boolean {
  const raw = values[key];
  if (raw === undefined || raw === null) return false;
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw bad(name, key, 'true or false', raw);
}

function choiceOf<T extends string>(
  values: RequestValues,
  key: string,
  name: FieldName,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = values[key];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw bad(name, key, choices.join(' or '), raw);
  }
  return raw as T;
}

/** A list given as an array, or as comma-separated text (repeated CLI flags give an array of such texts). */
function listOf(values: RequestValues, key: string, name: FieldName): string[] | null {
  const raw = values[key];
  if (raw === undefined || raw === null) return null;
  const parts = (Array.isArray(raw) ? raw : [raw]).map((part) => {
    if (typeof part !== 'string') throw bad(name, key, 'NAME[,NAME…] or a list of names', raw);
    return part;
  });
  const names = parts
    .flatMap((p) => p.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw bad(name, key, 'NAME[,NAME…] or a list of names', raw);
  return names;
}

/** `30m`, `2h`, `7d`, `1w` or `N second|minute|hour|day|week|month(s)` → seconds. */
export function parseDuration(text: string, field: string): number {
  const short: Record<string, WindowUnit> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$/.exec(text.toLowerCase());
  const unit = match ? (short[match[2] as string] ?? (match[2] as WindowUnit)) : undefined;
  const amount = match ? Number(match[1]) : Number.NaN;
  if (!unit || !(windowUnits as readonly string[]).includes(unit) || !(amount > 0)) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${field}: expected an amount and a unit (30m, 2h, 7d, 1w, "3 days"), got "${text}"`,
      { field },
    );
  }
  return amount * secondsPerUnit[unit];
}

/** `funnelscope diagnose` / `POST /api/diagnose` (docs/diagnose.md). */
export function diagnoseSpec(definition: FunnelDefinition, values: RequestValues, name: FieldName): DiagnoseSpec {
  if (definition.steps.length < 2) {
    throw new FunnelscopeError('invalid_definition', 'steps: a diagnosis needs at least two steps', { field: 'steps' });
  }
  const dimensions = [
    ...new Set([...(listOf(values, 'dimensions', name) ?? defaultDimensions), ...(listOf(values, 'add', name) ?? [])]),
  ];
  return {
    definition,
    dimensions,
    pairs: booleanOf(values, 'pairs', name),
    alpha: numberOf(values, 'alpha', name, 0.05, (n) => n > 0 && n < 1, 'a number between 0 and 1'),
    minUnits: numberOf(values, 'minUnits', name, 30, integerIn(1), 'a positive integer'),
    top: numberOf(values, 'top', name, 10, integerIn(1), 'a positive integer'),
    insteadDepth: numberOf(values, 'insteadDepth', name, 3, integerIn(1, 10), 'an integer from 1 to 10'),
    insteadTop: numberOf(values, 'insteadTop', name, 5, integerIn(1), 'a positive integer'),
    period: choiceOf(values, 'period', name, ['week', 'month'] as const, 'month'),
    recentPeriods: numberOf(values, 'recentPeriods', name, 6, integerIn(3), 'an integer of at least 3'),
  };
}

/** `funnelscope paths` / `/api/paths` (docs/paths.md). */
export function pathsSpec(values: RequestValues, name: FieldName): PathsSpec {
  const from = stringOf(values, 'from', name);
  const to = stringOf(values, 'to', name);
  if ((from === null) === (to === null)) {
    throw new FunnelscopeError('invalid_argument', 'paths: give exactly one of --from EVENT and --to EVENT', {
      field: name('from'),
    });
  }
  const window = stringOf(values, 'window', name);
  return {
    from,
    to,
    depth: numberOf(values, 'depth', name, 5, integerIn(1, 10), 'an integer from 1 to 10'),
    windowSeconds: window === null ? null : parseDuration(window, name('window')),
    exclude: listOf(values, 'exclude', name) ?? [],
    pagePaths: booleanOf(values, 'pagePaths', name),
    collapseRepeats: !booleanOf(values, 'repeats', name),
    identityCalls: booleanOf(values, 'identityCalls', name),
    top: numberOf(values, 'top', name, 20, integerIn(1, 10_000), 'an integer from 1 to 10000'),
    maxNodesPerPosition: numberOf(values, 'nodes', name, 10, integerIn(1, 1000), 'an integer from 1 to 1000'),
    dateFrom: stringOf(values, 'dateFrom', name),
    dateTo: stringOf(values, 'dateTo', name),
  };
}

/** `funnelscope cohorts` / `POST /api/cohorts` (docs/cohorts.md). */
export function cohortsSpec(definition: FunnelDefinition, values: RequestValues, name: FieldName): CohortsSpec {
  const periods = ['day', 'week', 'month'] as const;
  const period = choiceOf(values, 'period', name, periods, 'week');
  const retention = stringOf(values, 'retention', name);
  const retentionPeriods = numberOf(values, 'retentionPeriods', name, 8, integerIn(1, 60), 'an integer from 1 to 60');
  const retentionPeriod = choiceOf(values, 'retentionPeriod', name, periods, period);
  const retentionFrom = choiceOf(values, 'retentionFrom', name, ['entry', 'conversion'] as const, 'entry');
  return {
    definition,
    period,
    property: stringOf(values, 'property', name),
    retention: retention
      ? { event: retention, periods: retentionPeriods, period: retentionPeriod, from: retentionFrom }
      : null,
  };
}

const kpiDimensions = ['channel', 'campaign', 'month', 'channel-month', 'total'] as const;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A fraction in [0, 1], or null when not given. */
function fractionOf(values: RequestValues, key: string, name: FieldName): number | null {
  if (values[key] === undefined || values[key] === null) return null;
  return numberOf(values, key, name, 0, (n) => Number.isFinite(n) && n >= 0 && n <= 1, 'a fraction between 0 and 1');
}

/** Name → number entries (`{ "EUR": 1.08 }`, or `[{ name, value }]`). */
function numbersOf(values: RequestValues, key: string, name: FieldName): [string, number][] | null {
  const raw = values[key];
  if (raw === undefined || raw === null) return null;
  const entries = Array.isArray(raw)
    ? raw.map((e) => [(e as { name?: unknown })?.name, (e as { value?: unknown })?.value])
    : typeof raw === 'object'
      ? Object.entries(raw as Record<string, unknown>)
      : null;
  if (!entries || entries.some(([n, v]) => typeof n !== 'string' || typeof v !== 'number' || !Number.isFinite(v))) {
    throw bad(name, key, 'names with numbers ({ "NAME": NUMBER } or [{ name, value }])', raw);
  }
  return entries as [string, number][];
}

/**
 * `funnelscope kpi` / `/api/kpi` (docs/metrics.md). `rates` and `benchmarks` are name → number entries (the CLI
 * reads them from its CSV files first); the period defaults to the 90 days up to `todayMs`.
 */
export function kpiSpec(project: string, values: RequestValues, name: FieldName, todayMs: number): KpiSpec {
  const by = choiceOf(values, 'by', name, kpiDimensions, 'channel');
  const to = stringOf(values, 'to', name) ?? isoDay(todayMs);
  const from = stringOf(values, 'from', name) ?? isoDay(utcDayMs(to, name('to')) - 89 * 86_400_000);
  utcDayMs(from, name('from'));
  const currency = stringOf(values, 'currency', name);
  const rates = numbersOf(values, 'rates', name);
  const benchmarks = numbersOf(values, 'benchmarks', name);
  const churn = fractionOf(values, 'monthlyChurn', name);
  const margin = fractionOf(values, 'grossMargin', name);
  return {
    project,
    from,
    to,
    by,
    ...(currency ? { currency: currency.toUpperCase() } : {}),
    ...(rates ? { rates: Object.fromEntries(rates) } : {}),
    grossMargin: margin ?? 1,
    monthlyChurn: churn,
    revenuePeriod: choiceOf(values, 'revenuePeriod', name, ['once', 'month', 'year'] as const, 'once'),
    minCount: numberOf(values, 'minCount', name, 10, integerIn(1), 'a positive integer'),
    ...(benchmarks ? { benchmarks: benchmarks.map(([n, value]) => ({ name: n, value })) } : {}),
  };
}

/** `funnelscope pipeline` / `/api/pipeline` (docs/metrics.md); "now" is the end of `asOf`, else `nowMs`. */
export function pipelineSpec(project: string, values: RequestValues, name: FieldName, nowMs: number): PipelineSpec {
  const by = stringOf(values, 'by', name);
  if (by !== null && !['owner', 'pipeline', 'channel', 'month'].includes(by) && !/^property:.+/.test(by)) {
    throw bad(name, 'by', 'owner, pipeline, channel, month or property:NAME', by);
  }
  const asOf = stringOf(values, 'asOf', name);
  const stageMap = values.stageMap;
  const stages = listOf(values, 'stages', name);
  return {
    project,
    asOf: new Date(asOf === null ? nowMs : utcDayMs(asOf, name('asOf')) + 86_400_000 - 1),
    by: by as PipelineDimension | null,
    minCount: numberOf(values, 'minCount', name, 10, integerIn(1), 'a positive integer'),
    ...(stageMap === undefined || stageMap === null
      ? {}
      : {
          stageMap: parseStageMap(
            typeof stageMap === 'string'
              ? stageMap
              : Object.entries(stageMap as Record<string, unknown>)
                  .map(([k, v]) => `${k}=${String(v)}`)
                  .join(','),
          ),
        }),
    ...(stages ? { stages } : {}),
  };
}

/** A duration given as text (`30d`, `7 days`) or a number of `unit`s, in seconds. */
function durationOf(values: RequestValues, key: string, name: FieldName, fallback: string, unitSeconds: number) {
  const raw = values[key];
  if (typeof raw === 'number') {
    if (!(raw > 0)) throw bad(name, key, 'a positive amount', raw);
    return raw * unitSeconds;
  }
  const text = raw === undefined || raw === null ? fallback : raw;
  if (typeof text !== 'string') throw bad(name, key, 'a duration such as 30d', raw);
  return parseDuration(text, name(key));
}

/** `40/20/40` (percent, first/middle/last; the middle share is what is left). */
function positionSharesOf(values: RequestValues, name: FieldName): { first: number; last: number } {
  const raw = values.positionBased;
  if (raw === undefined || raw === null) return { first: 0.4, last: 0.4 };
  const parts = typeof raw === 'string' ? raw.split('/').map((p) => Number(p.trim())) : [];
  const [first, middle, last] = parts;
  if (
    parts.length !== 3 ||
    !parts.every((p) => Number.isFinite(p) && p >= 0) ||
    Math.abs((first as number) + (middle as number) + (last as number) - 100) > 1e-9
  ) {
    throw bad(name, 'positionBased', 'first/middle/last percentages summing to 100, e.g. 40/20/40', raw);
  }
  return { first: (first as number) / 100, last: (last as number) / 100 };
}

/** `funnelscope attribution` / `/api/attribution` (docs/attribution.md). */
export function attributionSpec(project: string, values: RequestValues, name: FieldName): AttributionSpec {
  const conversion = stringOf(values, 'conversion', name);
  if (conversion === null) throw bad(name, 'conversion', 'an event name or deal_won', values.conversion);
  const from = stringOf(values, 'from', name);
  const to = stringOf(values, 'to', name);
  if (from !== null) utcDayMs(from, name('from'));
  if (to !== null) utcDayMs(to, name('to'));
  const currency = stringOf(values, 'currency', name);
  const rates = numbersOf(values, 'rates', name);
  const position = positionSharesOf(values, name);
  return {
    project,
    conversion: conversion === 'deal_won' ? { kind: 'deal_won' } : { kind: 'event', event: conversion },
    lookbackDays: durationOf(values, 'lookback', name, '30d', 86_400) / 86_400,
    sessionGapMinutes: durationOf(values, 'sessionGap', name, '30m', 60) / 60,
    halfLifeDays: durationOf(values, 'halfLife', name, '7d', 86_400) / 86_400,
    from,
    to,
    positionFirst: position.first,
    positionLast: position.last,
    markovOrder: numberOf(values, 'markovOrder', name, 1, integerIn(1, 4), 'an order from 1 to 4'),
    bootstrap: numberOf(values, 'bootstrap', name, 100, integerIn(0, 10_000), 'a number of replicates, 0 to 10000'),
    seed: numberOf(values, 'seed', name, 1, integerIn(0, 2 ** 31 - 1), 'a non-negative integer'),
    ...(currency ? { currency: currency.toUpperCase() } : {}),
    ...(rates ? { rates: Object.fromEntries(rates) } : {}),
  };
}

/** A rate as a fraction: `0.019`, or `1.9%`. */
function rateOf(values: RequestValues, key: string, name: FieldName, open = true): number | null {
  const raw = values[key];
  if (raw === undefined || raw === null) return null;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const percent = text.endsWith('%');
  const n = Number(percent ? text.slice(0, -1) : text) / (percent ? 100 : 1);
  if (!(Number.isFinite(n) && (open ? n > 0 && n < 1 : n > 0))) {
    throw bad(
      name,
      key,
      open ? 'a rate between 0 and 1, or a percentage such as 2.35%' : 'a positive share such as 20%',
      raw,
    );
  }
  return n;
}

/** `funnelscope experiment plan` (docs/experiments.md). */
export function experimentPlanSpec(values: RequestValues, name: FieldName): PlanSpec {
  const baseline = rateOf(values, 'baseline', name);
  if (baseline === null) throw bad(name, 'baseline', 'the control conversion rate, e.g. 1.9%', values.baseline);
  const target = rateOf(values, 'target', name);
  const mde = rateOf(values, 'mde', name, false);
  const benchmark = choiceOf(
    values,
    'benchmark',
    name,
    ['landing-average', 'landing-top-quartile'] as const,
    'landing-average',
  );
  const given = [target !== null, mde !== null, values.benchmark !== undefined && values.benchmark !== null].filter(
    Boolean,
  );
  if (given.length > 1) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${name('target')}: give one of ${name('target')}, ${name('mde')} or ${name('benchmark')}`,
      {
        field: name('target'),
      },
    );
  }
  const chosen =
    target ??
    (mde !== null
      ? baseline * (1 + mde)
      : (landingPageBenchmarks[benchmark === 'landing-average' ? 0 : 1] as { value: number }).value);
  if (!(chosen > 0 && chosen < 1)) throw bad(name, mde !== null ? 'mde' : 'target', 'a target rate below 100%', chosen);
  const traffic = values.traffic;
  return {
    baseline,
    target: chosen,
    alpha: numberOf(values, 'alpha', name, 0.05, (n) => n > 0 && n < 0.5, 'a significance level between 0 and 0.5'),
    power: numberOf(values, 'power', name, 0.8, (n) => n > 0.5 && n < 1, 'a power between 0.5 and 1'),
    arms: numberOf(values, 'arms', name, 2, integerIn(2, 20), 'a number of arms from 2 to 20'),
    trafficPerDay:
      traffic === undefined || traffic === null
        ? null
        : numberOf(values, 'traffic', name, 0, (n) => Number.isFinite(n) && n > 0, 'units per day above 0'),
  };
}

/** `funnelscope experiment ID --goal EVENT` / `/api/experiments/:id` (docs/experiments.md). */
export function experimentSpec(
  project: string,
  experiment: string,
  values: RequestValues,
  name: FieldName,
): ExperimentSpec {
  if (experiment.trim() === '') throw bad(name, 'experiment', 'an experiment id', experiment);
  const goal = stepOf(values, 'goal', name);
  const split = numbersOf(values, 'split', name);
  return {
    project,
    experiment,
    goal,
    windowDays: durationOf(values, 'window', name, '14d', 86_400) / 86_400,
    control: stringOf(values, 'control', name),
    property: stringOf(values, 'property', name),
    includeMultiple: booleanOf(values, 'includeMultiple', name),
    alpha: numberOf(values, 'alpha', name, 0.05, (n) => n > 0 && n < 0.5, 'a significance level between 0 and 0.5'),
    tau: rateOf(values, 'tau', name, false) ?? 0.01,
    correction: choiceOf(values, 'correction', name, ['holm', 'bh'] as const, 'holm'),
    split: split ? Object.fromEntries(split) : null,
    funnel: funnelOf(values, name),
  };
}

/**
 * A step as a request gives it: an event name, `deal: STAGE` (a deal entering that stage), or a funnel step as JSON
 * (text or an object), checked by the funnel schema.
 */
function stepOf(
  values: RequestValues,
  key: string,
  name: FieldName,
  fallback?: string,
): string | Record<string, unknown> {
  const raw = values[key] ?? fallback;
  const expected = `an event, e.g. "Signed Up", a deal stage as "deal: won", or a step such as {"event": "$pageview", "filters": [...]}`;
  let step: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') throw bad(name, key, expected, raw);
    const deal = /^deal:\s*(.+)$/.exec(raw.trim());
    if (deal) {
      return {
        name: raw.trim(),
        event: '$deal_stage',
        filters: [{ property: 'stage', op: 'eq', value: (deal[1] as string).trim() }],
      };
    }
    if (!raw.trim().startsWith('{')) return raw;
    try {
      step = JSON.parse(raw);
    } catch {
      throw bad(name, key, expected, raw);
    }
  }
  if (typeof step !== 'object' || step === null || Array.isArray(step)) throw bad(name, key, expected, raw);
  try {
    parseFunnelDefinition({ steps: [step] });
  } catch (e) {
    throw new FunnelscopeError('invalid_argument', `${name(key)}: ${(e as Error).message}`, { field: name(key) });
  }
  return step as Record<string, unknown>;
}

/** A funnel definition given with a request (JSON text or an object), checked now so a bad one is named at once. */
function funnelOf(values: RequestValues, name: FieldName, key = 'funnel'): Record<string, unknown> | null {
  const raw = values[key];
  if (raw === undefined || raw === null) return null;
  let definition: unknown = raw;
  if (typeof raw === 'string') {
    try {
      definition = JSON.parse(raw);
    } catch {
      throw bad(name, key, 'a funnel definition (JSON)', raw);
    }
  }
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw bad(name, key, 'a funnel definition (JSON object)', raw);
  }
  parseFunnelDefinition(definition);
  return definition as Record<string, unknown>;
}

/** `funnelscope forecast` / `/api/forecast` (docs/forecasting.md). */
export function forecastSpec(project: string, values: RequestValues, name: FieldName): ForecastSpec {
  const metric = choiceOf(values, 'metric', name, ['revenue', 'deals_won', 'leads', 'conversions'] as const, 'revenue');
  const currency = stringOf(values, 'currency', name);
  const rates = numbersOf(values, 'rates', name);
  return {
    project,
    metric,
    event: stringOf(values, 'event', name),
    by: choiceOf(values, 'by', name, ['month', 'week'] as const, 'month'),
    horizon: numberOf(values, 'horizon', name, 6, integerIn(1, 60), 'a number of periods from 1 to 60'),
    backtest: numberOf(values, 'backtest', name, 6, integerIn(0, 60), 'a number of origins from 0 to 60'),
    ...(currency ? { currency: currency.toUpperCase() } : {}),
    ...(rates ? { rates: Object.fromEntries(rates) } : {}),
  };
}

/** `funnelscope forecast pipeline` / `/api/forecast/pipeline` (docs/forecasting.md). */
export function pipelineForecastSpec(project: string, values: RequestValues, name: FieldName): PipelineForecastSpec {
  const asOf = dayOf(values, 'asOf', name);
  const currency = stringOf(values, 'currency', name);
  const rates = numbersOf(values, 'rates', name);
  return {
    project,
    asOf,
    months: numberOf(values, 'months', name, 3, integerIn(1, 24), 'a number of months from 1 to 24'),
    simulations: numberOf(
      values,
      'simulations',
      name,
      10_000,
      integerIn(100, 1_000_000),
      'simulations from 100 to 1,000,000',
    ),
    seed: numberOf(values, 'seed', name, 1, integerIn(0, 2 ** 31 - 1), 'a non-negative integer'),
    backtest: numberOf(values, 'backtest', name, 6, integerIn(0, 60), 'a number of months from 0 to 60'),
    ...(currency ? { currency: currency.toUpperCase() } : {}),
    ...(rates ? { rates: Object.fromEntries(rates) } : {}),
  };
}

const modelNameOf = (values: RequestValues, name: FieldName) => {
  const model = stringOf(values, 'model', name) ?? 'default';
  if (!/^[\w.-]{1,64}$/.test(model))
    throw bad(name, 'model', 'a model name of letters, digits, _ . - (at most 64)', model);
  return model;
};

/** `funnelscope score train` / `POST /api/scores/train` (docs/scoring.md). */
export function scoreTrainSpec(project: string, values: RequestValues, name: FieldName): ScoreTrainSpec {
  const asOf = dayOf(values, 'asOf', name);
  if (values.target === undefined || values.target === null) {
    throw bad(name, 'target', 'the step a lead converts to, e.g. "deal: won" or "Demo Requested"', values.target);
  }
  return {
    project,
    model: modelNameOf(values, name),
    entry: stepOf(values, 'entry', name, 'Signed Up'),
    target: stepOf(values, 'target', name),
    windowDays: durationOf(values, 'window', name, '30d', 86_400) / 86_400,
    lookbackDays: durationOf(values, 'lookback', name, '90d', 86_400) / 86_400,
    snapshots: numberOf(values, 'snapshots', name, 8, integerIn(1, 104), 'a number of snapshots from 1 to 104'),
    everyDays: durationOf(values, 'every', name, '7d', 86_400) / 86_400,
    asOf,
    traits: listOf(values, 'traits', name),
    maxRows: numberOf(
      values,
      'maxRows',
      name,
      100_000,
      integerIn(100, 10_000_000),
      'a number of rows from 100 to 10,000,000',
    ),
    seed: numberOf(values, 'seed', name, 1, integerIn(0, 2 ** 31 - 1), 'a non-negative integer'),
  };
}

/** `funnelscope score apply` / `GET /api/scores` (docs/scoring.md). */
export function scoreApplySpec(project: string, values: RequestValues, name: FieldName): ScoreApplySpec {
  const asOf = dayOf(values, 'asOf', name);
  const trait = stringOf(values, 'trait', name) ?? 'lead_score';
  if (!/^[\w.-]{1,64}$/.test(trait))
    throw bad(name, 'trait', 'a trait name of letters, digits, _ . - (at most 64)', trait);
  return {
    project,
    model: modelNameOf(values, name),
    asOf,
    trait,
    top: numberOf(values, 'top', name, 20, integerIn(0, 100_000), 'a number of leads from 0 to 100,000'),
  };
}

/** `funnelscope score explain PERSON` / `GET /api/scores/people/:id` (docs/scoring.md). */
export function scoreExplainSpec(
  project: string,
  person: string,
  values: RequestValues,
  name: FieldName,
): ScoreExplainSpec {
  if (person.trim() === '') throw bad(name, 'person', 'a person id or one of its distinct ids', person);
  const asOf = dayOf(values, 'asOf', name);
  return { project, model: modelNameOf(values, name), person, asOf };
}

/**
 * `funnelscope anomalies` / `/api/anomalies` (docs/monitoring.md). `definition`: the funnel of the `funnel` metric,
 * parsed by the caller (the CLI reads a file or JSON; the API takes an object).
 */
export function anomaliesSpec(
  project: string,
  definition: FunnelDefinition | null,
  values: RequestValues,
  name: FieldName,
): AnomaliesSpec {
  const metric = choiceOf(
    values,
    'metric',
    name,
    ['conversions', 'leads', 'deals_won', 'spend', 'cac', 'funnel'] as const,
    definition ? 'funnel' : 'conversions',
  );
  if (metric === 'funnel' && !definition) {
    throw bad(name, 'definition', 'a funnel definition (the funnel metric judges its conversion)', null);
  }
  return {
    project,
    metric,
    event: stringOf(values, 'event', name),
    definition: metric === 'funnel' ? definition : null,
    days: numberOf(values, 'days', name, 30, integerIn(1, 3650), 'a number of days from 1 to 3,650'),
    options: {
      ...defaultAnomalyOptions,
      z: numberOf(
        values,
        'z',
        name,
        defaultAnomalyOptions.z,
        (n) => n >= 1 && n <= 10,
        'standard deviations from 1 to 10',
      ),
      minExpected: numberOf(
        values,
        'minExpected',
        name,
        defaultAnomalyOptions.minExpected,
        (n) => n >= 0,
        'a count of 0 or more',
      ),
      minTrials: numberOf(
        values,
        'minTrials',
        name,
        defaultAnomalyOptions.minTrials,
        integerIn(1, 1_000_000),
        'trials from 1',
      ),
    },
  };
}

/**
 * A goal as `funnelscope goals add` / `POST /api/goals` give it (docs/goals.md). Rates take 30% or 0.3; the direction
 * defaults to the metric's (at most for costs and spend, at least otherwise); `definition` is the funnel of a
 * `funnel_step` goal (JSON text or an object).
 */
export function goalDefinitionOf(values: RequestValues, name: FieldName): GoalDefinition {
  const goalName = stringOf(values, 'name', name);
  if (!goalName) throw bad(name, 'name', 'a name for the goal, e.g. "MQL → SQL"', values.name);
  const metric = choiceOf(values, 'metric', name, Object.keys(goalMetrics) as GoalMetric[], 'leads');
  const kind = goalMetrics[metric].kind;
  const target =
    kind === 'rate'
      ? rateOf(values, 'target', name, false)
      : numberOf(values, 'target', name, Number.NaN, (n) => Number.isFinite(n) && n >= 0, 'a number of 0 or more');
  if (target === null || Number.isNaN(target) || (kind === 'rate' && target > 1)) {
    throw bad(
      name,
      'target',
      kind === 'rate' ? 'a rate such as 30% or 0.3' : 'the target value, a number',
      values.target,
    );
  }
  let funnel: GoalDefinition['funnel'] = null;
  if (metric === 'funnel_step') {
    const definition = funnelOf(values, name, 'definition');
    if (!definition) throw bad(name, 'definition', 'the funnel whose step conversion is the goal', null);
    const steps = parseFunnelDefinition(definition).steps.length;
    const fromStep = numberOf(values, 'fromStep', name, 1, integerIn(1, steps - 1), `a step from 1 to ${steps - 1}`);
    const toStep = numberOf(
      values,
      'toStep',
      name,
      steps,
      integerIn(fromStep + 1, steps),
      `a step from ${fromStep + 1} to ${steps}`,
    );
    funnel = { definition, fromStep, toStep };
  }
  return {
    name: goalName,
    metric,
    target,
    direction: choiceOf(values, 'direction', name, ['at_least', 'at_most'] as const, goalMetrics[metric].direction),
    period: choiceOf(values, 'period', name, ['week', 'month', 'quarter'] as const, 'month'),
    channel: stringOf(values, 'channel', name),
    team: choiceOf(values, 'team', name, ['marketing', 'sales', 'shared'] as const, 'shared'),
    funnel,
  };
}

/**
 * An alert rule as `funnelscope alerts add` / `POST /api/alerts` give it (docs/alerts.md): `goal` (an id, with
 * `when`: the statuses that alert, default off-track) or an anomaly series (`metric`, `event`, `definition`,
 * `direction`: low, high or both, default low); `webhook` URLs (`slack` for Slack's payload), `email` addresses;
 * `schedule` (cron, UTC; default every day at 08:00). `digest`: the weekly digest instead of a condition (default
 * schedule Monday 08:00; `definition` its funnel).
 */
export function alertRuleOf(values: RequestValues, name: FieldName, goalIds: readonly string[]): AlertRuleDefinition {
  const ruleName = stringOf(values, 'name', name);
  if (!ruleName) throw bad(name, 'name', 'a name for the rule', values.name);
  const goal = stringOf(values, 'goal', name);
  const digest = booleanOf(values, 'digest', name);
  let condition: AlertRuleDefinition['condition'];
  if (digest) {
    condition = { kind: 'digest', definition: funnelOf(values, name, 'definition') };
  } else if (goal !== null) {
    if (!goalIds.includes(goal))
      throw bad(name, 'goal', `the id of a goal (${goalIds.join(', ') || 'none yet'})`, goal);
    const statuses = (listOf(values, 'when', name) ?? ['off-track']) as GoalStatus[];
    for (const status of statuses) {
      if (!['on-track', 'at-risk', 'off-track', 'no data'].includes(status)) {
        throw bad(name, 'when', 'statuses among on-track, at-risk, off-track, no data', status);
      }
    }
    condition = { kind: 'goal', goalId: goal, statuses };
  } else {
    const metric = choiceOf(
      values,
      'metric',
      name,
      ['conversions', 'leads', 'deals_won', 'spend', 'cac', 'funnel'] as const,
      'conversions',
    );
    const event = stringOf(values, 'event', name);
    if (metric === 'conversions' && !event)
      throw bad(name, 'event', 'the event whose daily conversions are watched', null);
    const definition = funnelOf(values, name, 'definition');
    if (metric === 'funnel' && !definition)
      throw bad(name, 'definition', 'the funnel whose conversion is watched', null);
    condition = {
      kind: 'anomaly',
      metric,
      event,
      definition: metric === 'funnel' ? definition : null,
      direction: choiceOf(values, 'direction', name, ['low', 'high', 'both'] as const, 'low'),
    };
  }
  const channels: AlertChannel[] = [];
  const slack = booleanOf(values, 'slack', name);
  for (const url of listOf(values, 'webhook', name) ?? []) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw bad(name, 'webhook', 'an http(s) URL', url);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw bad(name, 'webhook', 'an http(s) URL', url);
    channels.push({ type: 'webhook', url, format: slack ? 'slack' : 'json' });
  }
  const to = listOf(values, 'email', name) ?? [];
  for (const address of to) {
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) throw bad(name, 'email', 'e-mail addresses', address);
  }
  if (to.length > 0) channels.push({ type: 'email', to });
  if (channels.length === 0) throw bad(name, 'webhook', 'a webhook URL or an e-mail address to send alerts to', null);
  // A digest goes out on Monday mornings by default; a check runs every morning.
  const schedule = stringOf(values, 'schedule', name) ?? (digest ? '0 8 * * 1' : '0 8 * * *');
  const problem = scheduleError(schedule);
  if (problem) throw bad(name, 'schedule', `a cron expression in UTC (${problem})`, schedule);
  return { name: ruleName, condition, channels, schedule };
}
