import { personOf } from '../../engine/funnel-stream.js';
import type { EventColumns } from '../../store/event-columns.js';
import type { TransitionEntries } from '../funnel/transition-units.js';

/**
 * Paths (docs/paths.md): from an anchor event of each unit, the events that came next (or before), counted as
 * sequences and as Sankey nodes and links. Pure, over the column cache (events sorted by person and time).
 */

/** A label per store row: `codes[row]` indexes `names` (an event name, or a page view with its path). */
export interface RowLabels {
  codes: Int32Array;
  names: readonly string[];
}

export interface PathOptions {
  /** Events after (or before) the anchor, 1–10. */
  depth: number;
  direction: 'after' | 'before';
  /** Only events within this many µs of the anchor; null: no limit. */
  windowUs: number | null;
  /** A label repeated right after itself (a reload, a second view) counts once. */
  collapseRepeats: boolean;
  /** Labels left out of paths (1 = skip). */
  excluded: Uint8Array;
  /** Sequences listed, the most frequent first. */
  top: number;
  /** Labels per Sankey column; the rest of a column is one `(other)` node. */
  maxNodesPerPosition: number;
}

export interface PathNode {
  /** `position:name`, unique per column of the Sankey. */
  id: string;
  name: string;
  /** 0 … depth; the anchor is at 0 (after) or at depth (before). */
  position: number;
  units: number;
}

export interface PathLink {
  source: string;
  target: string;
  units: number;
}

export interface PathsResult {
  units: number;
  nodes: PathNode[];
  links: PathLink[];
  /** The most frequent whole sequences, anchor included, with `(end)` / `(start)` where a unit's events ran out. */
  paths: { events: string[]; units: number }[];
}

export const endLabel = '(end)';
export const startLabel = '(start)';
const END = -1;
const START = -2;

/**
 * The first row of each person whose label is in `anchor` (1 = anchor) and whose time is in [fromUs, toUs), as
 * store rows in person order.
 */
export function firstRows(
  columns: Pick<EventColumns, 'personStarts' | 'personCount' | 'tsUs'>,
  labels: RowLabels,
  anchor: Uint8Array,
  fromUs = -Infinity,
  toUs = Infinity,
): Int32Array {
  const rows: number[] = [];
  const { personStarts, personCount, tsUs } = columns;
  for (let p = 0; p < personCount; p += 1) {
    const end = personStarts[p + 1] as number;
    for (let row = personStarts[p] as number; row < end; row += 1) {
      if (anchor[labels.codes[row] as number] !== 1) continue;
      const t = tsUs[row] as number;
      if (t < fromUs) continue;
      if (t < toUs) rows.push(row);
      break;
    }
  }
  return Int32Array.from(rows);
}

/**
 * A trie of sequences: node 0 is the root; each other node is a sequence prefix. Children are found through an
 * open-addressing hash table on (parent, code) in typed arrays: a path walk looks up a child per event, millions
 * of times, which a Map of numbers does several times slower.
 */
class SequenceTrie {
  parent = new Int32Array(1024);
  code = new Int32Array(1024);
  ends = new Float64Array(1024);
  size = 1;
  /** Slot → node + 1 (0: empty). */
  private slots = new Int32Array(4096);

  private static hash(node: number, code: number): number {
    return Math.imul(node, 0x9e3779b1) ^ Math.imul(code + 3, 0x85ebca77);
  }

  child(node: number, code: number): number {
    const mask = this.slots.length - 1;
    let slot = SequenceTrie.hash(node, code) & mask;
    for (;;) {
      const found = (this.slots[slot] as number) - 1;
      if (found < 0) break;
      if (this.parent[found] === node && this.code[found] === code) return found;
      slot = (slot + 1) & mask;
    }
    if (this.size === this.parent.length) this.growNodes();
    const added = this.size++;
    this.parent[added] = node;
    this.code[added] = code;
    this.ends[added] = 0;
    if (this.size * 2 > this.slots.length)
      this.rehash(); // places every node, the new one too
    else this.slots[slot] = added + 1;
    return added;
  }

