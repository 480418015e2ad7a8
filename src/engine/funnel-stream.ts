import { endOfDayUtcMs, startOfDayUtcMs } from '../analysis/calendar.js';
import type { FunnelDefinition, PropertyFilter } from '../model/funnel-definition.js';
import type { DictionaryColumn } from '../store/event-columns.js';
import type { ProjectColumns } from './column-cache.js';
import { matchTable } from './filter-match.js';

/**
 * A funnel definition compiled against a project's columns: per event which steps it can fill and which
 * exclusions it triggers, and the order in which the kernels visit events (unit by unit, oldest first).
 *
 * Bits: `stepMask[row]` bit k = the event can fill step k (its name, the step's filters, the global filters,
 * the date range and, for first-time steps, being the person's first such event all hold). `exclusionMask[row]`
 * bit i = the event is an exclusion that guards the transition into step i (an exclusion from f to t guards the
 * transitions f+1 … t, FUNNEL-SEMANTICS §3).
 */
export interface FunnelStream {
  stepCount: number;
  /** Event time per row, µs since the epoch (the store's column, shared). */
  tsUs: Float64Array;
  stepMask: Int32Array;
  exclusionMask: Int32Array;
  /** The rows a kernel visits, unit after unit, each unit's rows oldest first. */
  rows: Int32Array;
  /** Unit u owns rows[unitStarts[u]] … rows[unitStarts[u + 1] - 1]. */
  unitStarts: Int32Array;
  unitCount: number;
  /** Event name code per row and the names (for correlation). */
  eventCode: Int32Array;
  eventNames: readonly string[];
  /** Date range as µs bounds [fromUs, toUs); ±Infinity when open. */
  fromUs: number;
  toUs: number;
}

/** Identity calls are bookkeeping, not behaviour: only a step or exclusion that names one sees it. */
export const identityEventNames: ReadonlySet<string> = new Set(['$identify', '$groupidentify', '$create_alias']);

