import type { ColumnCache } from '../../engine/column-cache.js';
import type { FunnelBreakdown, FunnelDefinition } from '../../model/funnel-definition.js';
import { utcDayMs } from '../calendar.js';
import type { StepReport } from '../funnel/report.js';
import { dateRange, type RunOptions, runFunnel } from '../funnel/run-funnel.js';
import { type LeakReport, rankLeaks, type SegmentCounts } from './leaks.js';

export interface DiagnoseSpec {
  /** The funnel (its own breakdown, view and correlation are ignored). */
  definition: FunnelDefinition;
  dimensions: string[];
  /** Also every pair of dimensions as one segment (e.g. device × channel). */
  pairs: boolean;
  alpha: number;
  minUnits: number;
  top: number;
}

export interface DiagnoseReport {
  definitions: string;
  unit: string;
  dateFrom: string;
  dateTo: string;
  dimensions: string[];
  pairs: boolean;
  steps: StepReport[];
  leaks: LeakReport;
  stats: { funnelRuns: number; elapsedMs: number };
}

/** A breakdown limit no real dimension reaches: every value is its own segment (none folded into "Other"). */
const everyValue = 1_000_000;

function breakdownOf(properties: string[]): FunnelBreakdown {
  return {
    properties,
    scope: 'event',
    groupType: null,
    // Each unit in exactly one segment per dimension: the value of its first in-funnel event that has one.
    attribution: 'first_touch',
    attributionStep: null,
    limit: everyValue,
    normalizeUrl: properties.includes('path'),
  };
}

/**
 * Runs the funnel once per dimension (and per pair) broken down by it, and ranks the leaks over all their
 * segments. The runs go one after another through the column cache, so each loads only its property columns.
 */
export async function runDiagnose(
  cache: ColumnCache,
  project: string,
  spec: DiagnoseSpec,
  options: RunOptions = {},
): Promise<DiagnoseReport> {
  const started = performance.now();
  const base: FunnelDefinition = { ...spec.definition, view: 'steps', correlation: null, breakdown: null };
  const groups: string[][] = spec.dimensions.map((d) => [d]);
  if (spec.pairs) {
    spec.dimensions.forEach((a, i) => {
      for (const b of spec.dimensions.slice(i + 1)) groups.push([a, b]);
    });
  }
  const segments: SegmentCounts[] = [];
  let steps: StepReport[] = [];
  let unit = '';
  for (const properties of groups) {
    const report = await runFunnel(cache, project, { ...base, breakdown: breakdownOf(properties) }, options);
    steps = report.steps;
    unit = report.unit;
    for (const entry of report.breakdown ?? []) {
      const values = Array.isArray(entry.value) ? entry.value : [entry.value];
      segments.push({ dimensions: properties, values, counts: entry.steps.map((s) => s.count) });
    }
  }
  const range = dateRange(base, await cache.get(project));
  const periodDays = (utcDayMs(range.dateTo, 'dateTo') - utcDayMs(range.dateFrom, 'dateFrom')) / 86_400_000 + 1;
  const leaks = rankLeaks(segments, {
    steps: steps.map((s) => ({ name: s.name, optional: s.optional })),
    unit,
    alpha: spec.alpha,
    minUnits: spec.minUnits,
    top: spec.top,
    periodDays,
  });
  return {
    definitions: 'docs/diagnose.md',
    unit,
    dateFrom: range.dateFrom,
    dateTo: range.dateTo,
    dimensions: spec.dimensions,
    pairs: spec.pairs,
    steps,
    leaks,
    stats: { funnelRuns: groups.length, elapsedMs: Math.round(performance.now() - started) },
  };
}
