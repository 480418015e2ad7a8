/**
 * An experiment's result (docs/experiments.md): who saw which variant (exposure events), who reached the goal
 * within the window after their first exposure, and per variant against the control the frequentist, Bayesian and
 * always-valid sequential comparisons, the sample-ratio check and a plain decision sentence. Reads the column cache.
 */
import { type ColumnCache, type ProjectColumns, personBatches } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { type FunnelDefinition, parseFunnelDefinition } from '../../model/funnel-definition.js';
import { expectedLoss, liftInterval, posterior, probabilityToBeat } from '../../stats/beta-binomial.js';
import { goodnessOfFit, independenceTest } from '../../stats/chi-square.js';
import { benjaminiHochberg, holm } from '../../stats/multiple-testing.js';
import { sequentialLook } from '../../stats/sequential.js';
import { newcombeInterval, relativeLiftInterval, twoProportionZTest } from '../../stats/two-proportions.js';
import { type Interval, wilsonInterval } from '../../stats/wilson-interval.js';
import type { DictionaryColumn, EventValueSource } from '../../store/event-columns.js';
import type { FunnelReport } from '../funnel/report.js';
import { runFunnel } from '../funnel/run-funnel.js';
import { stepLabel, stepRows, stepValuesRead } from '../step-match.js';

export interface ExperimentSpec {
  project: string;
  experiment: string;
  /**
   * The goal, reached within the window after the first exposure: an event name, or a funnel step (an event with
   * filters, or an OR-step, as in docs/funnels.md).
   */
  goal: string | Record<string, unknown>;
  windowDays: number;
  /** The control variant; default `control` when there is one, else the first variant by name. */
  control?: string | null;
  /** Read the variant from this event property instead of exposure events (the experiment is then its name). */
  property?: string | null;
  /** Keep units exposed to several variants (at their first variant); default: left out and counted. */
  includeMultiple: boolean;
  alpha: number;
  /** The sequential test's τ: the absolute difference worth detecting. */
  tau: number;
  correction: 'holm' | 'bh';
  /** Planned shares of the variants for the sample-ratio check (by variant name); default: equal. */
  split?: Readonly<Record<string, number>> | null;
  /** A funnel to show per variant (a definition as written, docs/funnels.md): its steps come after the exposure. */
  funnel?: Record<string, unknown> | null;
}

export interface VariantResult {
  variant: string;
  units: number;
  conversions: number;
  rate: number | null;
  rateInterval: Interval | null;
}

export interface Comparison {
  variant: string;
  difference: number | null;
  differenceInterval: Interval | null;
  relativeLift: number | null;
  relativeLiftInterval: Interval | null;
  zPValue: number | null;
  /** The always-valid p-value after the daily looks, and the same adjusted over the variants (Holm or BH). */
  sequentialPValue: number;
  adjustedPValue: number;
  confidenceSequence: Interval | null;
  probabilityToBeat: number;
  expectedLoss: number;
  liftCredibleInterval: Interval;
  verdict: 'better' | 'worse' | 'keep running';
  sentence: string;
}

export interface ExperimentReport {
  report: 'experiment';
  project: string;
  experiment: string;
  goal: string;
  windowDays: number;
  control: string;
  variants: VariantResult[];
  comparisons: Comparison[];
  /** Chi-square on all variants at once (more than two variants), and the sample-ratio check. */
  overall: { statistic: number; df: number; pValue: number } | null;
  sampleRatio: { statistic: number; df: number; pValue: number; healthy: boolean } | null;
  /** Units exposed to more than one variant (left out unless includeMultiple). */
  multipleExposures: number;
  looks: number;
  /**
   * The funnel per variant: the exposure as step 1, then the given steps, broken down by the variant of the exposure
   * that starts each path (units seen in several variants count there, not left out).
   */
  funnel: FunnelReport | null;
  summary: string;
  definitions: string;
}

const dayUs = 86_400_000_000;
const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;

type ExposureSource = 'experiment_id' | 'experiment_name' | 'flag';

/**
 * The funnel of each variant: an exposure step (of the kinds of exposure the data holds) before the given steps,
 * broken down by the exposure's variant property at step 1.
 */
