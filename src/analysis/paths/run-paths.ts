import { normalizeUrl } from '../../engine/breakdown-values.js';
import { type ColumnCache, type ProjectColumns, personBatches } from '../../engine/column-cache.js';
import { exposureEventNames, identityEventNames } from '../../model/bookkeeping-events.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { EventValueSource } from '../../store/event-columns.js';
import { utcDayMs } from '../calendar.js';
import { firstRows, type PathOptions, type PathsResult, PathTally, type RowLabels } from './paths.js';

/** The event of page calls (docs/ingestion.md); with `pagePaths` each one is labelled with its path. */
export const pageviewEvent = '$pageview';

/** The page path values that label page views (`pagePaths`). */
export const pathValues: EventValueSource = { kind: 'event', property: 'path' };

export interface PathsSpec {
  /** Paths after the first time each person did this (an event name or a label such as `$pageview /pricing`). */
  from: string | null;
  /** Paths before the first time each person did this. Exactly one of `from` and `to`. */
  to: string | null;
  depth: number;
  /** Only events within this many seconds of the anchor; null: no limit. */
  windowSeconds: number | null;
  /** Event names (or labels) left out of the paths. */
  exclude: string[];
  /** Label page views by their path (`$pageview /pricing`), URL-normalised. */
  pagePaths: boolean;
  collapseRepeats: boolean;
  /** Keep identity calls (identify, group, alias) in the paths; left out by default. */
  identityCalls: boolean;
  top: number;
  maxNodesPerPosition: number;
  /** Anchors on these days only (UTC, inclusive); null: open. */
  dateFrom: string | null;
  dateTo: string | null;
}

export interface PathsReport extends PathsResult {
  anchor: string;
  direction: 'after' | 'before';
  depth: number;
  stats: { eventsScanned: number; elapsedMs: number };
}

/**
 * A label per row: the event name, or with `pagePaths` `$pageview <path>` for page views that have a path.
 * Labels are numbered after the event names, so without page paths the codes are the event codes themselves.
 */
export async function rowLabels(project: ProjectColumns, pagePaths: boolean): Promise<RowLabels> {
  const { columns } = project;
  const names = [...columns.eventNames];
  const pageCode = columns.eventNames.indexOf(pageviewEvent);
  if (!pagePaths || pageCode < 0) return { codes: columns.eventCode, names };
  const paths = await project.eventValues(pathValues);
  // Dictionary value → label code (several raw paths may normalise to one label).
  const byLabel = new Map<string, number>();
  const labelOf = paths.values.map((value) => {
    if (value === null || value === '') return pageCode;
    const label = `${pageviewEvent} ${normalizeUrl(value)}`;
    let code = byLabel.get(label);
    if (code === undefined) {
      code = names.length;
      names.push(label);
      byLabel.set(label, code);
    }
    return code;
  });
  const codes = new Int32Array(columns.eventCount);
  const { eventCode } = columns;
  for (let row = 0; row < codes.length; row += 1) {
    const code = eventCode[row] as number;
    codes[row] = code === pageCode ? (labelOf[paths.codes[row] as number] as number) : code;
  }
  return { codes, names };
}

/** Marks the labels that `name` stands for: the label itself, or every label of that event (all page views). */
export function labelSet(labels: RowLabels, name: string, field: string, required: boolean): Uint8Array {
  const set = new Uint8Array(labels.names.length);
  let found = false;
  labels.names.forEach((label, code) => {
    if (label === name || (name === pageviewEvent && label.startsWith(`${pageviewEvent} `))) {
      set[code] = 1;
      found = true;
    }
  });
  if (!found && required) {
    throw new FunnelscopeError('invalid_argument', `${field}: no event or page "${name}" in this project`, { field });
  }
  return set;
}

/** The labels that any of `names` stands for (as `labelSet`; unknown names mark nothing). */
export function labelMask(labels: RowLabels, names: readonly string[]): Uint8Array {
  const mask = new Uint8Array(labels.names.length);
  for (const name of names) {
    labelSet(labels, name, 'exclude', false).forEach((v, code) => {
      if (v === 1) mask[code] = 1;
    });
  }
  return mask;
}

/**
 * Path explorer (docs/paths.md): from the first time each person did `from` (or up to the first time they did
 * `to`), the `depth` events that followed (preceded), counted as top sequences and as Sankey nodes and links.
 */
export async function runPaths(cache: ColumnCache, projectId: string, spec: PathsSpec): Promise<PathsReport> {
  const started = performance.now();
  if ((spec.from === null) === (spec.to === null)) {
    throw new FunnelscopeError('invalid_argument', 'paths: give exactly one of --from EVENT and --to EVENT', {
      field: spec.from === null ? 'from' : 'to',
    });
  }
  if (!Number.isInteger(spec.depth) || spec.depth < 1 || spec.depth > 10) {
    throw new FunnelscopeError('invalid_argument', `depth: expected an integer from 1 to 10, got ${spec.depth}`, {
      field: 'depth',
    });
  }
  const anchorName = (spec.from ?? spec.to) as string;
  const fromUs = spec.dateFrom === null ? -Infinity : utcDayMs(spec.dateFrom, 'dateFrom') * 1000;
  const toUs = spec.dateTo === null ? Infinity : (utcDayMs(spec.dateTo, 'dateTo') + 86_400_000) * 1000;
  const { batches } = await personBatches(cache, projectId, {
    eventValues: spec.pagePaths ? [pathValues] : [],
    personValues: [],
  });
  // The paths add up person by person: batch by batch when the store streams the project, else in one pass. The
  // label codes mean the same labels in every batch (the batches share the event names and path values).
  let tally: PathTally | null = null;
  let names: readonly string[] = [];
  const direction: PathOptions['direction'] = spec.from !== null ? 'after' : 'before';
  let eventsScanned = 0;
  for await (const project of batches) {
    const labels = await rowLabels(project, spec.pagePaths);
    const anchor = labelSet(labels, anchorName, spec.from !== null ? 'from' : 'to', true);
    if (!tally) {
      const excluded = labelMask(labels, [
        ...spec.exclude,
        ...(spec.identityCalls ? [] : [...identityEventNames, ...exposureEventNames]),
      ]);
      // The anchor is never left out: a path from an identity call keeps it.
      anchor.forEach((v, code) => {
        if (v === 1) excluded[code] = 0;
      });
      const options: PathOptions = {
        depth: spec.depth,
        direction,
        windowUs: spec.windowSeconds === null ? null : spec.windowSeconds * 1e6,
        collapseRepeats: spec.collapseRepeats,
        excluded,
        top: spec.top,
        maxNodesPerPosition: spec.maxNodesPerPosition,
      };
      tally = new PathTally(options);
    }
    names = labels.names;
    tally.add(project.columns, labels.codes, firstRows(project.columns, labels, anchor, fromUs, toUs));
    eventsScanned += project.columns.eventCount;
  }
  const result = (tally as PathTally | null)?.result(names) ?? { units: 0, nodes: [], links: [], paths: [] };
  return {
    anchor: anchorName,
    direction,
    depth: spec.depth,
    ...result,
    stats: { eventsScanned, elapsedMs: performance.now() - started },
  };
}
