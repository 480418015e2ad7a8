/**
 * The funnel builder's draft: what its controls edit, read from a funnel definition (docs/funnels.md) and written
 * back to one, keeping what the controls do not edit as given. Pure (no DOM), so tests run it in Node.
 */

/** A property filter as the builder edits it: the value as typed (lists comma-separated). */
export interface FilterDraft {
  property: string;
  scope: string;
  op: string;
  value: string;
  /** The value as the URL gave it, kept while its text and operator are unchanged (a number stays a number). */
  given?: unknown;
  givenOp?: string;
  /** What the builder does not edit (a group type). */
  extra?: Record<string, unknown>;
}

/**
 * A step: `event:NAME`, `stage:NAME` (a deal entering that stage, `$deal_stage` with `stage` = NAME), `any:` (any
 * event), `given:` (an OR-step, kept as the URL gave it) or '' (none chosen yet).
 */
export interface StepDraft {
  pick: string;
  /** The step's position in the URL's definition (null for a step added in the builder). */
  origin?: number | null;
  /** How a `given:` step reads (its alternatives joined by "or"). */
  label?: string;
  filters: FilterDraft[];
  /** The business stage of the step (awareness … action) for the stage roll-up; '' for none. */
  stage: string;
  /** What the builder does not edit (name, optional, gap, first time …), kept while the pick is unchanged. */
  extra: Record<string, unknown>;
  givenPick?: string;
}

/** An exclusion: `event` is `event:NAME`, `any:` (any event) or '' (none chosen yet). */
export interface ExclusionDraft {
  event: string;
  fromStep: number;
  toStep: number;
  extra: Record<string, unknown>;
}

export interface Draft {
  view: string;
  order: string;
  steps: StepDraft[];
  windowAmount: number;
  windowUnit: string;
  breakdown: string;
  /** Values kept by the breakdown (the rest summed into Other). */
  breakdownLimit: number;
  dateFrom: string;
  dateTo: string;
  exclusions: ExclusionDraft[];
  filters: FilterDraft[];
}

export const operators: { op: string; label: string }[] = [
  { op: 'eq', label: '=' },
  { op: 'neq', label: '≠' },
  { op: 'in', label: 'is one of' },
  { op: 'not_in', label: 'is none of' },
  { op: 'icontains', label: 'contains' },
  { op: 'not_icontains', label: 'does not contain' },
  { op: 'contains', label: 'contains (case-sensitive)' },
  { op: 'regex', label: 'matches regex' },
  { op: 'gt', label: '>' },
  { op: 'gte', label: '≥' },
  { op: 'lt', label: '<' },
  { op: 'lte', label: '≤' },
  { op: 'set', label: 'is set' },
  { op: 'not_set', label: 'is not set' },
];
export const noValue = new Set(['set', 'not_set']);
export const listOps = new Set(['in', 'not_in']);
const numericOps = new Set(['gt', 'gte', 'lt', 'lte']);
export const businessStages = ['awareness', 'interest', 'consideration', 'intent', 'evaluation', 'action'];

export const emptyDraft = (): Draft => ({
  view: 'steps',
  order: 'ordered',
  steps: [emptyStep(), emptyStep()],
  windowAmount: 14,
  windowUnit: 'day',
  breakdown: '',
  breakdownLimit: 8,
  dateFrom: '',
  dateTo: '',
  exclusions: [],
  filters: [],
});
export const emptyStep = (): StepDraft => ({ pick: '', filters: [], stage: '', extra: {} });

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v));

function filterDraft(f: Json): FilterDraft {
  const { property, scope, op, value, ...extra } = f;
  const operator = typeof op === 'string' ? op : 'eq';
  return {
    property: text(property),
    scope: typeof scope === 'string' ? scope : 'event',
    op: operator,
    value: text(value),
    given: value,
    givenOp: operator,
    extra,
  };
}

function filterOf(f: FilterDraft): Json {
  const base: Json = { ...f.extra, property: f.property.trim(), op: f.op };
  if (f.scope !== 'event') base.scope = f.scope;
  if (noValue.has(f.op)) return base;
  if (f.given !== undefined && f.givenOp === f.op && text(f.given) === f.value) return { ...base, value: f.given };
  if (listOps.has(f.op)) {
    return {
      ...base,
      value: f.value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    };
  }
  if (numericOps.has(f.op) && f.value.trim() !== '' && Number.isFinite(Number(f.value))) {
    return { ...base, value: Number(f.value) };
  }
  return { ...base, value: f.value };
}

