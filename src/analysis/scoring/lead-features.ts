/**
 * Leads and their features at a point in time (docs/scoring.md). A lead is a person whose first entry event (e.g.
 * Signed Up) lies within the look-back before the as-of time and who has not reached the target yet; its outcome is
 * whether it reaches the target within the window after. Features read only what happened up to the as-of time:
 * days since entry / first seen / last event, activity in the last 7 and 30 days, counts of the most common events
 * and page views, first-touch channel and device, country, the latest deal stage, amount and days in stage, and
 * person traits as the last identify call up to then set them. Identity calls and experiment exposures are not
 * behaviour and are left out of the counts. Pure.
 */
import { exposureEventNames, identityEventNames } from '../../model/bookkeeping-events.js';
import type { DictionaryColumn, EventColumns } from '../../store/event-columns.js';
import type { FeatureFrame } from './features.js';

export interface LeadInputs {
  columns: EventColumns;
  /** 1 where the row is an entry event (what makes a person a lead). */
  entryRows: Uint8Array;
  /** 1 where the row reaches the target. */
  targetRows: Uint8Array;
  /** Per event row. */
  channel: DictionaryColumn;
  device: DictionaryColumn;
  country: DictionaryColumn;
  path: DictionaryColumn;
  /** Per event row; set on deal stage rows ($deal_stage). */
  stage: DictionaryColumn;
  amount: DictionaryColumn;
  /** Per event row: the traits that may become features, as identify calls set them (other rows: none). */
  traits: { name: string; values: DictionaryColumn }[];
}

/** What a model reads beyond the fixed features, chosen on the training leads and kept with the model. */
export interface FeaturePlan {
  countEvents: string[];
  pagePaths: string[];
  traits: { name: string; kind: 'numeric' | 'categorical' }[];
}

const dayUs = 86_400_000_000;
const pageEvent = '$pageview';
const dealEvent = '$deal_stage';

/** Per person: the time of the first entry row (NaN when none). */
export function firstEntry(inputs: LeadInputs): Float64Array {
  const { columns, entryRows } = inputs;
  const first = new Float64Array(columns.personCount).fill(Number.NaN);
  for (let person = 0; person < columns.personCount; person += 1) {
    for (let r = columns.personStarts[person] as number; r < (columns.personStarts[person + 1] as number); r += 1) {
      if (entryRows[r] === 1) {
        first[person] = columns.tsUs[r] as number;
        break;
      }
    }
  }
  return first;
}

/** The leads at `asOfUs`: entered within the look-back, target not reached by then. */
export function eligibleLeads(
  inputs: LeadInputs,
  entries: Float64Array,
  asOfUs: number,
  lookbackUs: number,
): Int32Array {
  const { columns, targetRows } = inputs;
  const leads: number[] = [];
  for (let person = 0; person < columns.personCount; person += 1) {
    const entered = entries[person] as number;
    if (!(entered <= asOfUs && entered >= asOfUs - lookbackUs)) continue;
    let converted = false;
    for (let r = columns.personStarts[person] as number; r < (columns.personStarts[person + 1] as number); r += 1) {
      if ((columns.tsUs[r] as number) > asOfUs) break;
      if (targetRows[r] === 1) {
        converted = true;
        break;
      }
    }
    if (!converted) leads.push(person);
  }
  return Int32Array.from(leads);
}

/** 1 for each lead that reaches the target after `asOfUs` and no later than `asOfUs + windowUs`. */
export function outcomes(inputs: LeadInputs, persons: Int32Array, asOfUs: number, windowUs: number): Uint8Array {
  const { columns, targetRows } = inputs;
  const y = new Uint8Array(persons.length);
  persons.forEach((person, i) => {
    for (let r = columns.personStarts[person] as number; r < (columns.personStarts[person + 1] as number); r += 1) {
      const t = columns.tsUs[r] as number;
      if (t > asOfUs + windowUs) break;
      if (t > asOfUs && targetRows[r] === 1) {
        y[i] = 1;
        break;
      }
    }
  });
  return y;
}

/** A trait's code as of `asOfUs`: the value of the person's last row up to then that set it (0: none). */
function traitAt(columns: EventColumns, values: DictionaryColumn, person: number, asOfUs: number): number {
  let code = 0;
  for (let r = columns.personStarts[person] as number; r < (columns.personStarts[person + 1] as number); r += 1) {
    if ((columns.tsUs[r] as number) > asOfUs) break;
    if ((values.codes[r] as number) !== 0) code = values.codes[r] as number;
  }
  return code;
}

