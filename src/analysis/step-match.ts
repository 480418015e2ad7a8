/**
 * Which event rows fill one step given as a user writes it: an event name, or a funnel step (an event with
 * filters, or an OR-step, docs/funnels.md) matched by the funnel engine's own filter code. Used for an experiment's
 * goal and a lead-scoring target or entry.
 */
import { type ColumnCache, type ProjectColumns, personBatches, valuesAskedFor } from '../engine/column-cache.js';
import { buildFunnelStream, loadFunnelInputs } from '../engine/funnel-stream.js';
import { FunnelscopeError } from '../model/errors.js';
import { parseFunnelDefinition } from '../model/funnel-definition.js';
import type { PersonStreamRequest } from '../store/event-columns.js';

export type StepGiven = string | Record<string, unknown>;

/** How a report names the step: the event, or the step's name (else its event and filters as JSON). */
export function stepLabel(step: StepGiven): string {
  if (typeof step === 'string') return step;
  return typeof step.name === 'string' ? step.name : JSON.stringify(step);
}

/** A step given as a funnel step: a one-step funnel of it. */
function stepDefinition(step: Record<string, unknown>) {
  return parseFunnelDefinition({ steps: [step] });
}

/** The value columns `stepRows` reads for the step (its filters'), for a report that streams the project. */
export async function stepValuesRead(step: StepGiven): Promise<PersonStreamRequest> {
  if (typeof step === 'string') return { eventValues: [], personValues: [] };
  return valuesAskedFor((project) => loadFunnelInputs(project, stepDefinition(step)));
}

/** 1 for each row of the project's columns that fills the step. `field` names the option in errors. */
export async function stepRows(
  project: ProjectColumns,
  projectName: string,
  step: StepGiven,
  field: string,
): Promise<Uint8Array> {
  const { columns } = project;
  const mask = new Uint8Array(columns.eventCount);
  if (typeof step === 'string') {
    const code = columns.eventNames.indexOf(step);
    if (code < 0) {
      throw new FunnelscopeError('invalid_argument', `${field}: no event named "${step}" in project ${projectName}`, {
        field,
      });
    }
    for (let r = 0; r < columns.eventCount; r += 1) if (columns.eventCode[r] === code) mask[r] = 1;
    return mask;
  }
  const definition = stepDefinition(step);
  const stream = buildFunnelStream(project, definition, await loadFunnelInputs(project, definition), {
    allEvents: false,
    persons: false,
  });
  for (let i = 0; i < stream.length; i += 1) {
    if (((stream.steps[i] as number) & 1) !== 0) mask[stream.rowOf[i] as number] = 1;
  }
  return mask;
}

/**
 * The times (ms) of the event a `conversions` series counts (forecasts, anomalies), in person order, and the time
 * of the project's last event; the event must be named. Batch by batch when the store streams the project.
 */
export async function conversionTimes(
  cache: ColumnCache,
  projectName: string,
  event: string | null | undefined,
): Promise<{ times: number[]; lastMs: number }> {
  if (!event) {
    throw new FunnelscopeError('invalid_argument', 'event: conversions count an event; name it (--event)', {
      field: 'event',
    });
  }
  const { span, batches } = await personBatches(cache, projectName, { eventValues: [], personValues: [] });
  const times: number[] = [];
  for await (const project of batches) {
    const rows = await stepRows(project, projectName, event, 'event');
    const { tsUs } = project.columns;
    for (let r = 0; r < rows.length; r += 1) if (rows[r] === 1) times.push((tsUs[r] as number) / 1000);
  }
  return { times, lastMs: span.hi / 1000 };
}
