/**
 * The funnel definition: one JSON shape for the CLI, the API and saved funnels. The zod schema below is the
 * single source; `parseFunnelDefinition` adds the cross-field rules (exclusion ranges, attribution, optional
 * steps) and fills the defaults, so the engine only ever sees a complete, valid definition.
 */
import { z } from 'zod';
import { FunnelscopeError } from './errors.js';

export const filterOperators = [
  'eq',
  'neq',
  'in',
  'not_in',
  'contains',
  'icontains',
  'not_icontains',
  'regex',
  'set',
  'not_set',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type FilterOperator = (typeof filterOperators)[number];
export const numericOperators: readonly FilterOperator[] = ['gt', 'gte', 'lt', 'lte'];
export const listOperators: readonly FilterOperator[] = ['in', 'not_in'];

export const propertyScopes = ['event', 'person', 'group'] as const;
export type PropertyScope = (typeof propertyScopes)[number];

export const windowUnits = ['second', 'minute', 'hour', 'day', 'week', 'month'] as const;
export type WindowUnit = (typeof windowUnits)[number];
/** Seconds per window unit; a month is 31 days (FUNNEL-SEMANTICS §2). */
export const secondsPerUnit: Readonly<Record<WindowUnit, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86_400,
  week: 7 * 86_400,
  month: 31 * 86_400,
};

export const funnelOrders = ['ordered', 'strict', 'unordered'] as const;
export type FunnelOrder = (typeof funnelOrders)[number];
export const attributions = ['first_touch', 'last_touch', 'all_events', 'step'] as const;
export type Attribution = (typeof attributions)[number];
export const funnelViews = ['steps', 'time_to_convert', 'trends'] as const;
export type FunnelView = (typeof funnelViews)[number];
export const trendIntervals = ['hour', 'day', 'week', 'month'] as const;
export type TrendInterval = (typeof trendIntervals)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const filterSchema = z.strictObject({
  property: z.string().min(1),
  scope: z.enum(propertyScopes).default('event'),
  groupType: z.string().min(1).nullish(),
  op: z.enum(filterOperators).default('eq'),
  value: z.union([scalar, z.array(scalar)]).nullish(),
});

const alternativeSchema = z.strictObject({
  event: z.string().min(1).nullable(),
  filters: z.array(filterSchema).default([]),
});

const stepSchema = z.strictObject({
  /** The step's event (null: any event); absent in an OR-step, which lists its alternatives in `anyOf`. */
  event: z.string().min(1).nullable().optional(),
  /** An OR-step: an event fills the step when it matches any of these (each an event with its own filters). */
  anyOf: z.array(alternativeSchema).min(2).max(16).nullish(),
  name: z.string().nullish(),
  filters: z.array(filterSchema).default([]),
  firstTime: z.union([z.literal(false), z.enum(['any', 'with_filters'])]).default(false),
  optional: z.boolean().default(false),
  /** Limits on the time since the previous step of the same path (ordered funnels; not on step 0). */
  gap: z
    .strictObject({
      min: z.strictObject({ amount: z.number().nonnegative(), unit: z.enum(windowUnits) }).nullish(),
      max: z.strictObject({ amount: z.number().positive(), unit: z.enum(windowUnits) }).nullish(),
    })
    .nullish(),
  /** Optional grouping into the six stages of a business (DESIGN §3). */
  stage: z.enum(['awareness', 'interest', 'consideration', 'intent', 'evaluation', 'action']).nullish(),
});

const exclusionSchema = z.strictObject({
  event: z.string().min(1).nullable(),
  filters: z.array(filterSchema).default([]),
  fromStep: z.number().int(),
  toStep: z.number().int(),
});

const breakdownSchema = z.strictObject({
  properties: z.array(z.string().min(1)).min(1),
  scope: z.enum(propertyScopes).default('event'),
  groupType: z.string().min(1).nullish(),
  attribution: z.enum(attributions).default('first_touch'),
  attributionStep: z.number().int().nullish(),
  limit: z.number().int().positive().default(25),
  normalizeUrl: z.boolean().default(false),
});

const countBySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('person') }),
  z.strictObject({ type: z.literal('property'), property: z.string().min(1) }),
  z.strictObject({ type: z.literal('group'), groupType: z.string().min(1) }),
  z.strictObject({ type: z.literal('person_property'), property: z.string().min(1) }),
]);

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

/** The schema of a funnel definition as a user writes it (defaults filled by zod). */
export const funnelDefinitionSchema = z.strictObject({
  steps: z.array(stepSchema).min(1).max(31),
  window: z
    .strictObject({ amount: z.number().nullish(), unit: z.enum(windowUnits).default('day') })
    .default({ amount: 14, unit: 'day' }),
  order: z.enum(funnelOrders).default('ordered'),
  exclusions: z.array(exclusionSchema).max(31).default([]),
  breakdown: breakdownSchema.nullish(),
  dateFrom: isoDate.nullish(),
  dateTo: isoDate.nullish(),
  timezone: z.string().min(1).default('UTC'),
  filters: z.array(filterSchema).default([]),
  countBy: countBySchema.default({ type: 'person' }),
  view: z.enum(funnelViews).default('steps'),
  fromStep: z.number().int().nullish(),
  toStep: z.number().int().nullish(),
  interval: z.enum(trendIntervals).default('day'),
  bins: z.number().int().nullish(),
  conversionReference: z.enum(['total', 'previous']).default('total'),
  /** True: `dateFrom`/`dateTo` govern entry only; later steps may land after `dateTo` (within the window). */
  entryDateRange: z.boolean().default(false),
  /** Open funnel: a unit may enter at any (non-optional) step and go on from there (docs/funnels.md). */
  open: z.boolean().default(false),
  /** `attempts`: count every attempt of a unit, one after another (docs/funnels.md), not the unit once. */
  counting: z.enum(['units', 'attempts']).default('units'),
  /** An event property every step of a path must share (the same cart, the same deal); null: none. */
  holdConstant: z.string().min(1).nullish(),
  correlation: z.strictObject({ type: z.literal('events'), excludeEvents: z.array(z.string()).default([]) }).nullish(),
});

export type FunnelDefinitionInput = z.input<typeof funnelDefinitionSchema>;
type Parsed = z.output<typeof funnelDefinitionSchema>;
export type PropertyFilter = Parsed['filters'][number];
type ParsedStep = Parsed['steps'][number];
/** One way to fill a step: an event (null: any event) with its filters. */
export interface StepAlternative {
  event: string | null;
  filters: PropertyFilter[];
}
/**
 * A step as the engine runs it: `alternatives` lists every way to fill it (one for a plain step: its event and
 * filters; several for an OR-step, whose `event` is null and `filters` empty).
 */
export type FunnelStep = Omit<ParsedStep, 'event' | 'anyOf'> & {
  event: string | null;
  alternatives: StepAlternative[];
};
export type FunnelExclusion = Parsed['exclusions'][number];
export type CountBy = Parsed['countBy'];

export interface FunnelBreakdown {
  properties: string[];
  scope: PropertyScope;
  groupType: string | null;
  attribution: Attribution;
  attributionStep: number | null;
  limit: number;
  normalizeUrl: boolean;
}

