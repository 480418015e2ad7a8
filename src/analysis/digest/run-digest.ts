/**
 * The digest (docs/digest.md): one week of the business on one page — the funnel this week against the week before
 * (counts, conversion, change), the goals' statuses, the funnel's top friction findings, and KPIs by channel — each
 * from the report that defines it (funnel, goals, diagnose, kpi), so every number in it is the one those commands
 * print for the same dates.
 */
import type { ColumnCache } from '../../engine/column-cache.js';
import { type FunnelDefinition, parseFunnelDefinition } from '../../model/funnel-definition.js';
import { diagnoseSpec, jsonName, kpiSpec } from '../../model/report-requests.js';
import type { Store } from '../../store/store.js';
import { utcDayMs } from '../calendar.js';
import { runDiagnose } from '../diagnose/run-diagnose.js';
import { runFunnel } from '../funnel/run-funnel.js';
import { evaluateGoals, type GoalsReport, lastDataDay } from '../goals/run-goals.js';
import { kpiReport } from '../kpi/kpi-report.js';
import type { KpiReport } from '../kpi/report.js';

export interface DigestStep {
  name: string;
  count: number;
  previousCount: number;
  /** Conversion from the first step (0–1), this week and the week before. */
  rate: number | null;
  previousRate: number | null;
}

export interface DigestData {
  report: 'digest';
  project: string;
  /** The week reported (Monday to Sunday, UTC) and the one before. */
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  funnelName: string | null;
  steps: DigestStep[];
  goals: GoalsReport['goals'];
  findings: string[];
  kpi: Pick<KpiReport, 'currency' | 'rows' | 'total'>;
  notes: string[];
}

const dayMs = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The last whole Monday-to-Sunday week up to `asOf` (default: the last day of the data) and the week before. The
 * funnel: the given one, else the project's first saved funnel, else none (its sections say so).
 */
export async function runDigest(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals' | 'listGoals' | 'listFunnels'>,
  project: string,
  options: { asOf: string | null; definition: FunnelDefinition | null },
): Promise<DigestData> {
  const asOfMs = options.asOf
    ? utcDayMs(options.asOf, 'asOf')
    : Math.floor((await lastDataDay(cache, store, project)) / dayMs) * dayMs;
  // The week ending on the last Sunday on or before the as-of day.
  const weekday = (new Date(asOfMs).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const toMs = weekday === 6 ? asOfMs : asOfMs - (weekday + 1) * dayMs;
  const fromMs = toMs - 6 * dayMs;
  const range = {
    from: iso(fromMs),
    to: iso(toMs),
    previousFrom: iso(fromMs - 7 * dayMs),
    previousTo: iso(fromMs - dayMs),
  };
  const notes: string[] = [];
  let definition = options.definition;
  let funnelName: string | null = null;
  if (!definition) {
    const saved = (await store.listFunnels(project))[0];
    if (saved) {
      definition = parseFunnelDefinition(saved.definition);
      funnelName = saved.name;
    } else notes.push('no funnel: give one with --definition, or save one in the dashboard');
  }
  let steps: DigestStep[] = [];
  let findings: string[] = [];
  if (definition) {
    const week = await runFunnel(cache, project, {
      ...definition,
      dateFrom: range.from,
      dateTo: range.to,
      timezone: 'UTC',
    });
    const before = await runFunnel(cache, project, {
      ...definition,
      dateFrom: range.previousFrom,
      dateTo: range.previousTo,
      timezone: 'UTC',
    });
    steps = week.steps.map((s, i) => {
      const p = before.steps[i];
      return {
        name: s.name,
        count: s.count,
        previousCount: p?.count ?? 0,
        rate: s.conversionRate,
        previousRate: p?.conversionRate ?? null,
      };
    });
    const diagnose = await runDiagnose(
      cache,
      project,
      diagnoseSpec({ ...definition, dateFrom: range.from, dateTo: range.to, timezone: 'UTC' }, { top: '3' }, jsonName),
    );
    findings = diagnose.leaks.summary;
  }
  const goals = await evaluateGoals(cache, store, project, range.to);
  const kpi = await kpiReport(
    store,
    cache,
    kpiSpec(project, { from: range.from, to: range.to, by: 'channel' }, jsonName, toMs),
    null,
  );
  return {
    report: 'digest',
    project,
    ...range,
    funnelName,
    steps,
    goals: goals.goals,
    findings,
    kpi: { currency: kpi.currency, rows: kpi.rows, total: kpi.total },
    notes,
  };
}