/** Event codes that are behaviour (not identity calls or experiment exposures). */
function behaviourCodes(columns: EventColumns): Uint8Array {
  return Uint8Array.from(columns.eventNames, (name) =>
    identityEventNames.has(name) || exposureEventNames.has(name) ? 0 : 1,
  );
}

/**
 * The events, page paths and traits a model reads, from the training leads (each `asOf` with its leads): the 12
 * events and 8 page paths done by the most leads (at least 1% of them), and the traits that at least 10% of the
 * leads have by then, categorical when they take 2 to 20 values, numeric when every value is a number and they take
 * more.
 */
export function planFeatures(
  inputs: LeadInputs,
  samples: readonly { asOfUs: number; persons: Int32Array }[],
): FeaturePlan {
  const { columns } = inputs;
  const behaviour = behaviourCodes(columns);
  const pageCode = columns.eventNames.indexOf(pageEvent);
  const dealCode = columns.eventNames.indexOf(dealEvent);
  const eventLeads = new Float64Array(columns.eventNames.length);
  const pathLeads = new Map<number, number>();
  let total = 0;
  const seenEvent = new Int32Array(columns.eventNames.length).fill(-1);
  const seenPath = new Map<number, number>();
  for (const { asOfUs, persons } of samples) {
    for (const person of persons) {
      total += 1;
      for (let r = columns.personStarts[person] as number; r < (columns.personStarts[person + 1] as number); r += 1) {
        if ((columns.tsUs[r] as number) > asOfUs) break;
        const code = columns.eventCode[r] as number;
        if (behaviour[code] !== 1 || code === dealCode) continue;
        if (seenEvent[code] !== total) {
          seenEvent[code] = total;
          eventLeads[code] = (eventLeads[code] as number) + 1;
        }
        if (code === pageCode) {
          const path = inputs.path.codes[r] as number;
          if (path !== 0 && seenPath.get(path) !== total) {
            seenPath.set(path, total);
            pathLeads.set(path, (pathLeads.get(path) ?? 0) + 1);
          }
        }
      }
    }
  }
  const floor = Math.max(1, total * 0.01);
  const countEvents = columns.eventNames
    .map((name, code) => ({ name, leads: eventLeads[code] as number }))
    .filter((e) => e.leads >= floor)
    .sort((a, b) => b.leads - a.leads || a.name.localeCompare(b.name))
    .slice(0, 12)
    .map((e) => e.name);
  const pagePaths = [...pathLeads]
    .map(([code, leads]) => ({ path: inputs.path.values[code] as string, leads }))
    .filter((p) => p.leads >= floor)
    .sort((a, b) => b.leads - a.leads || a.path.localeCompare(b.path))
    .slice(0, 8)
    .map((p) => p.path);
  const traits: FeaturePlan['traits'] = [];
  for (const trait of inputs.traits) {
    const seen = new Set<number>();
    let covered = 0;
    for (const { asOfUs, persons } of samples) {
      for (const person of persons) {
        const code = traitAt(columns, trait.values, person, asOfUs);
        if (code === 0) continue;
        covered += 1;
        seen.add(code);
      }
    }
    if (covered < total * 0.1 || seen.size < 2) continue;
    const numeric = [...seen].every((code) => Number.isFinite(Number(trait.values.values[code])));
    if (seen.size <= 20) traits.push({ name: trait.name, kind: 'categorical' });
    else if (numeric) traits.push({ name: trait.name, kind: 'numeric' });
  }
  return { countEvents, pagePaths, traits };
}

/** Numeric features kept on a log scale (log(1 + x)) when encoded: counts. */
export function isCount(name: string): boolean {
  return name.startsWith('count: ') || name.startsWith('page views: ') || name.startsWith('events in ');
}

