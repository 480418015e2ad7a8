import type { DealRecord, DealRecords, StageChange } from '../../model/deals.js';
import { FunnelscopeError } from '../../model/errors.js';
import { type FunnelStage, funnelStageOf, funnelStages, sectionOf } from '../../model/funnel-stages.js';
import { medianIntervalSorted, quantileSorted } from '../../stats/quantiles.js';
import { mean } from '../../stats/summary.js';
import { rate } from '../rate.js';
import type {
  AgingDeal,
  Distribution,
  PipelineGroup,
  PipelineReport,
  PipelineSummary,
  StageConversion,
  StageTime,
} from './report.js';

/** What to break the pipeline down by: a deal field, the creation month, or a property of the deals file. */
export type PipelineDimension = 'owner' | 'pipeline' | 'channel' | 'month' | `property:${string}`;

export interface PipelineSpec {
  project: string;
  /** "Now" for the age of open deals (an injected clock: reports are reproducible). */
  asOf: Date;
  /** The open stages in pipeline order; derived from the stage histories when absent. */
  stages?: readonly string[];
  by?: PipelineDimension | null;
  /** Below this many deals in a denominator (or durations in a sample) a figure says there is too little data. */
  minCount?: number;
  /** Deal stage (lower-case) → funnel stage, over the default rules (model/funnel-stages.ts). */
  stageMap?: Readonly<Record<string, FunnelStage>>;
}

const dayMs = 86_400_000;

const definitions = {
  winRate: 'docs/metrics.md#win-rate',
  winRateOfCreated: 'docs/metrics.md#win-rate',
  stageConversion: 'docs/metrics.md#stage-to-stage-conversion',
  funnelStageConversion: 'docs/metrics.md#funnel-stages',
  dealSize: 'docs/metrics.md#deal-size',
  salesCycleDays: 'docs/metrics.md#sales-cycle',
  timeInStage: 'docs/metrics.md#time-in-stage',
  aging: 'docs/metrics.md#aging-deals',
  velocityPerDay: 'docs/metrics.md#pipeline-velocity',
  lostReasons: 'docs/metrics.md#lost-reasons',
};

/** Stage names that end a deal: won, closed won, closed-won, closedwon … and the same for lost. */
export function terminalStage(stage: string): 'won' | 'lost' | null {
  const s = stage.trim().toLowerCase();
  if (/^(closed[\s_-]*)?won$/.test(s)) return 'won';
  if (/^(closed[\s_-]*)?lost$/.test(s)) return 'lost';
  return null;
}

function distribution(values: number[], minCount: number): Distribution {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    median: quantileSorted(sorted, 0.5),
    medianInterval: medianIntervalSorted(sorted),
    mean: mean(sorted),
    p80: quantileSorted(sorted, 0.8),
    min: sorted.length > 0 ? (sorted[0] as number) : null,
    p25: quantileSorted(sorted, 0.25),
    p75: quantileSorted(sorted, 0.75),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : null,
    enoughData: sorted.length >= minCount,
  };
}

/** Each deal's stage history, oldest first; a deal without one has its current stage, entered at creation. */
export function dealHistories(records: DealRecords): Map<string, StageChange[]> {
  const byDeal = new Map<string, StageChange[]>();
  for (const change of records.stageChanges) {
    const list = byDeal.get(change.dealId);
    if (list) list.push(change);
    else byDeal.set(change.dealId, [change]);
  }
  for (const list of byDeal.values()) list.sort((a, b) => a.enteredAt.getTime() - b.enteredAt.getTime());
  for (const deal of records.deals) {
    if (byDeal.has(deal.dealId) || !deal.stage || !deal.createdAt) continue;
    byDeal.set(deal.dealId, [{ dealId: deal.dealId, stage: deal.stage, enteredAt: deal.createdAt }]);
  }
  return byDeal;
}

/**
 * The open stages in order: as given, then any others the data has; or, derived, by the mean rank at which deals
 * first entered each stage (ties by name).
 */
function stageOrder(byDeal: Map<string, StageChange[]>, given?: readonly string[]): string[] {
  const ranks = new Map<string, number[]>();
  for (const history of byDeal.values()) {
    const seen: string[] = [];
    for (const change of history) {
      if (terminalStage(change.stage) || seen.includes(change.stage)) continue;
      seen.push(change.stage);
      const list = ranks.get(change.stage) ?? [];
      list.push(seen.length - 1);
      ranks.set(change.stage, list);
    }
  }
  const derived = [...ranks.entries()]
    .map(([stage, r]) => [stage, mean(r) as number] as const)
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .map(([stage]) => stage);
  if (!given) return derived;
  const terminal = given.find((s) => terminalStage(s));
  if (terminal) {
    throw new FunnelscopeError('invalid_argument', `--stages: "${terminal}" ends deals; list the open stages only`, {
      field: '--stages',
    });
  }
  return [...given, ...derived.filter((s) => !given.includes(s))];
}

