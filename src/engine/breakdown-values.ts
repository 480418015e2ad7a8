import type { FunnelBreakdown } from '../model/funnel-definition.js';
import type { DictionaryColumn } from '../store/event-columns.js';
import type { ProjectColumns } from './column-cache.js';
import type { FunnelStream } from './funnel-stream.js';

/**
 * Breakdown values as small integer ids per row, so kernels compare integers. Id 0 is the empty value (`""`, or a
 * tuple of empty strings): a missing property and an empty string read the same (FUNNEL-SEMANTICS §4).
 */
export interface BreakdownValues {
  /** Value id per stream position. */
  valueAt: Int32Array;
  /** Label of each id: a string, or an array of strings for several properties. */
  labels: (string | string[])[];
}

/** Strips trailing `/`, `?` and `#` so `https://a.io/x/` and `https://a.io/x` are one value (`/` stays `/`). */
export function normalizeUrl(value: string): string {
  if (value === '') return value;
  // The root stays "/", not the missing value.
  return value.replace(/[/?#]+$/, '') || '/';
}

async function column(
  project: ProjectColumns,
  breakdown: FunnelBreakdown,
  property: string,
): Promise<DictionaryColumn> {
  if (breakdown.scope === 'person') return project.personValues(property);
  if (breakdown.scope === 'group') {
    const groupType = breakdown.groupType ?? '';
    if (property === '$group_key' || property === groupType)
      return project.eventValues({ kind: 'group_key', groupType });
    return project.eventValues({ kind: 'group', groupType, property });
  }
  return project.eventValues({ kind: 'event', property });
}

/** Numbers distinct values in first-seen order, appending each new one's label (id = its index in `labels`). */
function valueIds<L>(labels: L[]): (key: string, label: L) => number {
  const ids = new Map<string, number>();
  return (key, label) => {
    let id = ids.get(key);
    if (id === undefined) {
      id = labels.length;
      labels.push(label);
      ids.set(key, id);
    }
    return id;
  };
}

export interface BreakdownColumns {
  properties: { codes: Int32Array; text: string[]; perPerson: boolean }[];
  /** One property: value ids fixed up front (one id per distinct text), so every part of a run agrees on them. */
  single: { idOfCode: Int32Array; labels: string[] } | null;
}

/** Loads the breakdown's property columns (before the synchronous part of a run). */
export async function loadBreakdownColumns(
  project: ProjectColumns,
  breakdown: FunnelBreakdown,
): Promise<BreakdownColumns> {
  const properties: BreakdownColumns['properties'] = [];
  for (const property of breakdown.properties) {
    const c = await column(project, breakdown, property);
    const text = c.values.map((v) => {
      const s = v ?? '';
      return breakdown.normalizeUrl ? normalizeUrl(s) : s;
    });
    properties.push({ codes: c.codes, text, perPerson: breakdown.scope === 'person' });
  }
  const only = properties.length === 1 ? properties[0] : undefined;
  if (!only) return { properties, single: null };
  // Codes that read the same (after URL normalisation) share an id; "" is id 0.
  const labels = [''];
  const idOf = valueIds(labels);
  const idOfCode = new Int32Array(only.text.length);
  only.text.forEach((text, code) => {
    if (text !== '') idOfCode[code] = idOf(text, text);
  });
  return { properties, single: { idOfCode, labels } };
}

/** The breakdown value id of every position of the stream. */
export function breakdownValues(stream: FunnelStream, columns: BreakdownColumns, valueAt: Int32Array): BreakdownValues {
  const perProperty = columns.properties;
  const { rowOf, personAt } = stream;
  const only = perProperty[0];
  if (columns.single && only) {
    const { idOfCode } = columns.single;
    const source = only.perPerson ? personAt : rowOf;
    for (let i = 0; i < stream.length; i += 1) {
      valueAt[i] = idOfCode[only.codes[source[i] as number] as number] as number;
    }
    return { valueAt, labels: columns.single.labels };
  }

  const labels: (string | string[])[] = [perProperty.map(() => '')];
  const idOf = valueIds(labels);
  for (let i = 0; i < stream.length; i += 1) {
    const tuple = perProperty.map(
      (p) => p.text[p.codes[(p.perPerson ? personAt[i] : rowOf[i]) as number] as number] ?? '',
    );
    valueAt[i] = tuple.every((v) => v === '') ? 0 : idOf(JSON.stringify(tuple), tuple);
  }
  return { valueAt, labels };
}