/** A valid definition with every default filled in: what the engine runs. */
export interface FunnelDefinition {
  steps: FunnelStep[];
  /** The conversion window in seconds (amount × unit; a missing or non-positive amount is 14 days). */
  windowSeconds: number;
  window: { amount: number; unit: WindowUnit };
  order: FunnelOrder;
  exclusions: FunnelExclusion[];
  breakdown: FunnelBreakdown | null;
  /** Whole days in `timezone`, both inclusive; null = from the first / to the last event. */
  dateFrom: string | null;
  dateTo: string | null;
  timezone: string;
  filters: PropertyFilter[];
  countBy: CountBy;
  view: FunnelView;
  fromStep: number;
  toStep: number;
  interval: TrendInterval;
  bins: number | null;
  conversionReference: 'total' | 'previous';
  correlation: { type: 'events'; excludeEvents: string[] } | null;
  /** The date range governs entry only (docs/funnels.md). */
  entryDateRange: boolean;
  /** Every step of a path carries the same value of this event property (docs/funnels.md). */
  holdConstant: string | null;
  /** Count units once, or each of their attempts (docs/funnels.md). */
  counting: 'units' | 'attempts';
  /** A unit may enter at any step (docs/funnels.md). */
  open: boolean;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function invalid(
  code: 'invalid_definition' | 'invalid_exclusion' | 'invalid_breakdown_attribution',
  field: string,
  message: string,
): FunnelscopeError {
  return new FunnelscopeError(code, `${field}: ${message}`, { field });
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function sameFilters(a: readonly PropertyFilter[], b: readonly PropertyFilter[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkFilters(filters: readonly PropertyFilter[], at: string): void {
  filters.forEach((filter, i) => {
    const field = `${at}[${i}]`;
    if (filter.scope === 'group' && !filter.groupType)
      throw invalid('invalid_definition', `${field}.groupType`, 'a group filter names its group type');
    const { op, value } = filter;
    if (op === 'set' || op === 'not_set') return;
    if (value === null || value === undefined)
      throw invalid('invalid_definition', `${field}.value`, `operator ${op} needs a value`);
    if (Array.isArray(value) && !listOperators.includes(op) && op !== 'eq' && op !== 'neq') {
      throw invalid('invalid_definition', `${field}.value`, `operator ${op} takes one value, not a list`);
    }
    if (numericOperators.includes(op) && !Number.isFinite(Number(value))) {
      throw invalid(
        'invalid_definition',
        `${field}.value`,
        `operator ${op} needs a number, got ${JSON.stringify(value)}`,
      );
    }
    if (op === 'regex') {
      try {
        new RegExp(String(value));
      } catch (error) {
        throw invalid('invalid_definition', `${field}.value`, `not a regular expression: ${(error as Error).message}`);
      }
    }
  });
}

/**
 * Validates a definition (an object, or JSON text) and fills its defaults. Errors are FunnelscopeErrors whose
 * code says what kind of rule broke (`invalid_definition`, `invalid_exclusion`, `invalid_breakdown_attribution`)
 * and whose `details.field` names the offending field, e.g. `steps[1].filters[0].op`.
 */
export function parseFunnelDefinition(input: unknown): FunnelDefinition {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new FunnelscopeError('invalid_definition', `the definition is not JSON: ${(error as Error).message}`, {
        field: 'definition',
      });
    }
  }
  const result = funnelDefinitionSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue ? fieldPath(issue.path) || 'definition' : 'definition';
    throw invalid('invalid_definition', field, issue?.message ?? 'invalid');
  }
  const d = result.data;
  const last = d.steps.length - 1;

  d.steps.forEach((step, k) => {
    checkFilters(step.filters, `steps[${k}].filters`);
    if (step.gap) {
      const field = `steps[${k}].gap`;
      if (k === 0) throw invalid('invalid_definition', field, 'the first step has no previous step to be timed from');
      if (d.order !== 'ordered') throw invalid('invalid_definition', field, 'gaps between steps need order "ordered"');
      if (d.exclusions.length > 0 || d.steps.some((s) => s.optional)) {
        throw invalid(
          'invalid_definition',
          field,
          'gaps between steps do not combine with exclusions or optional steps',
        );
      }
      if (d.view === 'trends')
        throw invalid('invalid_definition', field, 'gaps between steps are not in the trends view');
      const min = step.gap.min ? step.gap.min.amount * secondsPerUnit[step.gap.min.unit] : 0;
      const max = step.gap.max ? step.gap.max.amount * secondsPerUnit[step.gap.max.unit] : Infinity;
      if (min > max) throw invalid('invalid_definition', field, 'min is longer than max');
    }
    if (step.anyOf) {
      if (step.event !== undefined) {
        throw invalid('invalid_definition', `steps[${k}].event`, 'an OR-step names its events in anyOf, not in event');
      }
      if (step.filters.length > 0) {
        throw invalid('invalid_definition', `steps[${k}].filters`, 'an OR-step keeps its filters in each anyOf entry');
      }
      if (step.firstTime !== false) {
        throw invalid('invalid_definition', `steps[${k}].firstTime`, 'an OR-step cannot be a first-time step');
      }
      step.anyOf.forEach((a, i) => {
        checkFilters(a.filters, `steps[${k}].anyOf[${i}].filters`);
      });
    } else if (step.event === undefined) {
      throw invalid('invalid_definition', `steps[${k}].event`, 'expected an event name, null (any event) or anyOf');
    }
    if (step.optional && k === 0)
      throw invalid('invalid_definition', 'steps[0].optional', 'the first step cannot be optional');
    if (step.optional && d.order === 'unordered') {
      throw invalid(
        'invalid_definition',
        `steps[${k}].optional`,
        'optional steps are not allowed in unordered funnels',
      );
    }
    if (step.optional && d.view !== 'steps') {
      throw invalid(
        'invalid_definition',
        `steps[${k}].optional`,
        `optional steps are only allowed in the steps view, not ${d.view}`,
      );
    }
  });
  checkFilters(d.filters, 'filters');

  d.exclusions.forEach((exclusion, j) => {
    const field = `exclusions[${j}]`;
    checkFilters(exclusion.filters, `${field}.filters`);
    if (!(exclusion.fromStep >= 0 && exclusion.fromStep < exclusion.toStep && exclusion.toStep <= last)) {
      throw invalid(
        'invalid_exclusion',
        field,
        `needs 0 ≤ fromStep < toStep ≤ ${last} (the last step), got fromStep ${exclusion.fromStep} and toStep ${exclusion.toStep}`,
      );
    }
    if (d.order === 'unordered' && (exclusion.fromStep !== 0 || exclusion.toStep !== last)) {
      throw invalid(
        'invalid_exclusion',
        field,
        `in an unordered funnel an exclusion spans the whole funnel (fromStep 0, toStep ${last})`,
      );
    }
    for (let k = exclusion.fromStep; k <= exclusion.toStep; k += 1) {
      const step = d.steps[k];
      if (step && step.event === exclusion.event && sameFilters(step.filters, exclusion.filters)) {
        throw invalid('invalid_exclusion', `${field}.event`, `the exclusion is the same as step ${k} inside its range`);
      }
    }
  });

  let breakdown: FunnelBreakdown | null = null;
  if (d.breakdown) {
    const b = d.breakdown;
    if (b.scope === 'group' && !b.groupType) {
      throw invalid('invalid_definition', 'breakdown.groupType', 'a group breakdown names its group type');
    }
    let attributionStep: number | null = null;
    if (b.attribution === 'step') {
      attributionStep = b.attributionStep ?? null;
      if (attributionStep === null || attributionStep < 0 || attributionStep > last) {
        throw invalid(
          'invalid_breakdown_attribution',
          'breakdown.attributionStep',
          `step attribution needs a step 0..${last}`,
        );
      }
      if (d.order === 'unordered' && attributionStep !== 0) {
        throw invalid(
          'invalid_breakdown_attribution',
          'breakdown.attributionStep',
          'an unordered funnel allows step attribution only for step 0',
        );
      }
    }
    breakdown = {
      properties: b.properties,
      scope: b.scope,
      groupType: b.groupType ?? null,
      attribution: b.attribution,
      attributionStep,
      limit: b.limit,
      normalizeUrl: b.normalizeUrl,
    };
  }

  if (!validTimezone(d.timezone))
    throw invalid('invalid_definition', 'timezone', `unknown time zone ${JSON.stringify(d.timezone)}`);
  for (const key of ['dateFrom', 'dateTo'] as const) {
    const value = d[key];
    // A real calendar day: 2024-02-30 must not roll over into March.
    const parsed = value ? Date.parse(`${value}T00:00:00Z`) : 0;
    if (value && (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== value)) {
      throw invalid('invalid_definition', key, `not a date: ${value}`);
    }
  }
  if (d.open) {
    const clash =
      d.order === 'unordered'
        ? 'order'
        : d.view === 'trends'
          ? 'view'
          : d.breakdown && (d.breakdown.attribution === 'step' || d.breakdown.attribution === 'all_events')
            ? 'breakdown'
            : d.holdConstant
              ? 'holdConstant'
              : d.counting === 'attempts'
                ? 'counting'
                : d.steps.some((s) => s.gap)
                  ? 'steps'
                  : null;
    if (clash) {
      throw invalid(
        'invalid_definition',
        clash,
        'an open funnel is ordered or strict and combines with none of the trends view, step or all_events breakdowns, holdConstant, attempts or gaps',
      );
    }
  }
  if (d.counting === 'attempts') {
    const clash = d.breakdown
      ? 'breakdown'
      : d.correlation
        ? 'correlation'
        : d.holdConstant
          ? 'holdConstant'
          : d.view === 'trends'
            ? 'view'
            : d.order === 'unordered'
              ? 'order'
              : null;
    if (clash) {
      throw invalid(
        'invalid_definition',
        clash,
        'counting attempts combines with none of breakdown, correlation, holdConstant, the trends view or unordered funnels',
      );
    }
  }
  if (d.holdConstant) {
    if (d.view === 'trends') {
      throw invalid('invalid_definition', 'holdConstant', 'holding a property constant is not in the trends view');
    }
    if (d.breakdown && (d.breakdown.attribution === 'step' || d.breakdown.attribution === 'all_events')) {
      throw invalid(
        'invalid_definition',
        'holdConstant',
        'holding a property constant combines with first_touch or last_touch breakdowns only',
      );
    }
  }
  if (d.entryDateRange && d.order === 'unordered') {
    throw invalid('invalid_definition', 'entryDateRange', 'an unordered funnel has no single entry step');
  }
  if (d.dateFrom && d.dateTo && d.dateFrom > d.dateTo) {
    throw invalid('invalid_definition', 'dateTo', `dateTo ${d.dateTo} is before dateFrom ${d.dateFrom}`);
  }

  const fromStep = d.fromStep ?? 0;
  const toStep = d.toStep ?? last;
  if (d.view !== 'steps') {
    if (fromStep < 0 || fromStep > last) throw invalid('invalid_definition', 'fromStep', `must be a step 0..${last}`);
    if (toStep <= fromStep || toStep > last)
      throw invalid('invalid_definition', 'toStep', `must be a step ${fromStep + 1}..${last}`);
  }
  const amount = d.window.amount ?? 0;
  const window = amount > 0 ? { amount, unit: d.window.unit } : { amount: 14, unit: 'day' as const };

  const steps: FunnelStep[] = d.steps.map(({ anyOf, event, ...step }) =>
    anyOf
      ? {
          ...step,
          event: null,
          name: step.name ?? anyOf.map((a) => a.event ?? 'Any event').join(' or '),
          alternatives: anyOf,
        }
      : { ...step, event: event ?? null, alternatives: [{ event: event ?? null, filters: step.filters }] },
  );
  return {
    steps,
    windowSeconds: window.amount * secondsPerUnit[window.unit],
    window,
    order: d.order,
    exclusions: d.exclusions,
    breakdown,
    dateFrom: d.dateFrom ?? null,
    dateTo: d.dateTo ?? null,
    timezone: d.timezone,
    filters: d.filters,
    countBy: d.countBy,
    view: d.view,
    fromStep,
    toStep,
    interval: d.interval,
    bins: d.bins === null || d.bins === undefined ? null : Math.min(90, Math.max(1, d.bins)),
    conversionReference: d.conversionReference,
    correlation: d.correlation ?? null,
    entryDateRange: d.entryDateRange,
    holdConstant: d.holdConstant ?? null,
    counting: d.counting,
    open: d.open,
  };
}
