/**
 * `funnelscope goals list` / `GET /api/goals` (docs/goals.md): each saved goal measured over its current period up
 * to the as-of day (by default the last day of the data) — the KPI report's figures (docs/metrics.md), for one
 * channel when the goal names one, or a funnel's step conversion — and judged by the rule in goals.ts.
 */
import type { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { jsonName, kpiSpec } from '../../model/report-requests.js';
import { wilsonInterval } from '../../stats/wilson-interval.js';
import type { Store } from '../../store/store.js';
import { utcDayMs } from '../calendar.js';
import { projectEnds } from '../data-end.js';
import { runFunnel } from '../funnel/run-funnel.js';
import { kpiReport } from '../kpi/kpi-report.js';
import type { KpiReport, KpiRow } from '../kpi/report.js';
import { type Goal, type GoalJudgement, judgeGoal, type Measured, type PeriodBounds, periodBounds } from './goals.js';

export interface GoalResult {
  goal: Goal;
  period: PeriodBounds;
  judgement: GoalJudgement;
}

export interface GoalsReport {
  report: 'goals';
  project: string;
  asOf: string;
  goals: GoalResult[];
  definitions: string;
}

const dayMs = 86_400_000;

/** The last day of the data: events (identity calls aside), deal records and spend. */
export async function lastDataDay(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals'>,
  project: string,
): Promise<number> {
  let last = Math.max(0, (await projectEnds(cache, project)).lastEventUs / 1000);
  const inputs = await store.spendAndDeals(project);
  for (const d of inputs.deals) last = Math.max(last, d.createdAt?.getTime() ?? 0, d.closedAt?.getTime() ?? 0);
  for (const s of inputs.spend) last = Math.max(last, s.date.getTime());
  return last;
}

function fromKpi(goal: Goal, report: KpiReport): Measured {
  const row: KpiRow | undefined = goal.channel ? report.rows.find((r) => r.key === goal.channel) : report.total;
  if (!row) return { value: null };
  switch (goal.metric) {
    case 'spend':
    case 'visitors':
    case 'leads':
    case 'customers':
    case 'revenue':
      return { value: row[goal.metric] };
    case 'visitor_to_lead':
    case 'lead_to_customer': {
      const rate = goal.metric === 'visitor_to_lead' ? row.visitorToLead : row.leadToCustomer;
      return { value: rate.rate, interval: rate.interval, numerator: rate.numerator, denominator: rate.denominator };
    }
    case 'cost_per_lead':
      return { value: row.costPerLead.value };
    case 'cac':
      return { value: row.cac.value };
    case 'roi':
      return { value: row.roi.value };
    case 'roas':
      return { value: row.roas.value };
    case 'ltv_to_cac':
      return { value: row.ltvToCac.value };
    case 'payback_months':
      return { value: row.paybackMonths.value };
    default:
      return { value: null };
  }
}

export async function evaluateGoals(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals' | 'listGoals'>,
  project: string,
  asOf: string | null,
): Promise<GoalsReport> {
  // By default the data's last day, unless that is today: a day still running would pace as if it were over.
  const today = Math.floor(Date.now() / dayMs) * dayMs;
  const lastDay = Math.floor((await lastDataDay(cache, store, project)) / dayMs) * dayMs;
  const asOfMs = asOf ? utcDayMs(asOf, 'asOf') : Math.min(lastDay, today - dayMs);
  const goals = await store.listGoals(project);
  // One KPI report per period and grouping, shared by the goals that read it.
  const reports = new Map<string, Promise<KpiReport>>();
  const kpiFor = (period: PeriodBounds, by: 'channel' | 'total') => {
    const key = `${period.start} ${by}`;
    let report = reports.get(key);
    if (!report) {
      report = kpiReport(
        store,
        cache,
        kpiSpec(project, { from: period.start, to: period.asOf, by }, jsonName, asOfMs),
        null,
      );
      reports.set(key, report);
    }
    return report;
  };
  const results: GoalResult[] = [];
  for (const goal of goals) {
    const period = periodBounds(goal.period, asOfMs);
    let measured: Measured;
    if (goal.metric === 'funnel_step' && goal.funnel) {
      const definition = parseFunnelDefinition({
        ...goal.funnel.definition,
        dateFrom: period.start,
        dateTo: period.asOf,
        timezone: 'UTC',
      });
      const report = await runFunnel(cache, project, definition);
      const from = report.steps[goal.funnel.fromStep - 1]?.count ?? 0;
      const to = report.steps[goal.funnel.toStep - 1]?.count ?? 0;
      measured = {
        value: from > 0 ? to / from : null,
        interval: wilsonInterval(to, from),
        numerator: to,
        denominator: from,
      };
    } else {
      measured = fromKpi(goal, await kpiFor(period, goal.channel ? 'channel' : 'total'));
    }
    results.push({ goal, period, judgement: judgeGoal(goal, measured, period) });
  }
  return {
    report: 'goals',
    project,
    asOf: new Date(asOfMs).toISOString().slice(0, 10),
    goals: results,
    definitions: 'docs/goals.md',
  };
}

/** Deletes a goal, refused while alert rules watch it (they would go quiet); not_found for an unknown id. */
export async function removeGoal(
  store: Pick<Store, 'deleteGoal' | 'listAlertRules'>,
  project: string,
  id: string,
): Promise<void> {
  const watching = (await store.listAlertRules(project)).filter(
    ({ rule }) => rule.condition.kind === 'goal' && rule.condition.goalId === id,
  );
  if (watching.length > 0) {
    throw new FunnelscopeError(
      'invalid_argument',
      `goal: alert rules ${watching.map(({ rule }) => `${rule.id} (${rule.name})`).join(', ')} watch goal ${id}; remove them first (funnelscope alerts rm)`,
      { field: 'id' },
    );
  }
  if (!(await store.deleteGoal(project, id))) {
    throw new FunnelscopeError('not_found', `goal: no goal "${id}" in project ${project}`, { field: 'id' });
  }
}