/** Per-row test of one filter: a lookup over the dictionary codes of the column it reads. */
interface CompiledFilter {
  codes: Int32Array;
  table: Uint8Array;
  /** The column is per person: index it by the row's person. */
  perPerson: boolean;
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

export interface StreamOptions {
  /** Also visit events that fill no step (strict funnels and correlation need them). */
  allEvents: boolean;
}

export async function buildFunnelStream(
  project: ProjectColumns,
  definition: FunnelDefinition,
  options: StreamOptions,
): Promise<FunnelStream> {
  const { columns, personOfRow } = project;
  const { eventCount, personCount, personStarts, tsUs, eventCode, eventNames } = columns;
  const steps = definition.steps;
  const n = steps.length;
  const fromUs = definition.dateFrom ? startOfDayUtcMs(definition.dateFrom, definition.timezone) * 1000 : -Infinity;
  const toUs = definition.dateTo ? endOfDayUtcMs(definition.dateTo, definition.timezone) * 1000 : Infinity;

  const stepNameMask = nameMasks(
    eventNames,
    steps.map((s) => s.event),
    (k) => 1 << k,
  );
  const exclusionNameMask = nameMasks(
    eventNames,
    definition.exclusions.map((x) => x.event),
    (j) => 1 << j,
  );
  /** Names an entry explicitly asks for stay visible even when they are identity calls. */
  const visibleName = new Uint8Array(eventNames.length);
  eventNames.forEach((name, code) => {
    const named = steps.some((s) => s.event === name) || definition.exclusions.some((x) => x.event === name);
    visibleName[code] = !identityEventNames.has(name) || named ? 1 : 0;
  });

  const globalFilters = await compileFilters(project, definition.filters);
  const stepFilters: CompiledFilter[][] = [];
  for (const step of steps) stepFilters.push(await compileFilters(project, step.filters));
  const exclusionFilters: CompiledFilter[][] = [];
  for (const exclusion of definition.exclusions)
    exclusionFilters.push(await compileFilters(project, exclusion.filters));
  const filteredSteps = stepFilters.reduce((mask, f, k) => (f.length > 0 ? mask | (1 << k) : mask), 0);
  const filteredExclusions = exclusionFilters.reduce((mask, f, j) => (f.length > 0 ? mask | (1 << j) : mask), 0);
  /** Exclusion j guards the transitions into steps fromStep+1 … toStep. */
  const guarded = definition.exclusions.map((x) => {
    let bits = 0;
    for (let i = x.fromStep + 1; i <= x.toStep; i += 1) bits |= 1 << i;
    return bits;
  });
  const firstTimeSteps = steps.flatMap((s, k) => (s.firstTime ? [k] : []));

  const stepMask = new Int32Array(eventCount);
  const exclusionMask = new Int32Array(eventCount);
  const visible = new Uint8Array(eventCount);

  for (let row = 0; row < eventCount; row += 1) {
    const code = eventCode[row] as number;
    const t = tsUs[row] as number;
    if (t < fromUs || t >= toUs || visibleName[code] === 0) continue;
    const person = personOfRow[row] as number;
    if (globalFilters.length > 0 && !passes(globalFilters, row, person)) continue;
    visible[row] = 1;
    let steps = stepNameMask[code] as number;
    if (steps & filteredSteps) {
      for (let k = 0; k < n; k += 1) {
        const bit = 1 << k;
        if (steps & bit & filteredSteps && !passes(stepFilters[k] as CompiledFilter[], row, person)) steps &= ~bit;
      }
    }
    stepMask[row] = steps;
    let exclusions = exclusionNameMask[code] as number;
    if (exclusions !== 0) {
      let guards = 0;
      for (let j = 0; j < definition.exclusions.length; j += 1) {
        const bit = 1 << j;
        if (!(exclusions & bit)) continue;
        if (bit & filteredExclusions && !passes(exclusionFilters[j] as CompiledFilter[], row, person)) {
          exclusions &= ~bit;
          continue;
        }
        guards |= guarded[j] as number;
      }
      exclusionMask[row] = guards;
    }
  }

  // First-time steps: only the person's first-ever event of the name (`any`) or first passing the step's filters
  // (`with_filters`) can fill the step, looking back before the range, and it must itself be in the range.
  for (const k of firstTimeSteps) {
    const step = steps[k];
    if (!step) continue;
    const bit = 1 << k;
    const filters = stepFilters[k] as CompiledFilter[];
    const names = stepNameMask;
    for (let p = 0; p < personCount; p += 1) {
      const end = personStarts[p + 1] as number;
      let first = -1;
      for (let row = personStarts[p] as number; row < end; row += 1) {
        const code = eventCode[row] as number;
        if (!((names[code] as number) & bit)) continue;
        if ((tsUs[row] as number) >= toUs) break;
        if (step.firstTime === 'with_filters' && !(passes(globalFilters, row, p) && passes(filters, row, p))) continue;
        first = row;
        break;
      }
      for (let row = personStarts[p] as number; row < end; row += 1) {
        if (row !== first) stepMask[row] = (stepMask[row] as number) & ~bit;
      }
    }
  }

  const { rows, unitStarts, unitCount } = await unitOrder(
    project,
    definition,
    visible,
    stepMask,
    exclusionMask,
    options,
  );
  return {
    stepCount: n,
    tsUs,
    stepMask,
    exclusionMask,
    rows,
    unitStarts,
    unitCount,
    eventCode,
    eventNames,
    fromUs,
    toUs,
  };
}

/** Orders the rows a kernel needs by counting unit, then time. */
async function unitOrder(
  project: ProjectColumns,
  definition: FunnelDefinition,
  visible: Uint8Array,
  stepMask: Int32Array,
  exclusionMask: Int32Array,
  options: StreamOptions,
): Promise<{ rows: Int32Array; unitStarts: Int32Array; unitCount: number }> {
  const { personCount, personStarts, tsUs, eventCount } = project.columns;
  const wanted = (row: number) =>
    visible[row] === 1 && (options.allEvents || ((stepMask[row] as number) | (exclusionMask[row] as number)) !== 0);
  const countBy = definition.countBy;

  if (countBy.type === 'person') {
    const rows = new Int32Array(eventCount);
    const starts: number[] = [0];
    let size = 0;
    for (let p = 0; p < personCount; p += 1) {
      const before = size;
      const end = personStarts[p + 1] as number;
      for (let row = personStarts[p] as number; row < end; row += 1) if (wanted(row)) rows[size++] = row;
      if (size > before) starts.push(size);
    }
    return { rows: rows.subarray(0, size), unitStarts: Int32Array.from(starts), unitCount: starts.length - 1 };
  }

  // Another unit: every row gets the unit's code (0 = no unit: the event is dropped), then a counting sort by
  // unit keeps person order, and each unit's rows are re-sorted by time.
  let unitCodes: Int32Array;
  let unitValueCount: number;
  if (countBy.type === 'person_property') {
    const column = await project.personValues(countBy.property);
    unitCodes = new Int32Array(eventCount);
    for (let row = 0; row < eventCount; row += 1)
      unitCodes[row] = column.codes[project.personOfRow[row] as number] as number;
    unitValueCount = column.values.length;
  } else {
    const column =
      countBy.type === 'group'
        ? await project.eventValues({ kind: 'group_key', groupType: countBy.groupType })
        : await project.eventValues({ kind: 'event', property: countBy.property });
    unitCodes = column.codes;
    unitValueCount = column.values.length;
  }
  const counts = new Int32Array(unitValueCount + 1);
  for (let row = 0; row < eventCount; row += 1) {
    const unit = unitCodes[row] as number;
    if (unit !== 0 && wanted(row)) counts[unit + 1] = (counts[unit + 1] as number) + 1;
  }
  for (let u = 0; u < unitValueCount; u += 1) counts[u + 1] = (counts[u + 1] as number) + (counts[u] as number);
  const total = counts[unitValueCount] as number;
  const rows = new Int32Array(total);
  const next = counts.slice(0, unitValueCount);
  for (let row = 0; row < eventCount; row += 1) {
    const unit = unitCodes[row] as number;
    if (unit !== 0 && wanted(row)) {
      rows[next[unit] as number] = row;
      next[unit] = (next[unit] as number) + 1;
    }
  }
  const starts: number[] = [0];
  for (let u = 1; u < unitValueCount; u += 1) {
    const begin = counts[u] as number;
    const end = counts[u + 1] as number;
    if (end === begin) continue;
    if (end - begin > 1) {
      const segment = Array.from(rows.subarray(begin, end));
      segment.sort((a, b) => (tsUs[a] as number) - (tsUs[b] as number) || a - b);
      rows.set(segment, begin);
    }
    starts.push(end);
  }
  return { rows, unitStarts: Int32Array.from(starts), unitCount: starts.length - 1 };
}
