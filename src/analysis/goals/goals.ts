/**
 * Goals (docs/goals.md): a target on a KPI or on a funnel step's conversion, per calendar period, and the rule that
 * says whether the business is on track. Pure: the measured values come in, statuses go out.
 *
 * - Sums (spend, visitors, leads, customers, revenue) pace: the value so far in the period is projected to its end
 *   in proportion to the days elapsed; "at least" goals are on track when the projection reaches the target, at
 *   risk when it reaches 90% of it, else off track ("at most" goals mirror this with 110%).
 * - Rates with a binomial interval (visitor → lead, lead → customer, a funnel step's conversion) are on track when
 *   the rate meets the target, off track when the whole 95% interval misses it (the shortfall is not noise), and at
 *   risk in between.
 * - Other ratios (cost per lead, CAC, ROI, ROAS, LTV:CAC, payback) are on track when they meet the target, at risk
 *   within 10% of it, else off track.
 * A goal without a value for the period (nothing happened yet, a ratio undefined) has status "no data".
 */
import type { Interval } from '../../stats/wilson-interval.js';

export const goalMetrics = {
  spend: { kind: 'sum', direction: 'at_most', label: 'spend' },
  visitors: { kind: 'sum', direction: 'at_least', label: 'visitors' },
  leads: { kind: 'sum', direction: 'at_least', label: 'leads' },
  customers: { kind: 'sum', direction: 'at_least', label: 'customers' },
  revenue: { kind: 'sum', direction: 'at_least', label: 'revenue' },
  visitor_to_lead: { kind: 'rate', direction: 'at_least', label: 'visitor → lead' },
  lead_to_customer: { kind: 'rate', direction: 'at_least', label: 'lead → customer' },
  funnel_step: { kind: 'rate', direction: 'at_least', label: 'funnel step conversion' },
  cost_per_lead: { kind: 'ratio', direction: 'at_most', label: 'cost per lead' },
  cac: { kind: 'ratio', direction: 'at_most', label: 'CAC' },
  roi: { kind: 'ratio', direction: 'at_least', label: 'ROI' },
  roas: { kind: 'ratio', direction: 'at_least', label: 'ROAS' },
  ltv_to_cac: { kind: 'ratio', direction: 'at_least', label: 'LTV:CAC' },
  payback_months: { kind: 'ratio', direction: 'at_most', label: 'CAC payback (months)' },
} as const;
export type GoalMetric = keyof typeof goalMetrics;
export type GoalDirection = 'at_least' | 'at_most';
export type GoalPeriod = 'week' | 'month' | 'quarter';
export type GoalTeam = 'marketing' | 'sales' | 'shared';

export interface GoalDefinition {
  name: string;
  metric: GoalMetric;
  target: number;
  direction: GoalDirection;
  period: GoalPeriod;
  /** Only this channel's figures (the KPI report's channel rows). */
  channel: string | null;
  team: GoalTeam;
  /** For `funnel_step`: the funnel (as given) and the steps (1-based) whose conversion is the goal's. */
  funnel: { definition: Record<string, unknown>; fromStep: number; toStep: number } | null;
}

export interface Goal extends GoalDefinition {
  id: string;
  createdAt: string;
}

export type GoalStatus = 'on-track' | 'at-risk' | 'off-track' | 'no data';

export interface Measured {
  value: number | null;
  /** 95% interval of a rate (Wilson), with its counts. */
  interval?: Interval | null;
  numerator?: number;
  denominator?: number;
}

export interface PeriodBounds {
  /** First day and last day (inclusive) of the period, and the day the goal is judged on. */
  start: string;
  end: string;
  asOf: string;
  /** Days of the period up to and including the as-of day, and in all. */
  elapsedDays: number;
  totalDays: number;
}

