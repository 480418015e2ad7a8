import { endOfDayUtcMs, startOfDayUtcMs } from '../analysis/calendar.js';
import { identityEventNames } from '../model/bookkeeping-events.js';
import type { FunnelDefinition, PropertyFilter } from '../model/funnel-definition.js';
import type { DictionaryColumn } from '../store/event-columns.js';
import type { ProjectColumns } from './column-cache.js';
import { matchTable } from './filter-match.js';

/**
 * A funnel definition compiled against a project's columns: the events a kernel visits, unit after unit and oldest
 * first, as compact arrays indexed by position (so the kernels read memory in order).
 *
 * Bits: `steps[i]` bit k = the event can fill step k (its name, the step's filters, the global filters, the date
 * range and, for first-time steps, being the person's first such event all hold). `exclusions[i]` bit k = the
 * event is an exclusion guarding the transition into step k (an exclusion from f to t guards the transitions
 * f+1 … t, FUNNEL-SEMANTICS §3).
 *
 * The arrays are scratch buffers of the column cache: valid until the next synchronous funnel run.
 */
export interface FunnelStream {
  stepCount: number;
  /** Number of positions. */
  length: number;
  /** Event time, µs since the epoch. */
  ts: Float64Array;
  steps: Int32Array;
  exclusions: Int32Array;
  /** The store row of each position, and its person (filled only when asked for: StreamOptions.persons). */
  rowOf: Int32Array;
  personAt: Int32Array;
  /** Unit u owns positions unitStarts[u] … unitStarts[u + 1] − 1. */
  unitStarts: Int32Array;
  /** Per unit, the OR of its positions' step and exclusion bits (a unit with only step-0 events is trivial). */
  unitBits: Int32Array;
  unitCount: number;
  /** Event name code per store row, and the names. */
  eventCode: Int32Array;
  eventNames: readonly string[];
  /** Date range as µs bounds [fromUs, toUs); ±Infinity when open. */
  fromUs: number;
  toUs: number;
}

/** Per-row test of one filter: a lookup over the dictionary codes of the column it reads. */
interface CompiledFilter {
  codes: Int32Array;
  table: Uint8Array;
  /** The column is per person: index it by the row's person. */
  perPerson: boolean;
}

/** Every column a definition reads, loaded before the synchronous part of a run. */
export interface FunnelInputs {
  global: CompiledFilter[];
  /** Per step, per alternative (docs/funnels.md, OR-steps): its compiled filters. */
  steps: CompiledFilter[][][];
  exclusions: CompiledFilter[][];
  /** For count-by other than person: the unit's value column (per row, or per person). */
  unit: { column: DictionaryColumn; perPerson: boolean } | null;
}

async function filterColumn(project: ProjectColumns, filter: PropertyFilter): Promise<DictionaryColumn> {
  if (filter.scope === 'person') return project.personValues(filter.property);
  if (filter.scope === 'group') {
    const groupType = filter.groupType ?? '';
    // `$group_key` (or the type's name itself) reads the group's key rather than a trait.
    if (filter.property === '$group_key' || filter.property === groupType) {
      return project.eventValues({ kind: 'group_key', groupType });
    }
    return project.eventValues({ kind: 'group', groupType, property: filter.property });
  }
  return project.eventValues({ kind: 'event', property: filter.property });
}

async function compileFilters(project: ProjectColumns, filters: readonly PropertyFilter[]): Promise<CompiledFilter[]> {
  const compiled: CompiledFilter[] = [];
  for (const filter of filters) {
    const column = await filterColumn(project, filter);
    compiled.push({
      codes: column.codes,
      table: matchTable(filter, column.values),
      perPerson: filter.scope === 'person',
    });
  }
  return compiled;
}

