import type { Interval } from '../../stats/wilson-interval.js';

/** One funnel step's numbers. Rates are fractions (0–1); intervals are 95% Wilson score intervals. */
export interface StepReport {
  index: number;
  name: string;
  event: string | null;
  stage: string | null;
  optional: boolean;
  /** Units whose counted path reached (for optional steps: used) this step. */
  count: number;
  /** count ÷ step 0 (`conversionReference` total) or ÷ the previous step (previous). */
  conversionRate: number | null;
  conversionRateInterval: Interval | null;
  /** count ÷ previous step's count (1 for step 0). */
  conversionFromPrevious: number | null;
  conversionFromPreviousInterval: Interval | null;
  /** Units lost since the previous step (previous count − count; 0 for step 0). */
  dropOff: number;
  /** 1 − conversionFromPrevious. */
  dropOffRate: number | null;
  /** Mean and median seconds from the previous step, over units that reached this step; 0-second gaps left out. */
  avgTimeToConvertSeconds: number | null;
  medianTimeToConvertSeconds: number | null;
  /**
   * Right-censoring (docs/funnels.md): units that reached step 0, not this step, and whose window (from their
   * first step) is still open at the end of the data; they may yet convert (0 for step 0).
   */
  stillInWindow: number;
  /** count ÷ step 0 over units whose window has closed only, with its Wilson interval. */
  settledConversionRate: number | null;
  settledConversionRateInterval: Interval | null;
}

/** A point of the Kaplan–Meier conversion curve: the share converted by `seconds` after entering fromStep. */
export interface SurvivalPoint {
  seconds: number;
  atRisk: number;
  conversion: number;
  /** 95% interval (log-log on the survival scale, R `survfit`); null where it does not exist. */
  lower: number | null;
  upper: number | null;
}

export interface SurvivalReport {
  /** Units that reached fromStep: converted (events) and not (censored at window end or data end). */
  units: number;
  converted: number;
  censored: number;
  /** The conversion curve at its event times (at most 200 of them, evenly spread, the last kept). */
  curve: SurvivalPoint[];
  /** Conversion by the end of the window, counting units still in their window for the time they were seen. */
  conversionInWindow: number;
  conversionInWindowInterval: Interval | null;
  /** Time by which half have converted; null when the curve never reaches one half. */
  medianSeconds: number | null;
}

export interface TimeToConvertReport {
  fromStep: number;
  toStep: number;
  /** Units that converted from fromStep to toStep. */
  converters: number;
  /** bins + 1 bin starts (seconds); the last has count 0 and closes the range. */
  bins: { start: number; count: number }[];
  averageSeconds: number | null;
  /** The Kaplan–Meier view of the same conversion (the time_to_convert view only; else null). */
  survival: SurvivalReport | null;
}

export interface TrendPoint {
  /** `YYYY-MM-DD`, or `YYYY-MM-DDTHH:00` for hours, in the definition's time zone. */
  periodStart: string;
  entered: number;
  converted: number;
  /** round(converted ÷ entered × 100, 2); 0 when nobody entered. A percentage, unlike step rates. */
  rate: number;
  rateInterval: Interval | null;
}

export interface CorrelationEvent {
  event: string;
  successCount: number;
  failureCount: number;
  oddsRatio: number;
  type: 'success' | 'failure';
}

export interface CorrelationReport {
  /** Converted and dropped units. */
  success: number;
  failure: number;
  /** One side outnumbers the other more than 10:1, so odds ratios are unreliable. */
  skewed: boolean;
  events: CorrelationEvent[];
}

export interface BreakdownEntry {
  /** The value; several properties give an array. "" is the missing value, "Other" the folded rest. */
  value: string | string[];
  steps: StepReport[];
  timeToConvert: TimeToConvertReport | null;
  trends: TrendPoint[] | null;
}

/** A funnel stage: units that reached its first step, and the share of the previous stage's that did. */
export interface StageRollup {
  stage: string;
  section: string;
  /** Index of the stage's first step. */
  firstStep: number;
  count: number;
  conversionFromPrevious: number | null;
  conversionFromPreviousInterval: { lower: number; upper: number } | null;
}

export interface FunnelReport {
  /** What was counted: person, a property's values, a group type's keys, a person property's values. */
  unit: string;
  window: { amount: number; unit: string; seconds: number };
  order: string;
  dateFrom: string | null;
  dateTo: string | null;
  timezone: string;
  steps: StepReport[];
  breakdown: BreakdownEntry[] | null;
  timeToConvert: TimeToConvertReport | null;
  trends: TrendPoint[] | null;
  correlation: CorrelationReport | null;
  /** Steps grouped by their `stage` (awareness … action, with TOFU/MOFU/BOFU); null when no step names one. */
  stageRollup: StageRollup[] | null;
  /** Events in the project, counted units, threads the run used, and its time. */
  /** `batches`: the batches of persons the run went through, 1 when the project was loaded whole (streamed runs). */
  stats: { eventsScanned: number; units: number; threads: number; batches: number; elapsedMs: number };
}