const dayMs = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The calendar period (UTC; weeks from Monday, quarters from January) holding the day `asOfMs` falls on. */
export function periodBounds(period: GoalPeriod, asOfMs: number): PeriodBounds {
  const day = Math.floor(asOfMs / dayMs) * dayMs;
  const d = new Date(day);
  let start: number;
  let next: number;
  if (period === 'week') {
    const daysSinceMonday = (d.getUTCDay() + 6) % 7;
    start = day - daysSinceMonday * dayMs;
    next = start + 7 * dayMs;
  } else {
    const months = period === 'month' ? 1 : 3;
    const first = period === 'month' ? d.getUTCMonth() : Math.floor(d.getUTCMonth() / 3) * 3;
    start = Date.UTC(d.getUTCFullYear(), first, 1);
    next = Date.UTC(d.getUTCFullYear(), first + months, 1);
  }
  return {
    start: iso(start),
    end: iso(next - dayMs),
    asOf: iso(day),
    elapsedDays: Math.round((day - start) / dayMs) + 1,
    totalDays: Math.round((next - start) / dayMs),
  };
}

export interface GoalJudgement {
  status: GoalStatus;
  value: number | null;
  /** Sums: the value projected to the period's end; else null. */
  projected: number | null;
  interval: Interval | null;
  /** The judgement in words, e.g. "leads this month: 412 of 600, on pace for 590". */
  summary: string;
}

const meets = (value: number, target: number, direction: GoalDirection) =>
  direction === 'at_least' ? value >= target : value <= target;

/** Within the 10% margin of an "at risk" judgement. */
const near = (value: number, target: number, direction: GoalDirection) =>
  direction === 'at_least' ? value >= 0.9 * target : value <= 1.1 * target;

function shown(metric: GoalMetric, x: number): string {
  if (goalMetrics[metric].kind === 'rate') return `${(x * 100).toFixed(1)}%`;
  if (metric === 'roi' || metric === 'roas' || metric === 'ltv_to_cac') return `${x.toFixed(2)}`;
  return Math.round(x).toLocaleString('en-US');
}

export function judgeGoal(goal: GoalDefinition, measured: Measured, bounds: PeriodBounds): GoalJudgement {
  const kind = goalMetrics[goal.metric].kind;
  const label = `${goal.name} (${goal.period} of ${bounds.start})`;
  const goalText = `${goal.direction === 'at_least' ? 'at least' : 'at most'} ${shown(goal.metric, goal.target)}`;
  if (measured.value === null || !Number.isFinite(measured.value)) {
    return { status: 'no data', value: null, projected: null, interval: null, summary: `${label}: no data yet` };
  }
  const value = measured.value;
  if (kind === 'sum') {
    const projected = (value * bounds.totalDays) / bounds.elapsedDays;
    const status: GoalStatus = meets(projected, goal.target, goal.direction)
      ? 'on-track'
      : near(projected, goal.target, goal.direction)
        ? 'at-risk'
        : 'off-track';
    return {
      status,
      value,
      projected,
      interval: null,
      summary: `${label}: ${shown(goal.metric, value)} of ${shown(goal.metric, goal.target)} after ${bounds.elapsedDays} of ${bounds.totalDays} days, on pace for ${shown(goal.metric, projected)} (${goalText})`,
    };
  }
  const interval = measured.interval ?? null;
  let status: GoalStatus;
  if (meets(value, goal.target, goal.direction)) status = 'on-track';
  else if (kind === 'rate') {
    // Off track only when the whole interval misses the target.
    const missedForSure =
      interval !== null &&
      (goal.direction === 'at_least' ? interval.upper < goal.target : interval.lower > goal.target);
    status = missedForSure ? 'off-track' : 'at-risk';
  } else status = near(value, goal.target, goal.direction) ? 'at-risk' : 'off-track';
  const counts =
    measured.numerator !== undefined && measured.denominator !== undefined
      ? ` (${measured.numerator.toLocaleString('en-US')} of ${measured.denominator.toLocaleString('en-US')}${interval ? `; 95% ${shown(goal.metric, interval.lower)}–${shown(goal.metric, interval.upper)}` : ''})`
      : '';
  return {
    status,
    value,
    projected: null,
    interval,
    summary: `${label}: ${shown(goal.metric, value)}${counts}, goal ${goalText}`,
  };
}
