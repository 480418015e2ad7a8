/** The pipeline report (`funnelscope pipeline`); every figure's definition is in docs/metrics.md under `definition`. */

import type { Interval } from '../../stats/wilson-interval.js';

/** A proportion with its 95% Wilson interval; `enoughData` is false below the report's minimum denominator. */
export interface Rate {
  numerator: number;
  denominator: number;
  rate: number | null;
  interval: Interval | null;
  enoughData: boolean;
}

/** A sample of durations or amounts: median with a distribution-free 95% interval, mean, 80th percentile. */
export interface Distribution {
  count: number;
  median: number | null;
  medianInterval: Interval | null;
  mean: number | null;
  p80: number | null;
  /** The five numbers of a box plot: smallest, quartiles (same quantile rule as the median) and largest. */
  min: number | null;
  p25: number | null;
  p75: number | null;
  max: number | null;
  enoughData: boolean;
}

export interface StageConversion {
  from: string;
  to: string;
  conversion: Rate;
}

export interface StageTime {
  stage: string;
  /** Days spent in the stage by deals that left it. */
  days: Distribution;
  /** Open deals now in the stage. */
  openDeals: number;
}

export interface AgingDeal {
  dealId: string;
  stage: string;
  daysInStage: number;
  /** The stage's 80th percentile of days, which this deal has passed. */
  stageP80Days: number;
  owner: string | null;
  amount: number | null;
}

export interface PipelineSummary {
  created: number;
  open: number;
  won: number;
  lost: number;
  /** Won ÷ closed (won + lost). */
  winRate: Rate;
  /** Won ÷ created. */
  winRateOfCreated: Rate;
  /** Amounts of won deals (null with `currencyProblem` when they are in several currencies). */
  dealSize: Distribution | null;
  currency: string | null;
  currencyProblem: string | null;
  /** Days from created to won. */
  salesCycleDays: Distribution;
  /** Open deals × win rate × mean won deal size ÷ mean sales cycle days: expected won value per day. */
  velocityPerDay: number | null;
}

export interface PipelineGroup extends PipelineSummary {
  key: string;
}

export interface PipelineReport {
  report: 'pipeline';
  project: string;
  asOf: string;
  /** The open stages in order (then won); `stageOrder` says whether given or derived from the histories. */
  stages: string[];
  stageOrder: 'given' | 'derived';
  minCount: number;
  summary: PipelineSummary;
  stageConversion: StageConversion[];
  /** Each open stage's funnel stage (awareness … action) and section (TOFU / MOFU / BOFU); won is action. */
  stageMap: { stage: string; funnelStage: string | null; section: string | null }[];
  /** Deals that reached each funnel stage (its first pipeline stage) going on to the next funnel stage. */
  funnelStageConversion: StageConversion[];
  timeInStage: StageTime[];
  aging: AgingDeal[];
  lostReasons: { reason: string; deals: number; share: number }[];
  by: { dimension: string; groups: PipelineGroup[] } | null;
  /** Records left out of a figure, by why (e.g. a deal won before it was created). */
  dataQuirks: { quirk: string; deals: number; handling: string }[];
  definitions: Record<string, string>;
}