/** When a deal was won: its close date, else when it entered a won stage. */
export function wonAt(deal: DealRecord, history: StageChange[] | undefined): Date | null {
  if (deal.closedAt) return deal.closedAt;
  return history?.find((c) => terminalStage(c.stage) === 'won')?.enteredAt ?? null;
}

interface Quirks {
  wonBeforeCreated: number;
  wonWithoutDates: number;
}

function summarise(
  deals: readonly DealRecord[],
  byDeal: Map<string, StageChange[]>,
  minCount: number,
  quirks: Quirks | null,
): PipelineSummary {
  const won = deals.filter((d) => d.status === 'won');
  const lost = deals.filter((d) => d.status === 'lost').length;
  const open = deals.length - won.length - lost;
  const withAmount = won.filter((d) => d.amount !== null && Number.isFinite(d.amount));
  const currencies = [...new Set(withAmount.map((d) => d.currency).filter((c): c is string => Boolean(c)))].sort();
  const mixed = currencies.length > 1;
  const cycle: number[] = [];
  for (const deal of won) {
    const at = wonAt(deal, byDeal.get(deal.dealId));
    if (!at || !deal.createdAt) {
      if (quirks) quirks.wonWithoutDates += 1;
      continue;
    }
    const days = (at.getTime() - deal.createdAt.getTime()) / dayMs;
    if (days < 0) {
      if (quirks) quirks.wonBeforeCreated += 1;
      continue;
    }
    cycle.push(days);
  }
  const winRate = rate(won.length, won.length + lost, minCount);
  const dealSize = mixed
    ? null
    : distribution(
        withAmount.map((d) => d.amount as number),
        minCount,
      );
  const salesCycleDays = distribution(cycle, minCount);
  const velocity =
    winRate.rate !== null && dealSize?.mean != null && salesCycleDays.mean !== null && salesCycleDays.mean > 0
      ? (open * winRate.rate * dealSize.mean) / salesCycleDays.mean
      : null;
  return {
    created: deals.length,
    open,
    won: won.length,
    lost,
    winRate,
    winRateOfCreated: rate(won.length, deals.length, minCount),
    dealSize,
    currency: mixed ? null : (currencies[0] ?? null),
    currencyProblem: mixed
      ? `won deals are in ${currencies.join(', ')}: deal size and velocity need one currency (convert first)`
      : null,
    salesCycleDays,
    velocityPerDay: velocity,
  };
}

function groupKey(deal: DealRecord, dimension: PipelineDimension): string {
  if (dimension === 'owner') return deal.owner ?? '(none)';
  if (dimension === 'pipeline') return deal.pipeline ?? '(none)';
  if (dimension === 'channel') return deal.sourceChannel ?? '(none)';
  if (dimension === 'month') return deal.createdAt ? deal.createdAt.toISOString().slice(0, 7) : '(none)';
  const value = deal.properties[dimension.slice('property:'.length)];
  return value === undefined || value === null || value === '' ? '(none)' : String(value);
}

/**
 * The open stages in order and, per deal, the furthest it got: the index of its furthest open stage, the number
 * of stages when won (won follows the last open stage), −1 when it entered none.
 */
export function stageReach(
  records: DealRecords,
  byDeal: Map<string, StageChange[]>,
  given?: readonly string[],
): { stages: string[]; furthest: Map<string, number> } {
  const stages = stageOrder(byDeal, given);
  const index = new Map(stages.map((s, i) => [s, i]));
  const furthest = new Map<string, number>();
  for (const deal of records.deals) {
    let f = -1;
    for (const change of byDeal.get(deal.dealId) ?? []) f = Math.max(f, index.get(change.stage) ?? -1);
    furthest.set(deal.dealId, deal.status === 'won' ? stages.length : f);
  }
  return { stages, furthest };
}

/**
 * The pipeline of a project's deals (docs/metrics.md): counts and win rates, stage-to-stage conversion, deal size,
 * sales cycle, time in stage and the open deals aging past their stage's 80th percentile, lost reasons, pipeline
 * velocity, optionally by owner, pipeline, source channel, creation month or a deal property. Pure.
 */
