import { html } from 'htm/preact';
import type { Catalog, EventName } from '../api-client.js';
import {
  businessStages,
  type Draft,
  type ExclusionDraft,
  emptyStep,
  type FilterDraft,
  listOps,
  noValue,
  operators,
  removeStep,
  type StepDraft,
} from '../funnel-draft.js';

/** Rows of property filters: property (from the catalog, or typed), operator, value. */
function FilterRows(props: {
  id: string;
  filters: FilterDraft[];
  onChange: (filters: FilterDraft[]) => void;
  addLabel: string;
}) {
  const { id, filters, onChange } = props;
  const set = (i: number, change: Partial<FilterDraft>) =>
    onChange(filters.map((f, j) => (j === i ? { ...f, ...change } : f)));
  return html`<div class="filters">
    ${filters.map(
      (f, i) => html`<div class="row filter" data-filter=${`${id}-${i}`}>
        <span class="muted">where</span>
        <select aria-label="Property scope" value=${f.scope} onChange=${(e: Event) => set(i, { scope: (e.target as HTMLSelectElement).value })}>
          <option value="event">event</option><option value="person">person</option><option value="group">group</option>
        </select>
        <input id=${`${id}-property-${i}`} aria-label="Property" list="property-names" placeholder="property" value=${f.property}
          onChange=${(e: Event) => set(i, { property: (e.target as HTMLInputElement).value })} />
        <select id=${`${id}-op-${i}`} aria-label="Operator" value=${f.op} onChange=${(e: Event) => set(i, { op: (e.target as HTMLSelectElement).value })}>
          ${operators.map((o) => html`<option value=${o.op}>${o.label}</option>`)}
        </select>
        ${
          noValue.has(f.op)
            ? null
            : html`<input id=${`${id}-value-${i}`} aria-label="Value" value=${f.value}
              placeholder=${listOps.has(f.op) ? 'a, b, c' : 'value'}
              onChange=${(e: Event) => set(i, { value: (e.target as HTMLInputElement).value })} />`
        }
        <button type="button" aria-label="Remove filter" onClick=${() => onChange(filters.filter((_, j) => j !== i))}>×</button>
      </div>`,
    )}
    <button type="button" class="link" onClick=${() => onChange([...filters, { property: '', scope: 'event', op: 'eq', value: '' }])}>
      ${props.addLabel}
    </button>
  </div>`;
}

/**
 * The funnel builder: steps (events, or deals entering a stage) with their filters, filters on every step, order,
 * window, date range, exclusions, breakdown and view. Every control is a labelled native one (keyboard first).
 */