  private growNodes(): void {
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const bigger = make(a.length * 2);
      bigger.set(a);
      return bigger;
    };
    this.parent = grow(this.parent, (n) => new Int32Array(n));
    this.code = grow(this.code, (n) => new Int32Array(n));
    this.ends = grow(this.ends, (n) => new Float64Array(n));
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let n = 1; n < this.size; n += 1) {
      let slot = SequenceTrie.hash(this.parent[n] as number, this.code[n] as number) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = n + 1;
    }
  }

  /** The codes from the root to `node`. */
  sequence(node: number): number[] {
    const out: number[] = [];
    for (let n = node; n > 0; n = this.parent[n] as number) out.push(this.code[n] as number);
    return out.reverse();
  }
}

export const otherLabel = '(other)';

/**
 * Counts the paths from `anchors` (store rows, one per unit): each unit's anchor and the next `depth` events
 * (or the `depth` before it), as whole sequences and as Sankey columns. A column keeps its
 * `maxNodesPerPosition` most frequent labels; the rest of the column is one `(other)` node.
 */
export function tallyPaths(
  columns: Pick<EventColumns, 'personStarts' | 'personCount' | 'tsUs'>,
  labels: RowLabels,
  anchors: Int32Array,
  options: PathOptions,
): PathsResult {
  const tally = new PathTally(options);
  tally.add(columns, labels.codes, anchors);
  return tally.result(labels.names);
}

/**
 * The paths of `tallyPaths`, added up over several sets of columns (batches of persons) whose label codes mean the
 * same labels: the sequences of every batch go into one trie, and the result is read from it at the end.
 */
export class PathTally {
  private readonly trie = new SequenceTrie();
  private units = 0;

  constructor(private readonly options: PathOptions) {}

  add(
    columns: Pick<EventColumns, 'personStarts' | 'personCount' | 'tsUs'>,
    codes: Int32Array,
    anchors: Int32Array,
  ): void {
    const { personStarts, personCount, tsUs } = columns;
    const options = this.options;
    const after = options.direction === 'after';
    const step = after ? 1 : -1;
    const trie = this.trie;
    const excluded = options.excluded;
    const windowUs = options.windowUs ?? Infinity;
    let person = 0;
    for (let a = 0; a < anchors.length; a += 1) {
      const anchor = anchors[a] as number;
      person = personOf(personStarts, personCount, anchor, person);
      const first = personStarts[person] as number;
      const end = personStarts[person + 1] as number;
      const t0 = tsUs[anchor] as number;
      let last = codes[anchor] as number;
      let node = trie.child(0, last);
      let length = 1;
      let ranOut = true;
      for (let row = anchor + step; row >= first && row < end; row += step) {
        if (Math.abs((tsUs[row] as number) - t0) > windowUs) break;
        const code = codes[row] as number;
        if (excluded[code] === 1 || (options.collapseRepeats && code === last)) continue;
        if (length === options.depth + 1) {
          ranOut = false;
          break;
        }
        node = trie.child(node, code);
        last = code;
        length += 1;
      }
      if (ranOut && length <= options.depth) node = trie.child(node, after ? END : START);
      trie.ends[node] = (trie.ends[node] as number) + 1;
    }
    this.units += anchors.length;
  }