function variantFunnel(
  spec: ExperimentSpec,
  given: Record<string, unknown>,
  sources: Set<ExposureSource>,
): FunnelDefinition {
  const alternatives: { event: string | null; filters: Record<string, unknown>[] }[] = [];
  let property = 'variation_name';
  const eq = (p: string) => ({ property: p, value: spec.experiment });
  if (spec.property) {
    property = spec.property;
    alternatives.push({ event: null, filters: [{ property: spec.property, op: 'set' }] });
  } else {
    if (sources.has('experiment_id')) alternatives.push({ event: 'Experiment Viewed', filters: [eq('experiment_id')] });
    if (sources.has('experiment_name'))
      alternatives.push({ event: 'Experiment Viewed', filters: [eq('experiment_name')] });
    if (sources.has('flag')) {
      alternatives.push({ event: '$feature_flag_called', filters: [eq('$feature_flag')] });
      if (alternatives.length === 1) property = '$feature_flag_response';
    }
  }
  const exposureStep =
    alternatives.length === 1
      ? { name: `Saw ${spec.experiment}`, ...alternatives[0] }
      : { name: `Saw ${spec.experiment}`, anyOf: alternatives };
  const steps = Array.isArray(given.steps) ? given.steps : [];
  return parseFunnelDefinition({
    ...given,
    steps: [exposureStep, ...steps],
    breakdown: { properties: [property], attribution: 'step', attributionStep: 0, limit: 50 },
    view: 'steps',
  });
}

/** The event properties exposures are read from: Segment's Experiment Viewed and PostHog's flag calls. */
const exposureProperties = [
  'experiment_id',
  'experiment_name',
  'variation_name',
  'variation_id',
  '$feature_flag',
  '$feature_flag_response',
] as const;

/** The value columns `exposureReader` reads. */
function exposureValues(spec: ExperimentSpec): EventValueSource[] {
  return (spec.property ? [spec.property] : exposureProperties).map((property) => ({ kind: 'event', property }));
}

/** The variant of each row that exposes its unit to the experiment (null: no exposure). */
async function exposureReader(
  project: Awaited<ReturnType<ColumnCache['get']>>,
  spec: ExperimentSpec,
  sources: Set<ExposureSource>,
): Promise<(row: number) => string | null> {
  const { columns } = project;
  const value = async (property: string) => project.eventValues({ kind: 'event', property });
  if (spec.property) {
    const variant = await value(spec.property);
    return (r) => variant.values[variant.codes[r] as number] ?? null;
  }
  const viewed = columns.eventNames.indexOf('Experiment Viewed');
  const flag = columns.eventNames.indexOf('$feature_flag_called');
  const [experimentId, experimentName, variationName, variationId, flagKey, flagResponse] = (await Promise.all(
    exposureProperties.map(value),
  )) as [DictionaryColumn, DictionaryColumn, DictionaryColumn, DictionaryColumn, DictionaryColumn, DictionaryColumn];
  const text = (c: { codes: Int32Array; values: (string | null)[] }, r: number) =>
    c.values[c.codes[r] as number] ?? null;
  return (r) => {
    const code = columns.eventCode[r];
    if (code === viewed && viewed >= 0) {
      const id = text(experimentId, r) ?? text(experimentName, r);
      if (id !== spec.experiment) return null;
      sources.add(text(experimentId, r) === spec.experiment ? 'experiment_id' : 'experiment_name');
      return text(variationName, r) ?? text(variationId, r);
    }
    if (code === flag && flag >= 0) {
      if (text(flagKey, r) !== spec.experiment) return null;
      sources.add('flag');
      return text(flagResponse, r);
    }
    return null;
  };
}

interface ExposedUnit {
  variant: string;
  exposedUs: number;
  convertedUs: number | null;
}

/**
 * The exposed units of some persons' events, added to `options.units`: each one's first exposure's variant and
 * time, and its first goal row in the window after it (`goalRows`: 1 = a goal row). Units that saw several variants
 * are added only with `includeMultiple`; returns how many did.
 */