export async function loadFunnelInputs(project: ProjectColumns, definition: FunnelDefinition): Promise<FunnelInputs> {
  const steps: CompiledFilter[][][] = [];
  for (const step of definition.steps) {
    const alternatives: CompiledFilter[][] = [];
    for (const alternative of step.alternatives) alternatives.push(await compileFilters(project, alternative.filters));
    steps.push(alternatives);
  }
  const exclusions: CompiledFilter[][] = [];
  for (const exclusion of definition.exclusions) exclusions.push(await compileFilters(project, exclusion.filters));
  const c = definition.countBy;
  let unit: FunnelInputs['unit'] = null;
  if (c.type === 'person_property') unit = { column: await project.personValues(c.property), perPerson: true };
  if (c.type === 'group') {
    unit = { column: await project.eventValues({ kind: 'group_key', groupType: c.groupType }), perPerson: false };
  }
  if (c.type === 'property') {
    unit = { column: await project.eventValues({ kind: 'event', property: c.property }), perPerson: false };
  }
  return { global: await compileFilters(project, definition.filters), steps, exclusions, unit };
}

function passes(filters: readonly CompiledFilter[], row: number, person: number): boolean {
  for (const f of filters) {
    if (f.table[f.codes[f.perPerson ? person : row] as number] !== 1) return false;
  }
  return true;
}

/** Per event-name code: the bits of the entries (steps or exclusions) whose event it is. */
function nameMasks(eventNames: readonly string[], events: readonly (string | null)[], bitOf: (i: number) => number) {
  const masks = new Int32Array(eventNames.length);
  eventNames.forEach((name, code) => {
    events.forEach((event, i) => {
      const named = event === name;
      const any = event === null && !identityEventNames.has(name);
      if (named || any) masks[code] = (masks[code] as number) | bitOf(i);
    });
  });
  return masks;
}

