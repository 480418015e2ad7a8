/**
 * The worked examples of FUNNEL-SEMANTICS (test/fixtures/funnel-scenarios) in our terms: each scenario's events as
 * a Segment-spec NDJSON file (persons → identify calls, groups → group calls) and its neutral funnel as our
 * definition. The CLI suite and the ClickHouse suite run them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures } from './cli.js';

type Props = Record<string, unknown>;
interface NeutralFilter {
  prop: string;
  op: string;
  value?: unknown;
  scope?: string;
  group_key?: string;
}
interface NeutralStep {
  event: string | null;
  where?: Props;
  filters?: NeutralFilter[];
  first_time?: string;
  optional?: boolean;
}
export interface Scenario {
  id: string;
  events: { user: string; event: string; ts: string; props?: Props }[];
  persons?: { id: string; distinct_ids: string[]; props?: Props }[];
  groups?: Record<string, Record<string, Props>>;
  funnel: Record<string, unknown> & { steps: NeutralStep[] };
  expected: Record<string, unknown>;
}

export const scenarios = (
  JSON.parse(readFileSync(join(fixtures, 'funnel-scenarios/funnel-scenarios-sample.json'), 'utf8')) as {
    scenarios: Scenario[];
  }
).scenarios;

const opMap: Record<string, string> = {
  exact: 'eq',
  is_not: 'neq',
  icontains: 'icontains',
  not_icontains: 'not_icontains',
  is_set: 'set',
  is_not_set: 'not_set',
  regex: 'regex',
  gt: 'gt',
  lt: 'lt',
};

function filtersOf(where: Props | undefined, filters: NeutralFilter[] | undefined) {
  const out: Record<string, unknown>[] = [];
  for (const [property, value] of Object.entries(where ?? {})) {
    out.push({ property, op: Array.isArray(value) ? 'in' : 'eq', value });
  }
  for (const f of filters ?? []) {
    let op = opMap[f.op];
    if (!op) throw new Error(`unknown op ${f.op}`);
    if (Array.isArray(f.value)) op = op === 'eq' ? 'in' : op === 'neq' ? 'not_in' : op;
    out.push({
      property: f.prop,
      op,
      scope: f.scope ?? 'event',
      ...(f.scope === 'group' ? { groupType: f.group_key } : {}),
      ...(f.value === undefined ? {} : { value: f.value }),
    });
  }
  return out;
}

/** The neutral funnel (FUNNEL-SEMANTICS §7) as our definition. */
export function toDefinition(f: Scenario['funnel']): Record<string, unknown> {
  const d: Record<string, unknown> = {
    steps: f.steps.map((s) => ({
      event: s.event,
      filters: filtersOf(s.where, s.filters),
      ...(s.first_time ? { firstTime: s.first_time } : {}),
      ...(s.optional ? { optional: true } : {}),
    })),
    order: f.order ?? 'ordered',
  };
  if (f.window) d.window = f.window;
  if (f.date_from) d.dateFrom = f.date_from;
  if (f.date_to) d.dateTo = f.date_to;
  if (f.timezone) d.timezone = f.timezone;
  const global = filtersOf(f.global_where as Props | undefined, f.global_filters as NeutralFilter[] | undefined);
  if (global.length > 0) d.filters = global;
  if (f.exclusions) {
    d.exclusions = (f.exclusions as (NeutralStep & { from_step: number; to_step: number })[]).map((x) => ({
      event: x.event,
      filters: filtersOf(x.where, x.filters),
      fromStep: x.from_step,
      toStep: x.to_step,
    }));
  }
  if (f.breakdown) {
    const b = f.breakdown as {
      prop: string | string[];
      scope?: string;
      group_key?: string;
      attribution?: string;
      limit?: number;
      normalize_url?: boolean;
    };
    const attribution = b.attribution ?? 'first_touch';
    const step = attribution.startsWith('step:') ? Number(attribution.slice(5)) : null;
    d.breakdown = {
      properties: Array.isArray(b.prop) ? b.prop : [b.prop],
      scope: b.scope ?? 'event',
      ...(b.group_key ? { groupType: b.group_key } : {}),
      attribution: step === null ? attribution : 'step',
      ...(step === null ? {} : { attributionStep: step }),
      ...(b.limit ? { limit: b.limit } : {}),
      ...(b.normalize_url ? { normalizeUrl: true } : {}),
    };
  }
  const aggregate = f.aggregate_by as { prop?: string; person_prop?: string } | undefined;
  if (aggregate?.prop) d.countBy = { type: 'property', property: aggregate.prop };
  if (aggregate?.person_prop) d.countBy = { type: 'person_property', property: aggregate.person_prop };
  if (f.viz) d.view = f.viz;
  if (f.from_step !== undefined) d.fromStep = f.from_step;
  if (f.to_step !== undefined) d.toStep = f.to_step;
  if (f.interval) d.interval = f.interval;
  if (f.bin_count) d.bins = f.bin_count;
  if (f.correlation) {
    const c = f.correlation as { exclude_events?: string[] };
    d.correlation = { type: 'events', excludeEvents: c.exclude_events ?? [] };
  }
  return d;
}

/** Events as Segment track calls; merged distinct ids as identify calls; group properties as group calls. */
export function toNdjson(s: Scenario): string {
  const lines: Props[] = [];
  const groupKeys = new Set(Object.keys(s.groups ?? {}));
  const earliest = s.events.map((e) => e.ts).sort()[0] ?? '2020-01-01T00:00:00Z';
  const before = new Date(Date.parse(earliest) - 86_400_000).toISOString();
  s.events.forEach((e, i) => {
    const groups: Record<string, string> = {};
    for (const key of groupKeys) if (e.props?.[key] !== undefined) groups[key] = String(e.props[key]);
    lines.push({
      type: 'track',
      messageId: `${s.id}-${i}`,
      userId: e.user,
      event: e.event,
      timestamp: e.ts,
      properties: e.props ?? {},
      ...(Object.keys(groups).length > 0 ? { context: { groups } } : {}),
    });
  });
  for (const person of s.persons ?? []) {
    const [main, ...others] = person.distinct_ids;
    lines.push({ type: 'identify', userId: main, timestamp: before, traits: person.props ?? {} });
    for (const other of others) lines.push({ type: 'identify', userId: main, anonymousId: other, timestamp: before });
  }
  for (const [groupType, byKey] of Object.entries(s.groups ?? {})) {
    for (const [key, props] of Object.entries(byKey)) {
      lines.push({
        type: 'group',
        userId: '$group-admin',
        groupId: key,
        timestamp: before,
        traits: { ...props, $group_type: groupType },
      });
    }
  }
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}