  /** The report's figures, with `names` the labels of the codes. */
  result(names: readonly string[]): PathsResult {
    const { options, trie } = this;
    const after = options.direction === 'after';
    const name = (code: number) => (code === END ? endLabel : code === START ? startLabel : (names[code] ?? ''));
    const sequences: { codes: number[]; units: number }[] = [];
    for (let node = 1; node < trie.size; node += 1) {
      const units = trie.ends[node] as number;
      if (units === 0) continue;
      const s = trie.sequence(node);
      if (!after) s.reverse();
      sequences.push({ codes: s, units });
    }
    // After: the anchor at position 0; before: at position `depth` (shorter sequences end there).
    const positionOf = (s: readonly number[], i: number) => (after ? i : options.depth + 1 - s.length + i);

    const columnUnits = new Map<string, number>();
    for (const { codes: s, units } of sequences) {
      s.forEach((code, i) => {
        const key = `${positionOf(s, i)}:${name(code)}`;
        columnUnits.set(key, (columnUnits.get(key) ?? 0) + units);
      });
    }
    const kept = new Set<string>();
    const byPosition = new Map<number, [string, number][]>();
    for (const [key, units] of columnUnits) {
      const position = Number(key.slice(0, key.indexOf(':')));
      byPosition.set(position, [...(byPosition.get(position) ?? []), [key, units]]);
    }
    for (const entries of byPosition.values()) {
      entries.sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
      for (const [key] of entries.slice(0, options.maxNodesPerPosition)) kept.add(key);
    }

    const nodes = new Map<string, PathNode>();
    const links = new Map<string, PathLink>();
    for (const { codes: s, units } of sequences) {
      let previous: string | null = null;
      s.forEach((code, i) => {
        const position = positionOf(s, i);
        const full = `${position}:${name(code)}`;
        const label = kept.has(full) ? name(code) : otherLabel;
        const id = `${position}:${label}`;
        const node = nodes.get(id) ?? { id, name: label, position, units: 0 };
        node.units += units;
        nodes.set(id, node);
        if (previous !== null) {
          const key = `${previous}\u0000${id}`;
          const link = links.get(key) ?? { source: previous, target: id, units: 0 };
          link.units += units;
          links.set(key, link);
        }
        previous = id;
      });
    }
    const byUnits =
      <T extends { units: number }>(key: (x: T) => string) =>
      (x: T, y: T) =>
        y.units - x.units || key(x).localeCompare(key(y));
    return {
      units: this.units,
      nodes: [...nodes.values()].sort((x, y) => x.position - y.position || byUnits<PathNode>((n) => n.id)(x, y)),
      links: [...links.values()].sort(byUnits<PathLink>((l) => `${l.source}\u0000${l.target}`)),
      paths: sequences
        .map(({ codes: s, units }) => ({ events: s.map(name), units }))
        .sort(byUnits((p) => p.events.join('\u0000')))
        .slice(0, options.top),
    };
  }
}

/**
 * Per event name, the units that did it after their anchor and before their end (`TransitionUnits`): `s` among
 * those that converted, `f` among those that dropped (FUNNEL-SEMANTICS §5's counts, for one transition). Names
 * with `skip[code] = 1` are left out.
 */
export function transitionEventCounts(
  columns: Pick<EventColumns, 'personStarts' | 'personCount' | 'tsUs' | 'eventCode' | 'eventNames'>,
  units: Pick<TransitionEntries, 'rows' | 'converted' | 'endUs'>,
  skip: Uint8Array,
): { success: number; failure: number; perEvent: Map<string, { s: number; f: number }> } {
  const { personStarts, personCount, tsUs, eventCode, eventNames } = columns;
  const s = new Float64Array(eventNames.length);
  const f = new Float64Array(eventNames.length);
  const seen = new Int32Array(eventNames.length).fill(-1);
  let success = 0;
  let person = 0;
  for (let u = 0; u < units.rows.length; u += 1) {
    const anchor = units.rows[u] as number;
    person = personOf(personStarts, personCount, anchor, person);
    const end = personStarts[person + 1] as number;
    const converted = units.converted[u] === 1;
    if (converted) success += 1;
    const t0 = tsUs[anchor] as number;
    const tEnd = units.endUs[u] as number;
    const counts = converted ? s : f;
    for (let row = anchor + 1; row < end; row += 1) {
      const t = tsUs[row] as number;
      if (t >= tEnd) break;
      if (t <= t0) continue; // same time as the anchor: not after it
      const code = eventCode[row] as number;
      if (skip[code] === 1 || seen[code] === u) continue;
      seen[code] = u;
      counts[code] = (counts[code] as number) + 1;
    }
  }
  const perEvent = new Map<string, { s: number; f: number }>();
  eventNames.forEach((name, code) => {
    if ((s[code] as number) + (f[code] as number) > 0)
      perEvent.set(name, { s: s[code] as number, f: f[code] as number });
  });
  return { success, failure: units.rows.length - success, perEvent };
}
