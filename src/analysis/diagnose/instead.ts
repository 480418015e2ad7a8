import { exposureEventNames, identityEventNames } from '../../model/bookkeeping-events.js';
import type { EventColumns } from '../../store/event-columns.js';
import type { CorrelationReport } from '../funnel/report.js';
import { correlationReport } from '../funnel/report-sections.js';
import type { TransitionEntries } from '../funnel/transition-units.js';
import { type PathsResult, type RowLabels, tallyPaths, transitionEventCounts } from '../paths/paths.js';

/** What the units that dropped at one transition did next (docs/diagnose.md, "What dropped units did instead"). */
export interface DroppedInstead {
  fromStep: number;
  toStep: number;
  fromName: string;
  toName: string;
  /** Units that reached `fromStep` and not `toStep`. */
  dropped: number;
  /** Their first event after the step (`(end)`: none), with the share of the dropped units. */
  nextEvents: { event: string; units: number; share: number }[];
  /** Their most frequent sequences: the step, then the next events (repeats collapsed). */
  paths: PathsResult['paths'];
  /** The same as Sankey nodes and links (the step at position 0). */
  sankey: Pick<PathsResult, 'nodes' | 'links'>;
  /**
   * Events done after the step and before the next (converted) or the window's end (dropped), as odds ratios of
   * converting (FUNNEL-SEMANTICS §5 among the units that reached `fromStep`).
   */
  correlation: CorrelationReport;
}

export interface InsteadOptions {
  depth: number;
  top: number;
  /** Event names left out of the correlation (the funnel's own steps). */
  stepEvents: readonly string[];
  /** Labels left out of the paths (1 = skip; identity calls). */
  excluded: Uint8Array;
}

/**
 * For one transition: the next events and paths of the dropped units, and the event correlation, from the entries
 * of the transition's first step (`entriesByStep`).
 */
export function droppedInstead(
  columns: EventColumns,
  labels: RowLabels,
  at: TransitionEntries,
  transition: { fromStep: number; toStep: number; fromName: string; toName: string },
  options: InsteadOptions,
): DroppedInstead {
  let droppedCount = 0;
  for (let i = 0; i < at.converted.length; i += 1) if (at.converted[i] === 0) droppedCount += 1;
  const dropped = new Int32Array(droppedCount);
  for (let i = 0, j = 0; i < at.converted.length; i += 1)
    if (at.converted[i] === 0) dropped[j++] = at.rows[i] as number;
  const paths = tallyPaths(columns, labels, dropped, {
    depth: options.depth,
    direction: 'after',
    windowUs: null,
    collapseRepeats: true,
    excluded: options.excluded,
    top: options.top,
    maxNodesPerPosition: options.top,
  });
  const nextEvents = paths.nodes
    .filter((n) => n.position === 1)
    .map((n) => ({ event: n.name, units: n.units, share: dropped.length > 0 ? n.units / dropped.length : 0 }))
    .slice(0, options.top);
  const skip = new Uint8Array(columns.eventNames.length);
  const left = new Set([...options.stepEvents, ...identityEventNames, ...exposureEventNames]);
  columns.eventNames.forEach((name, code) => {
    if (left.has(name)) skip[code] = 1;
  });
  const counts = transitionEventCounts(columns, at, skip);
  return {
    ...transition,
    dropped: dropped.length,
    nextEvents,
    paths: paths.paths,
    sankey: { nodes: paths.nodes, links: paths.links },
    correlation: correlationReport(counts.success, counts.failure, counts.perEvent),
  };
}