/** The draft of a definition given in the URL; what the builder does not edit is kept as given. */
export function draftOf(definition: unknown): { draft: Draft; base: Json } | null {
  if (!isObject(definition)) return null;
  const d = definition;
  const window = isObject(d.window) ? d.window : {};
  const breakdown = isObject(d.breakdown) ? d.breakdown : {};
  const steps = (Array.isArray(d.steps) ? d.steps : []).filter(isObject).map((s, origin): StepDraft => {
    const stage = typeof s.stage === 'string' ? s.stage : '';
    // An OR-step is kept whole (its alternatives carry their own filters); only its business stage is edited.
    if (Array.isArray(s.anyOf)) {
      const { stage: _stage, ...extra } = s;
      const label = s.anyOf
        .map((a) => (isObject(a) && typeof a.event === 'string' ? a.event : 'any event'))
        .join(' or ');
      return { pick: 'given:', givenPick: 'given:', label, filters: [], stage, extra, origin };
    }
    const { event, filters, stage: _stage, ...extra } = s;
    const list = (Array.isArray(filters) ? filters : []).filter(isObject).map(filterDraft);
    let pick = typeof event === 'string' ? `event:${event}` : event === null ? 'any:' : '';
    // A deal stage step: `$deal_stage` whose first filter is `stage = NAME` (a name, not a number or list).
    const first = list[0];
    if (
      event === '$deal_stage' &&
      first?.property === 'stage' &&
      first.op === 'eq' &&
      first.scope === 'event' &&
      typeof first.given === 'string' &&
      Object.keys(first.extra ?? {}).length === 0
    ) {
      pick = `stage:${first.given}`;
      list.shift();
    }
    return { pick, filters: list, stage, extra, givenPick: pick, origin };
  });
  const exclusions = (Array.isArray(d.exclusions) ? d.exclusions : []).filter(isObject).map((x): ExclusionDraft => {
    const { event, fromStep, toStep, ...extra } = x;
    return {
      event: typeof event === 'string' ? `event:${event}` : event === null ? 'any:' : '',
      fromStep: Number(fromStep ?? 0),
      toStep: Number(toStep ?? 1),
      extra,
    };
  });
  return {
    base: d,
    draft: {
      view: typeof d.view === 'string' ? d.view : 'steps',
      order: typeof d.order === 'string' ? d.order : 'ordered',
      steps: steps.length > 0 ? steps : emptyDraft().steps,
      windowAmount: typeof window.amount === 'number' ? window.amount : 14,
      windowUnit: typeof window.unit === 'string' ? window.unit : 'day',
      breakdown: Array.isArray(breakdown.properties) ? text(breakdown.properties[0]) : '',
      // The schema's default when the URL names a breakdown without a limit.
      breakdownLimit: typeof breakdown.limit === 'number' ? breakdown.limit : 25,
      dateFrom: text(d.dateFrom),
      dateTo: text(d.dateTo),
      exclusions,
      filters: (Array.isArray(d.filters) ? d.filters : []).filter(isObject).map(filterDraft),
    },
  };
}

/** A step of the definition: what the builder edits over what it does not (kept while the pick is unchanged). */
function stepOf(s: StepDraft): Json {
  const kind = s.pick.slice(0, s.pick.indexOf(':'));
  const name = s.pick.slice(s.pick.indexOf(':') + 1);
  const filters = s.filters.filter((f) => f.property.trim() !== '').map(filterOf);
  const unchanged = s.pick === s.givenPick;
  const step: Json = unchanged ? { ...s.extra } : {};
  if (kind === 'given') {
    // An OR-step as given.
  } else if (kind === 'stage') {
    step.event = '$deal_stage';
    step.filters = [{ property: 'stage', op: 'eq', value: name }, ...filters];
    if (!unchanged) step.name = `Deal: ${name}`;
  } else {
    step.event = kind === 'any' ? null : name;
    if (filters.length > 0) step.filters = filters;
  }
  if (s.stage) step.stage = s.stage;
  return step;
}