export function runPipeline(records: DealRecords, spec: PipelineSpec): PipelineReport {
  const minCount = spec.minCount ?? 10;
  const byDeal = dealHistories(records);
  const { stages, furthest } = stageReach(records, byDeal, spec.stages);
  const quirks: Quirks = { wonBeforeCreated: 0, wonWithoutDates: 0 };
  const summary = summarise(records.deals, byDeal, minCount, quirks);

  // Reached stage k: entered it or a later open stage, or won.
  const reached = new Array<number>(stages.length + 1).fill(0);
  for (const f of furthest.values()) for (let k = 0; k <= f; k += 1) reached[k] = (reached[k] as number) + 1;
  const stageConversion: StageConversion[] = stages.map((from, k) => ({
    from,
    to: stages[k + 1] ?? 'won',
    conversion: rate(reached[k + 1] as number, reached[k] as number, minCount),
  }));

  // Funnel stages: each funnel stage is reached with the first pipeline stage mapped to it; won is action.
  const stageMap = stages.map((stage) => {
    const funnelStage = funnelStageOf(stage, spec.stageMap);
    return { stage, funnelStage, section: funnelStage ? sectionOf[funnelStage] : null };
  });
  const firstReach = new Map<FunnelStage, number>();
  stageMap.forEach((m, k) => {
    if (m.funnelStage && !firstReach.has(m.funnelStage)) firstReach.set(m.funnelStage, reached[k] as number);
  });
  if (!firstReach.has('action')) firstReach.set('action', reached[stages.length] as number);
  const present = funnelStages.filter((f) => firstReach.has(f));
  const funnelStageConversion: StageConversion[] = present.slice(0, -1).map((from, i) => {
    const to = present[i + 1] as FunnelStage;
    return { from, to, conversion: rate(firstReach.get(to) as number, firstReach.get(from) as number, minCount) };
  });

  // Time in stage: from entering a stage to the deal's next change; an open deal's current stage is its age.
  const durations = new Map<string, number[]>(stages.map((s) => [s, []]));
  const current: { deal: DealRecord; stage: string; days: number }[] = [];
  const dealById = new Map(records.deals.map((d) => [d.dealId, d]));
  for (const [dealId, history] of byDeal) {
    const deal = dealById.get(dealId);
    history.forEach((change, i) => {
      if (terminalStage(change.stage)) return;
      const next = history[i + 1];
      if (next) {
        durations.get(change.stage)?.push((next.enteredAt.getTime() - change.enteredAt.getTime()) / dayMs);
      } else if (deal?.status === 'open') {
        current.push({ deal, stage: change.stage, days: (spec.asOf.getTime() - change.enteredAt.getTime()) / dayMs });
      }
    });
  }
  const timeInStage: StageTime[] = stages.map((stage) => ({
    stage,
    days: distribution(durations.get(stage) ?? [], minCount),
    openDeals: current.filter((c) => c.stage === stage).length,
  }));
  const p80 = new Map(timeInStage.filter((t) => t.days.enoughData).map((t) => [t.stage, t.days.p80 as number]));
  const aging: AgingDeal[] = current
    .filter((c) => p80.has(c.stage) && c.days > (p80.get(c.stage) as number))
    .map((c) => ({
      dealId: c.deal.dealId,
      stage: c.stage,
      daysInStage: c.days,
      stageP80Days: p80.get(c.stage) as number,
      owner: c.deal.owner,
      amount: c.deal.amount,
    }))
    .sort(
      (a, b) => b.daysInStage / b.stageP80Days - a.daysInStage / a.stageP80Days || a.dealId.localeCompare(b.dealId),
    );

  const lost = records.deals.filter((d) => d.status === 'lost');
  const reasons = new Map<string, number>();
  for (const d of lost) reasons.set(d.lostReason ?? '(none)', (reasons.get(d.lostReason ?? '(none)') ?? 0) + 1);
  const lostReasons = [...reasons.entries()]
    .map(([reason, deals]) => ({ reason, deals, share: deals / lost.length }))
    .sort((a, b) => b.deals - a.deals || a.reason.localeCompare(b.reason));

  let by: PipelineReport['by'] = null;
  if (spec.by) {
    const dimension = spec.by;
    const groups = new Map<string, DealRecord[]>();
    for (const deal of records.deals) {
      const key = groupKey(deal, dimension);
      const list = groups.get(key);
      if (list) list.push(deal);
      else groups.set(key, [deal]);
    }
    const rows: PipelineGroup[] = [...groups.entries()].map(([key, deals]) => ({
      key,
      ...summarise(deals, byDeal, minCount, null),
    }));
    rows.sort((a, b) =>
      dimension === 'month' ? a.key.localeCompare(b.key) : b.created - a.created || a.key.localeCompare(b.key),
    );
    by = { dimension, groups: rows };
  }

  const dataQuirks: PipelineReport['dataQuirks'] = [];
  if (quirks.wonBeforeCreated > 0) {
    dataQuirks.push({
      quirk: 'won before it was created',
      deals: quirks.wonBeforeCreated,
      handling: 'counted as won; left out of the sales cycle',
    });
  }
  if (quirks.wonWithoutDates > 0) {
    dataQuirks.push({
      quirk: 'won without a creation or win date',
      deals: quirks.wonWithoutDates,
      handling: 'counted as won; left out of the sales cycle',
    });
  }

  return {
    report: 'pipeline',
    project: spec.project,
    asOf: spec.asOf.toISOString(),
    stages,
    stageOrder: spec.stages ? 'given' : 'derived',
    minCount,
    summary,
    stageConversion,
    stageMap,
    funnelStageConversion,
    timeInStage,
    aging,
    lostReasons,
    by,
    dataQuirks,
    definitions,
  };
}