function exposedUnits(
  project: ProjectColumns,
  goalRows: Uint8Array,
  options: {
    exposure: (row: number) => string | null;
    windowUs: number;
    includeMultiple: boolean;
    units: ExposedUnit[];
  },
): number {
  const { columns } = project;
  const { exposure, windowUs } = options;
  let multiple = 0;
  for (let p = 0; p < columns.personCount; p += 1) {
    const end = columns.personStarts[p + 1] as number;
    let variant: string | null = null;
    let exposedUs = 0;
    let several = false;
    let convertedUs: number | null = null;
    for (let r = columns.personStarts[p] as number; r < end; r += 1) {
      const t = columns.tsUs[r] as number;
      const v = exposure(r);
      if (v !== null) {
        if (variant === null) {
          variant = v;
          exposedUs = t;
        } else if (v !== variant) several = true;
      }
      if (
        variant !== null &&
        convertedUs === null &&
        goalRows[r] === 1 &&
        t >= exposedUs &&
        t <= exposedUs + windowUs
      ) {
        convertedUs = t;
      }
    }
    if (variant === null) continue;
    if (several) multiple += 1;
    if (several && !options.includeMultiple) continue;
    options.units.push({ variant, exposedUs, convertedUs });
  }
  return multiple;
}

export async function runExperiment(cache: ColumnCache, spec: ExperimentSpec): Promise<ExperimentReport> {
  const goalValues = await stepValuesRead(spec.goal);
  const { span, batches } = await personBatches(cache, spec.project, {
    eventValues: [...exposureValues(spec), ...goalValues.eventValues],
    personValues: goalValues.personValues,
  });
  const sources = new Set<ExposureSource>();
  const windowUs = spec.windowDays * dayUs;
  // Per unit: the first exposure's variant and time, whether it saw others, and its goal time (first after); person
  // by person, batch by batch when the store streams the project.
  const units: ExposedUnit[] = [];
  let multiple = 0;
  const lastUs = span.hi;
  for await (const project of batches) {
    multiple += exposedUnits(project, await stepRows(project, spec.project, spec.goal, 'goal'), {
      exposure: await exposureReader(project, spec, sources),
      windowUs,
      includeMultiple: spec.includeMultiple,
      units,
    });
  }
  const names = [...new Set(units.map((u) => u.variant))].sort();
  if (names.length < 2) {
    throw new FunnelscopeError(
      'invalid_argument',
      `experiment: "${spec.experiment}" has ${names.length === 0 ? 'no exposures' : `one variant only (${names[0]})`}; exposures are Experiment Viewed (experiment_id, variation_name) or $feature_flag_called events${spec.property ? `, or the property ${spec.property}` : ''}`,
      { field: 'experiment' },
    );
  }
  const control = spec.control ?? (names.includes('control') ? 'control' : (names[0] as string));
  if (!names.includes(control)) {
    throw new FunnelscopeError('invalid_argument', `control: no variant "${control}" (variants: ${names.join(', ')})`, {
      field: 'control',
    });
  }
  const variants: VariantResult[] = names.map((variant) => {
    const mine = units.filter((u) => u.variant === variant);
    const conversions = mine.filter((u) => u.convertedUs !== null).length;
    return {
      variant,
      units: mine.length,
      conversions,
      rate: mine.length > 0 ? conversions / mine.length : null,
      rateInterval: wilsonInterval(conversions, mine.length),
    };
  });
  const byName = new Map(variants.map((v) => [v.variant, v]));
  const base = byName.get(control) as VariantResult;

  // Daily looks (UTC days from the first exposure to the last event): cumulative units and conversions by then.
  let firstUs = Number.POSITIVE_INFINITY;
  for (const u of units) firstUs = Math.min(firstUs, u.exposedUs);
  const firstDay = Math.floor(firstUs / dayUs);
  const lastDay = Math.floor(lastUs / dayUs);
  const looks = lastDay - firstDay + 1;
  const cumulative = (variant: string) => {
    const unitsBy = new Float64Array(looks);
    const convBy = new Float64Array(looks);
    for (const u of units) {
      if (u.variant !== variant) continue;
      const exposedDay = Math.floor(u.exposedUs / dayUs) - firstDay;
      unitsBy[exposedDay] = (unitsBy[exposedDay] as number) + 1;
      if (u.convertedUs !== null) {
        const convertedDay = Math.floor(u.convertedUs / dayUs) - firstDay;
        convBy[convertedDay] = (convBy[convertedDay] as number) + 1;
      }
    }
    for (let d = 1; d < looks; d += 1) {
      unitsBy[d] = (unitsBy[d] as number) + (unitsBy[d - 1] as number);
      convBy[d] = (convBy[d] as number) + (convBy[d - 1] as number);
    }
    return { unitsBy, convBy };
  };
  const controlDaily = cumulative(control);

  const others = names.filter((n) => n !== control);
  const raw = others.map((name) => {
    const v = byName.get(name) as VariantResult;
    const daily = cumulative(name);
    let p = 1;
    let last = sequentialLook(0, 0, 0, 0, spec.tau, spec.alpha);
    for (let d = 0; d < looks; d += 1) {
      last = sequentialLook(
        daily.convBy[d] as number,
        daily.unitsBy[d] as number,
        controlDaily.convBy[d] as number,
        controlDaily.unitsBy[d] as number,
        spec.tau,
        spec.alpha,
        p,
      );
      p = last.pValue;
    }
    const a = posterior(base.conversions, base.units);
    const b = posterior(v.conversions, v.units);
    return { v, sequentialP: p, look: last, a, b };
  });
  const adjusted = (spec.correction === 'holm' ? holm : benjaminiHochberg)(raw.map((r) => r.sequentialP));
  const comparisons: Comparison[] = raw.map(({ v, sequentialP, look, a, b }, i) => {
    const difference = v.rate !== null && base.rate !== null ? v.rate - base.rate : null;
    const lift = v.rate !== null && base.rate !== null && base.rate > 0 ? v.rate / base.rate - 1 : null;
    const liftInterval95 = relativeLiftInterval(v.conversions, v.units, base.conversions, base.units);
    const beat = probabilityToBeat(a, b);
    const adjustedP = adjusted[i] as number;
    const verdict: Comparison['verdict'] =
      adjustedP <= spec.alpha && difference !== null ? (difference > 0 ? 'better' : 'worse') : 'keep running';
    const liftText =
      lift === null
        ? ''
        : `${pct(lift)}${liftInterval95 ? ` (95% CI ${pct(liftInterval95.lower)} … ${pct(liftInterval95.upper)})` : ''}`;
    const sentence =
      verdict === 'keep running'
        ? `${v.variant} against ${control}: not conclusive yet (${liftText || 'no data'}, always-valid p = ${adjustedP.toPrecision(2)}); keep running.`
        : `${v.variant} converts ${verdict} than ${control}: ${liftText}, probability to beat ${control} ${(beat * 100).toFixed(1)}%.`;
    return {
      variant: v.variant,
      difference,
      differenceInterval: newcombeInterval(v.conversions, v.units, base.conversions, base.units),
      relativeLift: lift,
      relativeLiftInterval: liftInterval95,
      zPValue: twoProportionZTest(v.conversions, v.units, base.conversions, base.units)?.pValue ?? null,
      sequentialPValue: sequentialP,
      adjustedPValue: adjustedP,
      confidenceSequence: look.interval,
      probabilityToBeat: beat,
      expectedLoss: expectedLoss(a, b),
      liftCredibleInterval: liftInterval(a, b),
      verdict,
      sentence,
    };
  });
  const overall =
    names.length > 2 ? independenceTest(variants.map((v) => ({ conversions: v.conversions, units: v.units }))) : null;
  const ratio = goodnessOfFit(
    variants.map((v) => v.units),
    variants.map((v) => spec.split?.[v.variant] ?? 1),
  );
  const sampleRatio = ratio ? { ...ratio, healthy: ratio.pValue >= 0.001 } : null;
  const ratioText = sampleRatio
    ? sampleRatio.healthy
      ? 'the sample ratio is healthy'
      : `the sample ratio is off (p = ${sampleRatio.pValue.toPrecision(2)}): check the assignment before trusting this`
    : '';
  const summary = `${comparisons.map((c) => c.sentence).join(' ')}${ratioText ? ` Overall, ${ratioText}.` : ''}`;
  return {
    report: 'experiment',
    project: spec.project,
    experiment: spec.experiment,
    goal: stepLabel(spec.goal),
    windowDays: spec.windowDays,
    control,
    variants,
    comparisons,
    overall,
    sampleRatio,
    multipleExposures: multiple,
    looks,
    funnel: spec.funnel ? await runFunnel(cache, spec.project, variantFunnel(spec, spec.funnel, sources)) : null,
    summary,
    definitions: 'docs/experiments.md',
  };
}