/** The first person in [lo, hi) whose events start at or after row `target` (hi when none does). */
export function firstPersonFrom(personStarts: Int32Array, lo: number, hi: number, target: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >> 1;
    if ((personStarts[mid] as number) < target) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * The person of store row `row`, looked for from person `from` on: callers walking rows in person order find it
 * among the next few persons; a binary search otherwise.
 */
export function personOf(personStarts: Int32Array, personCount: number, row: number, from = 0): number {
  let person = from;
  for (let step = 0; step < 8; step += 1) {
    if (row < (personStarts[person] as number)) break;
    if (row < (personStarts[person + 1] as number)) return person;
    person += 1;
  }
  return firstPersonFrom(personStarts, 0, personCount, row + 1) - 1;
}

/** What a stream is built from: the columns, and the buffers it may write. */
export type StreamSource = Pick<ProjectColumns, 'columns' | 'nameCodes' | 'scratch'>;

export interface StreamOptions {
  /** Only the persons [first, end) (a part of a parallel run); all when absent. */
  personRange?: readonly [number, number];
  /** Also visit events that fill no step (strict funnels and correlation need them). */
  allEvents: boolean;
  /** Fill `personAt` (person-scope breakdowns and count-by person properties read it). */
  persons: boolean;
}

/** Compiles the definition into the position arrays: one pass over the rows, person by person. */
export function buildFunnelStream(
  project: StreamSource,
  definition: FunnelDefinition,
  inputs: FunnelInputs,
  options: StreamOptions,
): FunnelStream {
  const { columns, scratch } = project;
  const { personCount, personStarts, tsUs, eventCode, eventNames } = columns;
  const steps = definition.steps;
  const n = steps.length;
  const fromUs = definition.dateFrom ? startOfDayUtcMs(definition.dateFrom, definition.timezone) * 1000 : -Infinity;
  const toUs = definition.dateTo ? endOfDayUtcMs(definition.dateTo, definition.timezone) * 1000 : Infinity;

  // Every alternative of every step (a plain step has one): its event, and the step it fills.
  const alternatives = steps.flatMap((s, k) => s.alternatives.map((a) => ({ ...a, step: k })));
  const stepNameMask = nameMasks(
    eventNames,
    alternatives.map((a) => a.event),
    (i) => 1 << (alternatives[i] as { step: number }).step,
  );
  const exclusionNameMask = nameMasks(
    eventNames,
    definition.exclusions.map((x) => x.event),
    (j) => 1 << j,
  );
  /** Names an entry explicitly asks for stay visible even when they are identity calls. */
  const visibleName = new Uint8Array(eventNames.length);
  eventNames.forEach((name, code) => {
    const named = alternatives.some((a) => a.event === name) || definition.exclusions.some((x) => x.event === name);
    visibleName[code] = !identityEventNames.has(name) || named ? 1 : 0;
  });
  const { global, steps: stepFilters, exclusions: exclusionFilters } = inputs;
  // Steps whose bit needs more than the event name: a filter, or alternatives of which only some match the name.
  const filteredSteps = steps.reduce(
    (mask, s, k) => (s.alternatives.length > 1 || (stepFilters[k]?.[0]?.length ?? 0) > 0 ? mask | (1 << k) : mask),
    0,
  );
  /** Per step, per alternative: the event codes it names (1) and its filters. */
  const stepAlternatives = steps.map((s, k) =>
    s.alternatives.map((a, i) => ({
      names: nameMasks(eventNames, [a.event], () => 1),
      filters: (stepFilters[k] as CompiledFilter[][])[i] as CompiledFilter[],
    })),
  );
  const filteredExclusions = exclusionFilters.reduce((mask, f, j) => (f.length > 0 ? mask | (1 << j) : mask), 0);
  /** Exclusion j guards the transitions into steps fromStep+1 … toStep. */
  const guarded = definition.exclusions.map((x) => {
    let bits = 0;
    for (let i = x.fromStep + 1; i <= x.toStep; i += 1) bits |= 1 << i;
    return bits;
  });
  const firstTimeSteps = steps.flatMap((s, k) => (s.firstTime ? [k] : []));
  const firstTimeMask = firstTimeSteps.reduce((m, k) => m | (1 << k), 0);
  const firstSeen = new Uint8Array(n);
  const allEvents = options.allEvents;
  const bounded = fromUs !== -Infinity || toUs !== Infinity;
  // Entry-only range (docs/funnels.md): events after it still fill later steps; step 0 only inside it.
  const entryOnly = definition.entryDateRange && toUs !== Infinity;
  const untilUs = entryOnly ? Infinity : toUs;
  const hasGlobal = global.length > 0;

  const [firstPerson, endPerson] = options.personRange ?? [0, personCount];
  const firstRow = personStarts[firstPerson] as number;
  const endRow = personStarts[endPerson] as number;
  const rows = endRow - firstRow;
  const ts = scratch.f64('ts', rows);
  const stepsAt = scratch.i32('steps', rows);
  const exclusionsAt = scratch.i32('exclusions', rows);
  const rowOf = scratch.i32('rowOf', rows);
  const personAt = scratch.i32('personAt', rows);
  const unitStarts = scratch.i32('unitStarts', endPerson - firstPerson + 1);
  const unitBits = scratch.i32('unitBits', endPerson - firstPerson + 1);
  let size = 0;
  let units = 0;
  let person = firstPerson - 1;
  let personEnd = firstRow;
  let lastUnitPerson = -1;

  const plain =
    !allEvents && !hasGlobal && filteredSteps === 0 && filteredExclusions === 0 && firstTimeMask === 0 && !entryOnly;
  if (plain) {
    // No filters and no first-time steps: an event's bits depend on its name alone.
    const guardsOfName = new Int32Array(eventNames.length);
    for (let code = 0; code < eventNames.length; code += 1) {
      let guards = 0;
      for (let j = 0; j < guarded.length; j += 1) {
        if ((exclusionNameMask[code] as number) & (1 << j)) guards |= guarded[j] as number;
      }
      guardsOfName[code] = guards;
    }
    const out = { ts, steps: stepsAt, exclusions: exclusionsAt, rowOf, personAt, unitStarts, unitBits };
    const counts = scanByName(
      project,
      [firstPerson, endPerson],
      stepNameMask,
      guardsOfName,
      fromUs,
      toUs,
      out,
      options.persons,
    );
    size = counts.size;
    units = counts.units;
  }

  for (let row = plain ? endRow : firstRow; row < endRow; row += 1) {
    if (row >= personEnd) {
      do {
        person += 1;
        personEnd = personStarts[person + 1] as number;
      } while (row >= personEnd);
      if (firstTimeMask !== 0) firstSeen.fill(0);
    }
    const code = eventCode[row] as number;
    let stepBits = stepNameMask[code] as number;
    let exclusionBits = exclusionNameMask[code] as number;
    const t = tsUs[row] as number;
    if (stepBits & firstTimeMask) {
      // First-time steps: only the person's first-ever event of the name (`any`) or first passing the step's
      // filters (`with_filters`) may fill the step, looking back before the range; it must itself be in range.
      for (const k of firstTimeSteps) {
        const bit = 1 << k;
        if (!(stepBits & bit)) continue;
        const candidate =
          t < (k === 0 ? toUs : untilUs) &&
          (steps[k]?.firstTime === 'any' ||
            (passes(global, row, person) && passes(stepFilters[k]?.[0] as CompiledFilter[], row, person)));
        if (candidate && firstSeen[k] === 0) firstSeen[k] = 1;
        else stepBits &= ~bit;
      }
    }
    if (!allEvents && (stepBits | exclusionBits) === 0) continue;
    if (visibleName[code] === 0) continue;
    if (bounded && (t < fromUs || t >= untilUs)) continue;
    if (entryOnly && t >= toUs) stepBits &= ~1;
    if (hasGlobal && !passes(global, row, person)) continue;
    if (stepBits & filteredSteps) {
      for (let k = 0; k < n; k += 1) {
        const bit = 1 << k;
        if (!(stepBits & bit & filteredSteps)) continue;
        // The step holds when any of its alternatives names this event and passes its filters.
        let holds = false;
        for (const a of stepAlternatives[k] as { names: Int32Array; filters: CompiledFilter[] }[]) {
          if (a.names[code] === 1 && passes(a.filters, row, person)) {
            holds = true;
            break;
          }
        }
        if (!holds) stepBits &= ~bit;
      }
    }
    let guards = 0;
    if (exclusionBits !== 0) {
      for (let j = 0; j < guarded.length; j += 1) {
        const bit = 1 << j;
        if (!(exclusionBits & bit)) continue;
        if (bit & filteredExclusions && !passes(exclusionFilters[j] as CompiledFilter[], row, person)) {
          exclusionBits &= ~bit;
          continue;
        }
        guards |= guarded[j] as number;
      }
    }
    if (!allEvents && (stepBits | guards) === 0) continue;
    if (person !== lastUnitPerson) {
      unitStarts[units++] = size;
      lastUnitPerson = person;
    }
    ts[size] = t;
    stepsAt[size] = stepBits;
    exclusionsAt[size] = guards;
    rowOf[size] = row;
    personAt[size] = person;
    size += 1;
  }
  unitStarts[units] = size;

  const stream: FunnelStream = {
    stepCount: n,
    length: size,
    ts,
    steps: stepsAt,
    exclusions: exclusionsAt,
    rowOf,
    personAt,
    unitStarts,
    unitBits,
    unitCount: units,
    eventCode,
    eventNames,
    fromUs,
    toUs,
  };
  if (inputs.unit) return fillUnitBits(regroupByUnit(project, stream, inputs.unit));
  return plain ? stream : fillUnitBits(stream);
}

/** Per unit, the OR of its positions' bits (the plain scan fills it on the way). */
function fillUnitBits(stream: FunnelStream): FunnelStream {
  for (let u = 0; u < stream.unitCount; u += 1) {
    let bits = 0;
    const end = stream.unitStarts[u + 1] as number;
    for (let i = stream.unitStarts[u] as number; i < end; i += 1) {
      bits |= (stream.steps[i] as number) | (stream.exclusions[i] as number);
    }
    stream.unitBits[u] = bits;
  }
  return stream;
}

/**
 * Re-orders a person-ordered stream by another counting unit: positions without a unit value are dropped, a
 * counting sort groups them by unit, and each unit's positions are sorted by time.
 */
function regroupByUnit(
  project: StreamSource,
  stream: FunnelStream,
  unit: { column: DictionaryColumn; perPerson: boolean },
): FunnelStream {
  const { scratch } = project;
  const values = unit.column.values.length;
  const unitAt = (i: number) =>
    unit.column.codes[unit.perPerson ? (stream.personAt[i] as number) : (stream.rowOf[i] as number)] as number;
  const counts = new Int32Array(values + 1);
  for (let i = 0; i < stream.length; i += 1) {
    const u = unitAt(i);
    if (u !== 0) counts[u + 1] = (counts[u + 1] as number) + 1;
  }
  for (let u = 0; u < values; u += 1) counts[u + 1] = (counts[u + 1] as number) + (counts[u] as number);
  const total = counts[values] as number;
  const order = new Int32Array(total);
  const next = counts.slice(0, values);
  for (let i = 0; i < stream.length; i += 1) {
    const u = unitAt(i);
    if (u === 0) continue;
    order[next[u] as number] = i;
    next[u] = (next[u] as number) + 1;
  }
  const starts = scratch.i32('unitStarts2', values + 1);
  let units = 0;
  for (let u = 1; u < values; u += 1) {
    const begin = counts[u] as number;
    const end = counts[u + 1] as number;
    if (end === begin) continue;
    if (end - begin > 1) {
      const segment = Array.from(order.subarray(begin, end));
      segment.sort((a, b) => (stream.ts[a] as number) - (stream.ts[b] as number) || a - b);
      order.set(segment, begin);
    }
    starts[units++] = begin;
  }
  starts[units] = total;
  const ts = scratch.f64('ts2', total);
  const steps = scratch.i32('steps2', total);
  const exclusions = scratch.i32('exclusions2', total);
  const rowOf = scratch.i32('rowOf2', total);
  const personAt = scratch.i32('personAt2', total);
  for (let j = 0; j < total; j += 1) {
    const i = order[j] as number;
    ts[j] = stream.ts[i] as number;
    steps[j] = stream.steps[i] as number;
    exclusions[j] = stream.exclusions[i] as number;
    rowOf[j] = stream.rowOf[i] as number;
    personAt[j] = stream.personAt[i] as number;
  }
  const unitBits = scratch.i32('unitBits2', units + 1);
  return {
    ...stream,
    length: total,
    ts,
    steps,
    exclusions,
    rowOf,
    personAt,
    unitStarts: starts,
    unitBits,
    unitCount: units,
  };
}

/**
 * The unfiltered scan: an event's bits come from its name alone. First a branch-free pass collects the rows
 * whose name matters (the CPU cannot predict a per-row branch on interleaved events), then a pass over just those
 * rows fills the position arrays and the unit boundaries.
 */
function scanByName(
  project: StreamSource,
  [firstPerson, endPerson]: readonly [number, number],
  stepNameMask: Int32Array,
  guardsOfName: Int32Array,
  fromUs: number,
  toUs: number,
  out: Pick<FunnelStream, 'ts' | 'steps' | 'exclusions' | 'rowOf' | 'personAt' | 'unitStarts' | 'unitBits'>,
  withPersons: boolean,
): { size: number; units: number } {
  const { personStarts, tsUs } = project.columns;
  const codes = project.nameCodes;
  const firstRow = personStarts[firstPerson] as number;
  const endRow = personStarts[endPerson] as number;
  const { ts, steps, exclusions, rowOf, personAt, unitStarts, unitBits } = out;
  const wanted = new Int32Array(stepNameMask.length);
  for (let c = 0; c < wanted.length; c += 1)
    wanted[c] = ((stepNameMask[c] as number) | (guardsOfName[c] as number)) !== 0 ? 1 : 0;
  let found = 0;
  const last = endRow - 1;
  for (let row = firstRow; row < last; row += 1) {
    rowOf[found] = row;
    found += wanted[codes[row] as number] as number;
  }
  if (endRow > firstRow && wanted[codes[last] as number] === 1) rowOf[found++] = last;

  let size = 0;
  let units = 0;
  let person = firstPerson - 1;
  let personEnd = firstRow;
  let lastUnitPerson = -1;
  let bits = 0;
  const bounded = fromUs !== -Infinity || toUs !== Infinity;
  for (let i = 0; i < found; i += 1) {
    const row = rowOf[i] as number;
    const t = tsUs[row] as number;
    if (bounded && (t < fromUs || t >= toUs)) continue;
    while (row >= personEnd) {
      person += 1;
      personEnd = personStarts[person + 1] as number;
    }
    if (person !== lastUnitPerson) {
      if (units > 0) unitBits[units - 1] = bits;
      bits = 0;
      unitStarts[units++] = size;
      lastUnitPerson = person;
    }
    const code = codes[row] as number;
    const stepBits = stepNameMask[code] as number;
    const guards = guardsOfName[code] as number;
    ts[size] = t;
    steps[size] = stepBits;
    exclusions[size] = guards;
    bits |= stepBits | guards;
    if (bounded) rowOf[size] = row;
    if (withPersons) personAt[size] = person;
    size += 1;
  }
  if (units > 0) unitBits[units - 1] = bits;
  return { size, units };
}
