import type { FunnelBreakdown } from '../model/funnel-definition.js';
import type { DictionaryColumn } from '../store/event-columns.js';
import type { ProjectColumns } from './column-cache.js';

/**
 * Breakdown values as small integer ids per row, so kernels compare integers. Id 0 is the empty value (`""`, or a
 * tuple of empty strings): a missing property and an empty string read the same (FUNNEL-SEMANTICS §4).
 */
export interface BreakdownValues {
  rowValue: Int32Array;
  /** Label of each id: a string, or an array of strings for several properties. */
  labels: (string | string[])[];
}

/** Strips trailing `/`, `?` and `#` so `https://a.io/x/` and `https://a.io/x` are one value. */
export function normalizeUrl(value: string): string {
  return value.replace(/[/?#]+$/, '');
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

/** Reads the breakdown properties for `rows` (other rows keep id 0). */
export async function loadBreakdownValues(
  project: ProjectColumns,
  breakdown: FunnelBreakdown,
  rows: Int32Array,
): Promise<BreakdownValues> {
  const perProperty: { codes: Int32Array; text: string[]; perPerson: boolean }[] = [];
  for (const property of breakdown.properties) {
    const c = await column(project, breakdown, property);
    const text = c.values.map((v) => {
      const s = v ?? '';
      return breakdown.normalizeUrl ? normalizeUrl(s) : s;
    });
    perProperty.push({ codes: c.codes, text, perPerson: breakdown.scope === 'person' });
  }
  const rowValue = new Int32Array(project.columns.eventCount);
  const labels: (string | string[])[] = [breakdown.properties.length === 1 ? '' : breakdown.properties.map(() => '')];
  const ids = new Map<string, number>();
  const personOfRow = project.personOfRow;

  if (perProperty.length === 1) {
    const only = perProperty[0];
    if (!only) return { rowValue, labels };
    // One id per distinct text; codes that read the same (after URL normalisation) share it.
    const idOfCode = new Int32Array(only.text.length);
    only.text.forEach((text, code) => {
      if (text === '') return;
      let id = ids.get(text);
      if (id === undefined) {
        id = labels.length;
        labels.push(text);
        ids.set(text, id);
      }
      idOfCode[code] = id;
    });
    for (let i = 0; i < rows.length; i += 1) {
      const row = rows[i] as number;
      rowValue[row] = idOfCode[only.codes[only.perPerson ? (personOfRow[row] as number) : row] as number] as number;
    }
    return { rowValue, labels };
  }

  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i] as number;
    const tuple = perProperty.map(
      (p) => p.text[p.codes[p.perPerson ? (personOfRow[row] as number) : row] as number] ?? '',
    );
    if (tuple.every((v) => v === '')) continue;
    const key = JSON.stringify(tuple);
    let id = ids.get(key);
    if (id === undefined) {
      id = labels.length;
      labels.push(tuple);
      ids.set(key, id);
    }
    rowValue[row] = id;
  }
  return { rowValue, labels };
}
