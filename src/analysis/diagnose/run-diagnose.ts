import type { ColumnCache } from '../../engine/column-cache.js';
import type { FunnelBreakdown, FunnelDefinition } from '../../model/funnel-definition.js';
import { utcDayMs } from '../calendar.js';
import type { TransitionUnits } from '../funnel/funnel-pass.js';
import type { StepReport } from '../funnel/report.js';
import { dateRange, type RunOptions, runFunnel } from '../funnel/run-funnel.js';
import { identityEvents } from '../paths/paths.js';
import { labelMask, rowLabels } from '../paths/run-paths.js';
import { type DroppedInstead, droppedInstead } from './instead.js';
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
  /** Events after the step in the dropped units' paths, and sequences / next events listed. */
  insteadDepth: number;
  insteadTop: number;
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
  /** Per transition, what the units that dropped there did next; empty for unordered funnels or other units. */
  instead: DroppedInstead[];
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
  let units: TransitionUnits | null = null;
  for (const [g, properties] of groups.entries()) {
    // The first run also hands over, per step, the units that reached it (for "what they did instead").
    const runOptions: RunOptions = g === 0 ? { ...options, transitions: (u) => (units = u) } : options;
    const report = await runFunnel(cache, project, { ...base, breakdown: breakdownOf(properties) }, runOptions);
    steps = report.steps;
    unit = report.unit;
    for (const entry of report.breakdown ?? []) {
      const values = Array.isArray(entry.value) ? entry.value : [entry.value];
      segments.push({ dimensions: properties, values, counts: entry.steps.map((s) => s.count) });
    }
  }
  const columns = await cache.get(project);
  const range = dateRange(base, columns);
  const periodDays = (utcDayMs(range.dateTo, 'dateTo') - utcDayMs(range.dateFrom, 'dateFrom')) / 86_400_000 + 1;
  const leaks = rankLeaks(segments, {
    steps: steps.map((s) => ({ name: s.name, optional: s.optional })),
    unit,
    alpha: spec.alpha,
    minUnits: spec.minUnits,
    top: spec.top,
    periodDays,
  });
  const transitionUnits = units as TransitionUnits | null;
  const instead: DroppedInstead[] = [];
  if (transitionUnits) {
    // Page views by their path (the landing-page dimension's column, already loaded when it is a dimension).
    const labels = await rowLabels(columns, true);
    const excluded = labelMask(labels, identityEvents);
    for (const t of leaks.transitions) {
      const transition = { fromStep: t.from, toStep: t.to, fromName: t.fromName, toName: t.toName };
      instead.push(
        droppedInstead(columns.columns, labels, transitionUnits, transition, {
          depth: spec.insteadDepth,
          top: spec.insteadTop,
          stepEvents: base.steps.flatMap((s) => (s.event === null ? [] : [s.event])),
          excluded,
        }),
      );
    }
  }
  return {
    definitions: 'docs/diagnose.md',
    unit,
    dateFrom: range.dateFrom,
    dateTo: range.dateTo,
    dimensions: spec.dimensions,
    pairs: spec.pairs,
    steps,
    leaks,
    instead,
    stats: { funnelRuns: groups.length, elapsedMs: Math.round(performance.now() - started) },
  };
}
