import type { PropertyFilter } from '../model/funnel-definition.js';

/**
 * A property filter evaluated once per distinct value of a dictionary column, so the per-event test is a lookup
 * `match[code]`. Values compare as strings unless the operator is numeric; a missing property (code 0, null)
 * matches only `neq`, `not_in`, `not_icontains` and `not_set` ("missing counts as not equal").
 */
export function matchTable(filter: PropertyFilter, values: readonly (string | null)[]): Uint8Array {
  const test = valueTest(filter);
  const table = new Uint8Array(values.length);
  for (let code = 0; code < values.length; code += 1) table[code] = test(values[code] ?? null) ? 1 : 0;
  return table;
}

function asList(value: PropertyFilter['value']): string[] {
  if (value === null || value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

/** The predicate of one filter over a single (string or missing) value. */
function valueTest(filter: PropertyFilter): (value: string | null) => boolean {
  const list = asList(filter.value);
  const first = list[0] ?? '';
  switch (filter.op) {
    case 'eq':
    case 'in': {
      const set = new Set(list);
      return (v) => v !== null && set.has(v);
    }
    case 'neq':
    case 'not_in': {
      const set = new Set(list);
      return (v) => v === null || !set.has(v);
    }
    case 'contains':
      return (v) => v?.includes(first) === true;
    case 'icontains': {
      const needle = first.toLowerCase();
      return (v) => v?.toLowerCase().includes(needle) === true;
    }
    case 'not_icontains': {
      const needle = first.toLowerCase();
      return (v) => v === null || !v.toLowerCase().includes(needle);
    }
    case 'regex': {
      const re = new RegExp(first);
      return (v) => v !== null && re.test(v);
    }
    case 'set':
      return (v) => v !== null;
    case 'not_set':
      return (v) => v === null;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const bound = Number(first);
      const op = filter.op;
      return (v) => {
        if (v === null || v.trim() === '') return false;
        const x = Number(v);
        if (Number.isNaN(x)) return false;
        return op === 'gt' ? x > bound : op === 'gte' ? x >= bound : op === 'lt' ? x < bound : x <= bound;
      };
    }
  }
}