export function FunnelBuilder(props: {
  draft: Draft;
  events: EventName[] | null;
  catalog: Catalog | null;
  onChange: (draft: Draft) => void;
  onRun: () => void;
}) {
  const { draft, events, catalog } = props;
  const update = (change: Partial<Draft>) => props.onChange({ ...draft, ...change });
  const setStep = (i: number, change: Partial<StepDraft>) =>
    update({ steps: draft.steps.map((s, j) => (j === i ? { ...s, ...change } : s)) });
  const setExclusion = (i: number, change: Partial<ExclusionDraft>) =>
    update({ exclusions: draft.exclusions.map((x, j) => (j === i ? { ...x, ...change } : x)) });
  const stepNumbers = draft.steps.map((_, i) => i);
  const stageOptions = catalog?.dealStages ?? [];
  // A stage named in the URL but not (yet) in the catalog stays pickable.
  const extraStages = draft.steps
    .map((s) => s.pick)
    .filter((p) => p.startsWith('stage:') && !stageOptions.some((o) => `stage:${o.stage}` === p));
  const eventNames = events ?? [];
  const extraEvents = draft.steps
    .map((s) => s.pick)
    .filter((p) => p.startsWith('event:') && !eventNames.some((e) => `event:${e.event}` === p));
  return html`<section class="builder" aria-label="Funnel builder">
    <datalist id="property-names">
      ${(catalog?.properties ?? []).map((p) => html`<option value=${p.property}></option>`)}
    </datalist>
    <ol class="steps">
      ${draft.steps.map(
        (step, i) => html`<li class="step">
          <div class="row">
            <label for=${`step-${i}`}>Step ${i + 1}</label>
            <select id=${`step-${i}`} value=${step.pick}
              onChange=${(e: Event) => setStep(i, { pick: (e.target as HTMLSelectElement).value })}>
              <option value="">${events ? 'choose an event or deal stage…' : 'loading events…'}</option>
              ${step.pick === 'given:' ? html`<option value="given:">${step.label ?? 'as given'}</option>` : null}
              <option value="any:">any event</option>
              <optgroup label="Events">
                ${eventNames.map((e) => html`<option value=${`event:${e.event}`}>${e.event}</option>`)}
                ${extraEvents.map((p) => html`<option value=${p}>${p.slice(6)}</option>`)}
              </optgroup>
              ${
                stageOptions.length + extraStages.length > 0
                  ? html`<optgroup label="Deal enters stage">
                    ${stageOptions.map((s) => html`<option value=${`stage:${s.stage}`}>deal: ${s.stage}</option>`)}
                    ${extraStages.map((p) => html`<option value=${p}>deal: ${p.slice(6)}</option>`)}
                  </optgroup>`
                  : null
              }
            </select>
            <select aria-label=${`Business stage of step ${i + 1}`} value=${step.stage}
              onChange=${(e: Event) => setStep(i, { stage: (e.target as HTMLSelectElement).value })}>
              <option value="">no stage</option>
              ${businessStages.map((s) => html`<option value=${s}>${s}</option>`)}
            </select>
            ${
              draft.steps.length > 2
                ? html`<button type="button" aria-label=${`Remove step ${i + 1}`}
                  onClick=${() => props.onChange(removeStep(draft, i))}>×</button>`
                : null
            }
          </div>
          ${
            step.pick === 'given:'
              ? html`<p class="muted filters">Each alternative keeps its own filters, as given.</p>`
              : html`<${FilterRows} id=${`step-${i}-filter`} filters=${step.filters} addLabel=${`+ filter on step ${i + 1}`}
                  onChange=${(filters: FilterDraft[]) => setStep(i, { filters })} />`
          }
        </li>`,
      )}
    </ol>
    <div class="row">
      <button type="button" onClick=${() => update({ steps: [...draft.steps, emptyStep()] })}>Add step</button>
    </div>
    <fieldset>
      <legend>Every step</legend>
      <${FilterRows} id="global-filter" filters=${draft.filters} addLabel="+ filter on every step"
        onChange=${(filters: FilterDraft[]) => update({ filters })} />
    </fieldset>
    <fieldset>
      <legend>Exclusions</legend>
      ${draft.exclusions.map(
        (x, i) => html`<div class="row" data-exclusion=${i}>
          <label for=${`exclusion-${i}`}>Not</label>
          <select id=${`exclusion-${i}`} value=${x.event} onChange=${(e: Event) => setExclusion(i, { event: (e.target as HTMLSelectElement).value })}>
            <option value="">choose an event…</option>
            <option value="any:">any event</option>
            ${eventNames.map((e) => html`<option value=${`event:${e.event}`}>${e.event}</option>`)}
            ${
              x.event.startsWith('event:') && !eventNames.some((e) => `event:${e.event}` === x.event)
                ? html`<option value=${x.event}>${x.event.slice(6)}</option>`
                : null
            }
          </select>
          <label for=${`exclusion-${i}-from`}>between step</label>
          <select id=${`exclusion-${i}-from`} value=${x.fromStep} onChange=${(e: Event) => setExclusion(i, { fromStep: Number((e.target as HTMLSelectElement).value) })}>
            ${stepNumbers.map((n) => html`<option value=${n}>${n + 1}</option>`)}
          </select>
          <label for=${`exclusion-${i}-to`}>and step</label>
          <select id=${`exclusion-${i}-to`} value=${x.toStep} onChange=${(e: Event) => setExclusion(i, { toStep: Number((e.target as HTMLSelectElement).value) })}>
            ${stepNumbers.map((n) => html`<option value=${n}>${n + 1}</option>`)}
          </select>
          <button type="button" aria-label="Remove exclusion" onClick=${() => update({ exclusions: draft.exclusions.filter((_, j) => j !== i) })}>×</button>
        </div>`,
      )}
      <button type="button" class="link"
        onClick=${() => update({ exclusions: [...draft.exclusions, { event: '', fromStep: 0, toStep: draft.steps.length - 1, extra: {} }] })}>
        + exclusion
      </button>
    </fieldset>
    <div class="row">
      <label for="order">Order</label>
      <select id="order" value=${draft.order} onChange=${(e: Event) => update({ order: (e.target as HTMLSelectElement).value })}>
        <option value="ordered">in order (other events between)</option>
        <option value="strict">strict (nothing between)</option>
        <option value="unordered">any order</option>
      </select>
      <label for="window">Window</label>
      <input id="window" type="number" min="1" value=${draft.windowAmount} class="narrow"
        onChange=${(e: Event) => update({ windowAmount: Number((e.target as HTMLInputElement).value) })} />
      <select aria-label="Window unit" value=${draft.windowUnit}
        onChange=${(e: Event) => update({ windowUnit: (e.target as HTMLSelectElement).value })}>
        ${['second', 'minute', 'hour', 'day', 'week', 'month'].map((u) => html`<option value=${u}>${u}s</option>`)}
      </select>
      <label for="date-from">From</label>
      <input id="date-from" type="date" value=${draft.dateFrom}
        onChange=${(e: Event) => update({ dateFrom: (e.target as HTMLInputElement).value })} />
      <label for="date-to">to</label>
      <input id="date-to" type="date" value=${draft.dateTo}
        onChange=${(e: Event) => update({ dateTo: (e.target as HTMLInputElement).value })} />
    </div>
    <div class="row">
      <label for="view">View</label>
      <select id="view" value=${draft.view} onChange=${(e: Event) => update({ view: (e.target as HTMLSelectElement).value })}>
        <option value="steps">steps</option>
        <option value="time_to_convert">time to convert</option>
        <option value="trends">trends</option>
      </select>
      <label for="breakdown">Breakdown</label>
      <input id="breakdown" list="property-names" placeholder="property, e.g. channel" value=${draft.breakdown}
        onChange=${(e: Event) => update({ breakdown: (e.target as HTMLInputElement).value.trim() })} />
      <label for="breakdown-limit">top</label>
      <input id="breakdown-limit" type="number" min="1" max="50" class="narrow" value=${draft.breakdownLimit}
        onChange=${(e: Event) => update({ breakdownLimit: Number((e.target as HTMLInputElement).value) })} />
      <button type="button" class="primary" onClick=${props.onRun}>Run</button>
    </div>
  </section>`;
}
