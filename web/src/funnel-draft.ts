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
  /** The value as the URL gave it, kept while its text is unchanged (a number stays a number). */
  given?: unknown;
  /** What the builder does not edit (a group type). */
  extra?: Record<string, unknown>;
}

/** A step: `event:NAME`, `stage:NAME` (a deal entering that stage, `$deal_stage` with `stage` = NAME) or ''. */
export interface StepDraft {
  pick: string;
  filters: FilterDraft[];
  /** The business stage of the step (awareness … action) for the stage roll-up; '' for none. */
  stage: string;
  /** What the builder does not edit (name, optional, gap, first time …), kept while the pick is unchanged. */
  extra: Record<string, unknown>;
  givenPick?: string;
}

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
  return {
    property: text(property),
    scope: typeof scope === 'string' ? scope : 'event',
    op: typeof op === 'string' ? op : 'eq',
    value: text(value),
    given: value,
    extra,
  };
}

function filterOf(f: FilterDraft): Json {
  const base: Json = { ...f.extra, property: f.property.trim(), op: f.op };
  if (f.scope !== 'event') base.scope = f.scope;
  if (noValue.has(f.op)) return base;
  if (f.given !== undefined && text(f.given) === f.value) return { ...base, value: f.given };
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
  const steps = (Array.isArray(d.steps) ? d.steps : []).filter(isObject).map((s): StepDraft => {
    const { event, filters, stage, ...extra } = s;
    const list = (Array.isArray(filters) ? filters : []).filter(isObject).map(filterDraft);
    let pick = typeof event === 'string' ? `event:${event}` : '';
    // A deal stage step: `$deal_stage` whose first filter is `stage = NAME`.
    const first = list[0];
    if (event === '$deal_stage' && first?.property === 'stage' && first.op === 'eq' && first.scope === 'event') {
      pick = `stage:${first.value}`;
      list.shift();
    }
    return { pick, filters: list, stage: typeof stage === 'string' ? stage : '', extra, givenPick: pick };
  });
  const exclusions = (Array.isArray(d.exclusions) ? d.exclusions : []).filter(isObject).map((x): ExclusionDraft => {
    const { event, fromStep, toStep, ...extra } = x;
    return { event: text(event), fromStep: Number(fromStep ?? 0), toStep: Number(toStep ?? 1), extra };
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
      breakdownLimit: typeof breakdown.limit === 'number' ? breakdown.limit : 8,
      dateFrom: text(d.dateFrom),
      dateTo: text(d.dateTo),
      exclusions,
      filters: (Array.isArray(d.filters) ? d.filters : []).filter(isObject).map(filterDraft),
    },
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
  const steps = draft.steps
    .filter((s) => s.pick !== '')
    .map((s) => {
      const kind = s.pick.slice(0, s.pick.indexOf(':'));
      const name = s.pick.slice(s.pick.indexOf(':') + 1);
      const filters = s.filters.filter((f) => f.property.trim() !== '').map(filterOf);
      const step: Json = s.pick === s.givenPick ? { ...s.extra } : {};
      if (kind === 'stage') {
        step.event = '$deal_stage';
        step.filters = [{ property: 'stage', op: 'eq', value: name }, ...filters];
        if (step.name === undefined) step.name = `Deal: ${name}`;
      } else {
        step.event = name;
        if (filters.length > 0) step.filters = filters;
      }
      if (s.stage) step.stage = s.stage;
      return step;
    });
  const givenBreakdown = isObject(baseBreakdown) ? baseBreakdown : {};
  const sameBreakdown = Array.isArray(givenBreakdown.properties) && givenBreakdown.properties[0] === draft.breakdown;
  const limit = Math.max(1, Math.round(draft.breakdownLimit) || 8);
  const filters = draft.filters.filter((f) => f.property.trim() !== '').map(filterOf);
  return {
    ...kept,
    ...(draft.view !== 'steps' ? { view: draft.view } : {}),
    ...(draft.order !== 'ordered' ? { order: draft.order } : {}),
    steps,
    window: { amount: draft.windowAmount, unit: draft.windowUnit },
    ...(draft.dateFrom ? { dateFrom: draft.dateFrom } : {}),
    ...(draft.dateTo ? { dateTo: draft.dateTo } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    ...(draft.exclusions.some((x) => x.event)
      ? {
          exclusions: draft.exclusions
            .filter((x) => x.event)
            .map((x) => ({ ...x.extra, event: x.event, fromStep: x.fromStep, toStep: x.toStep })),
        }
      : {}),
    ...(draft.breakdown
      ? { breakdown: sameBreakdown ? { ...givenBreakdown, limit } : { properties: [draft.breakdown], limit } }
      : {}),
  };
}