/** The leads' features at `asOfUs`, one row per lead in `persons` order. */
export function leadFeatures(
  inputs: LeadInputs,
  plan: FeaturePlan,
  entries: Float64Array,
  persons: Int32Array,
  asOfUs: number,
): FeatureFrame {
  const { columns } = inputs;
  const n = persons.length;
  const behaviour = behaviourCodes(columns);
  const pageCode = columns.eventNames.indexOf(pageEvent);
  const dealCode = columns.eventNames.indexOf(dealEvent);
  const countIndex = new Int32Array(columns.eventNames.length).fill(-1);
  for (const [i, name] of plan.countEvents.entries()) {
    const code = columns.eventNames.indexOf(name);
    if (code >= 0) countIndex[code] = i;
  }
  const pathIndex = new Map<number, number>();
  for (const [i, path] of plan.pagePaths.entries()) {
    const code = inputs.path.values.indexOf(path);
    if (code > 0) pathIndex.set(code, i);
  }
  const numeric = new Map<string, Float64Array>();
  const column = (name: string) => {
    const values = new Float64Array(n);
    numeric.set(name, values);
    return values;
  };
  const sinceEntry = column('days since entry');
  const sinceFirst = column('days since first seen');
  const sinceLast = column('days since last event');
  const last7 = column('events in last 7 days');
  const last30 = column('events in last 30 days');
  const activeDays = column('active days in last 30');
  const dealAmount = column('deal amount');
  const inStage = column('days in deal stage');
  const counts = plan.countEvents.map((name) => column(`count: ${name}`));
  const views = plan.pagePaths.map((path) => column(`page views: ${path}`));
  const categorical = new Map<string, (string | null)[]>();
  const channel = new Array<string | null>(n).fill(null);
  const device = new Array<string | null>(n).fill(null);
  const country = new Array<string | null>(n).fill(null);
  const stage = new Array<string | null>(n).fill('(none)');
  categorical.set('channel', channel);
  categorical.set('device', device);
  categorical.set('country', country);
  categorical.set('deal stage', stage);
  for (let i = 0; i < n; i += 1) {
    const person = persons[i] as number;
    sinceEntry[i] = (asOfUs - (entries[person] as number)) / dayUs;
    let first = Number.NaN;
    let last = Number.NaN;
    let lastDay = Number.NaN;
    let stageAt = Number.NaN;
    dealAmount[i] = Number.NaN;
    for (let r = columns.personStarts[person] as number; r < (columns.personStarts[person + 1] as number); r += 1) {
      const t = columns.tsUs[r] as number;
      if (t > asOfUs) break;
      const code = columns.eventCode[r] as number;
      if (code === dealCode) {
        const s = inputs.stage.codes[r] as number;
        if (s !== 0) {
          stage[i] = inputs.stage.values[s] as string;
          stageAt = t;
          const amount = Number(inputs.amount.values[inputs.amount.codes[r] as number]);
          const amountCode = inputs.amount.codes[r] as number;
          dealAmount[i] = amountCode !== 0 && Number.isFinite(amount) ? amount : Number.NaN;
        }
        continue;
      }
      if (behaviour[code] !== 1) continue;
      if (Number.isNaN(first)) first = t;
      last = t;
      if (channel[i] === null && (inputs.channel.codes[r] as number) !== 0) {
        channel[i] = inputs.channel.values[inputs.channel.codes[r] as number] as string;
      }
      if (device[i] === null && (inputs.device.codes[r] as number) !== 0) {
        device[i] = inputs.device.values[inputs.device.codes[r] as number] as string;
      }
      if ((inputs.country.codes[r] as number) !== 0) {
        country[i] = inputs.country.values[inputs.country.codes[r] as number] as string;
      }
      const age = asOfUs - t;
      if (age <= 7 * dayUs) last7[i] = (last7[i] as number) + 1;
      if (age <= 30 * dayUs) {
        last30[i] = (last30[i] as number) + 1;
        const day = Math.floor(t / dayUs);
        if (day !== lastDay) {
          activeDays[i] = (activeDays[i] as number) + 1;
          lastDay = day;
        }
      }
      const c = countIndex[code] as number;
      if (c >= 0) (counts[c] as Float64Array)[i] = ((counts[c] as Float64Array)[i] as number) + 1;
      if (code === pageCode) {
        const v = pathIndex.get(inputs.path.codes[r] as number);
        if (v !== undefined) (views[v] as Float64Array)[i] = ((views[v] as Float64Array)[i] as number) + 1;
      }
    }
    sinceFirst[i] = Number.isNaN(first) ? Number.NaN : (asOfUs - first) / dayUs;
    sinceLast[i] = Number.isNaN(last) ? Number.NaN : (asOfUs - last) / dayUs;
    inStage[i] = Number.isNaN(stageAt) ? Number.NaN : (asOfUs - stageAt) / dayUs;
  }
  for (const trait of plan.traits) {
    const source = inputs.traits.find((t) => t.name === trait.name);
    const value = (i: number) => {
      if (!source) return null;
      return source.values.values[traitAt(columns, source.values, persons[i] as number, asOfUs)] ?? null;
    };
    if (trait.kind === 'numeric') {
      const values = column(`trait: ${trait.name}`);
      for (let i = 0; i < n; i += 1) {
        const v = value(i);
        values[i] = v === null ? Number.NaN : Number(v);
      }
    } else {
      categorical.set(
        `trait: ${trait.name}`,
        Array.from({ length: n }, (_, i) => value(i)),
      );
    }
  }
  return { rows: n, numeric, categorical };
}