/** The written position of draft step `i`, or of the nearest kept one after (`direction` 1) or before (−1). */
function nextKept(position: Map<number, number>, i: number, direction: 1 | -1, length: number): number | null {
  for (let j = i; j >= 0 && j < length; j += direction) {
    const at = position.get(j);
    if (at !== undefined) return at;
  }
  return null;
}

/**
 * The draft without step `i`: exclusions move with the steps after it; one that started at it starts at the next
 * step, one that ended at it ends at the step before, and one left with nothing between its ends is dropped.
 */
export function removeStep(draft: Draft, i: number): Draft {
  const shift = (n: number) => (n > i ? n - 1 : n);
  return {
    ...draft,
    steps: draft.steps.filter((_, j) => j !== i),
    exclusions: draft.exclusions
      .map((x) => ({ ...x, fromStep: shift(x.fromStep), toStep: x.toStep === i ? i - 1 : shift(x.toStep) }))
      .filter((x) => x.fromStep < x.toStep),
  };
}

/** The funnel definition (docs/funnels.md) of a draft, over the fields of the URL's definition it does not edit. */
export function definitionOf(draft: Draft, base: Json): Json {
  const {
    view: _view,
    breakdown: baseBreakdown,
    steps: _steps,
    order: _order,
    exclusions: _exclusions,
    filters: _filters,
    dateFrom: _from,
    dateTo: _to,
    window: _window,
    ...kept
  } = base;
  // Steps without a pick are left out: positions move, so exclusions and step numbers follow them.
  const position = new Map<number, number>();
  const originPosition = new Map<number, number>();
  const steps: Json[] = [];
  draft.steps.forEach((s, i) => {
    if (s.pick === '') return;
    position.set(i, steps.length);
    if (s.origin !== undefined && s.origin !== null) originPosition.set(s.origin, steps.length);
    steps.push(stepOf(s));
  });
  const exclusions = draft.exclusions.flatMap((x) => {
    if (x.event === '') return [];
    const from = nextKept(position, x.fromStep, 1, draft.steps.length);
    const to = nextKept(position, Math.min(x.toStep, draft.steps.length - 1), -1, draft.steps.length);
    if (from === null || to === null || from >= to) return [];
    return [{ ...x.extra, event: x.event === 'any:' ? null : x.event.slice(6), fromStep: from, toStep: to }];
  });
  // Step numbers of the URL's definition that the builder does not edit: renumbered, or dropped (back to their
  // defaults) when their step is gone.
  const renumbered: Json = {};
  for (const key of ['fromStep', 'toStep'] as const) {
    const n = kept[key];
    if (typeof n !== 'number') continue;
    delete kept[key];
    const at = originPosition.get(n);
    if (at !== undefined) renumbered[key] = at;
  }
  const givenBreakdown: Json = isObject(baseBreakdown) ? { ...baseBreakdown } : {};
  if (typeof givenBreakdown.attributionStep === 'number') {
    const at = originPosition.get(givenBreakdown.attributionStep);
    if (at === undefined) {
      delete givenBreakdown.attributionStep;
      if (givenBreakdown.attribution === 'step') delete givenBreakdown.attribution;
    } else {
      givenBreakdown.attributionStep = at;
    }
  }
  const sameBreakdown = Array.isArray(givenBreakdown.properties) && givenBreakdown.properties[0] === draft.breakdown;
  const limit = Math.max(1, Math.round(draft.breakdownLimit) || 8);
  const filters = draft.filters.filter((f) => f.property.trim() !== '').map(filterOf);
  return {
    ...kept,
    ...renumbered,
    ...(draft.view !== 'steps' ? { view: draft.view } : {}),
    ...(draft.order !== 'ordered' ? { order: draft.order } : {}),
    steps,
    window: { amount: draft.windowAmount, unit: draft.windowUnit },
    ...(draft.dateFrom ? { dateFrom: draft.dateFrom } : {}),
    ...(draft.dateTo ? { dateTo: draft.dateTo } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    ...(exclusions.length > 0 ? { exclusions } : {}),
    ...(draft.breakdown
      ? { breakdown: sameBreakdown ? { ...givenBreakdown, limit } : { properties: [draft.breakdown], limit } }
      : {}),
  };
}
