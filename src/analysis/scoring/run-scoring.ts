/**
 * `funnelscope score train|apply|explain` over a store (docs/scoring.md). Training takes snapshots of the leads
 * (every `everyDays` back from the last as-of time whose window is over), their features then and whether they
 * reached the target within the window after; it cross-validates both models, keeps the better by log loss and
 * saves it under a name with what it reads. Applying scores the leads of now (or a given day), ranks them and
 * writes each score back as person traits (`lead_score`, `lead_score_model`, `lead_score_at`) through an identify
 * call per lead, so funnels, breakdowns and `people show` read it like any trait. Explaining shows one lead's
 * score split over its features.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnCache, ProjectColumns } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { type FieldName, jsonName } from '../../model/report-requests.js';
import { mulberry32, sampleIndices } from '../../stats/random.js';
import type { Store } from '../../store/store.js';
import { utcDayMs } from '../calendar.js';
import { lastEventUs } from '../data-end.js';
import { type StepGiven, stepLabel, stepRows } from '../step-match.js';
import type { FeatureFrame } from './features.js';
import {
  eligibleLeads,
  type FeaturePlan,
  firstEntry,
  isCount,
  type LeadInputs,
  leadFeatures,
  outcomes,
  planFeatures,
} from './lead-features.js';
import { scoreLeads } from './score-leads.js';
import {
  explainRow,
  type FittedScorer,
  type LeadExplanation,
  type TrainingEvaluation,
  trainScorer,
} from './train-model.js';

export interface ScoreTrainSpec {
  project: string;
  model: string;
  entry: StepGiven;
  target: StepGiven;
  windowDays: number;
  lookbackDays: number;
  snapshots: number;
  everyDays: number;
  /** The last snapshot's day (its end); default: the last day whose window is over. */
  asOf: string | null;
  /** Person traits to read (default: those identify calls set most, chosen by coverage and cardinality). */
  traits: string[] | null;
  /** Lead snapshots beyond this many are sampled uniformly (seeded), which keeps the conversion rate. */
  maxRows: number;
  seed: number;
}

export interface ScoreApplySpec {
  project: string;
  model: string;
  asOf: string | null;
  trait: string;
  top: number;
}

export interface ScoreExplainSpec {
  project: string;
  model: string;
  person: string;
  asOf: string | null;
}

const savedFormat = 'funnelscope-lead-score/1';

/** What `score train` keeps in the store. */
export interface SavedScoringModel {
  format: typeof savedFormat;
  name: string;
  trainedAt: string;
  entry: StepGiven;
  target: StepGiven;
  windowDays: number;
  lookbackDays: number;
  snapshots: { asOf: string; leads: number; converted: number }[];
  plan: FeaturePlan;
  scorer: FittedScorer;
  evaluation: TrainingEvaluation;
}

export interface ScoreTrainReport {
  report: 'score-train';
  project: string;
  model: string;
  entry: string;
  target: string;
  windowDays: number;
  lookbackDays: number;
  snapshots: SavedScoringModel['snapshots'];
  features: string[];
  evaluation: TrainingEvaluation;
  notes: string[];
  definitions: string;
}

export interface ScoredLead {
  person: string;
  score: number;
  /** The three largest contributions to the score. */
  reasons: LeadExplanation['contributions'];
}

export interface ScoreApplyReport {
  report: 'score-apply';
  project: string;
  model: string;
  modelKind: string;
  trainedAt: string;
  /** How the model did out of fold when it was trained. */
  evaluation: TrainingEvaluation;
  entry: string;
  target: string;
  windowDays: number;
  asOf: string;
  leads: number;
  /** Σ scores: the conversions the model expects from these leads within the window. */
  expectedConversions: number;
  /** Leads per score band of 10 points. */
  distribution: { lower: number; upper: number; leads: number }[];
  top: ScoredLead[];
  trait: string;
  /** Leads whose traits were written (null: not written). */
  written: number | null;
  definitions: string;
}

export interface ScoreExplainReport {
  report: 'score-explain';
  project: string;
  model: string;
  modelKind: string;
  person: string;
  asOf: string;
  target: string;
  windowDays: number;
  /** Why the person is not a lead at that time (then no score). */
  notALead: string | null;
  explanation: LeadExplanation | null;
  definitions: string;
}

const dayUs = 86_400_000_000;
const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString();
const traitCandidates = 30;

/** Per loaded columns (a new load is a new object): the inputs of each entry, target and traits asked for. */
const inputsCache = new WeakMap<ProjectColumns, Map<string, Promise<LeadInputs>>>();

/** What lead inputs are read for: the steps, the traits, and how errors name the options. */
interface LeadRequest {
  projectName: string;
  entry: StepGiven;
  target: StepGiven;
  traitNames: readonly string[];
  name: FieldName;
}

function leadInputs(project: ProjectColumns, request: LeadRequest): Promise<LeadInputs> {
  let byKey = inputsCache.get(project);
  if (!byKey) {
    byKey = new Map();
    inputsCache.set(project, byKey);
  }
  const key = JSON.stringify([request.entry, request.target, request.traitNames]);
  let inputs = byKey.get(key);
  if (!inputs) {
    inputs = readLeadInputs(project, request);
    byKey.set(key, inputs);
    const forget = byKey;
    inputs.catch(() => forget.delete(key));
  }
  return inputs;
}

async function readLeadInputs(project: ProjectColumns, request: LeadRequest): Promise<LeadInputs> {
  const { projectName, entry, target, traitNames, name } = request;
  const entryRows = await stepRows(project, projectName, entry, name('entry'));
  const targetRows = await stepRows(project, projectName, target, name('target'));
  const [channel, device, country, path, stage, amount] = [
    await project.eventValues({ kind: 'column', column: 'channel' }),
    await project.eventValues({ kind: 'column', column: 'device_type' }),
    await project.eventValues({ kind: 'column', column: 'country' }),
    await project.eventValues({ kind: 'event', property: 'path' }),
    await project.eventValues({ kind: 'event', property: 'stage' }),
    await project.eventValues({ kind: 'event', property: 'amount' }),
  ];
  const traits: LeadInputs['traits'] = [];
  for (const trait of traitNames) {
    traits.push({ name: trait, values: await project.eventValues({ kind: 'identify', property: trait }) });
  }
  return { columns: project.columns, entryRows, targetRows, channel, device, country, path, stage, amount, traits };
}

/** The end (last microsecond) of a YYYY-MM-DD day. */
const dayEndUs = (day: string, field: string) => (utcDayMs(day, field) + 86_400_000) * 1000 - 1;

/**
 * About `keep` of the rows, the same share of those that converted and of those that did not (seeded): 1 for each
 * kept row. The conversion rate stays what it was, up to rounding.
 */
function sampleRows(y: Uint8Array, keep: number, seed: number): Uint8Array {
  const uniform = mulberry32(seed);
  const kept = new Uint8Array(y.length);
  for (const cls of [1, 0]) {
    const members = Int32Array.from(y.keys()).filter((i) => y[i] === cls);
    for (const k of sampleIndices(members.length, Math.round((members.length * keep) / y.length), uniform)) {
      kept[members[k] as number] = 1;
    }
  }
  return kept;
}

/** Rows of several frames one after the other (same columns). */
function concatFrames(frames: readonly FeatureFrame[]): FeatureFrame {
  const first = frames[0] as FeatureFrame;
  const rows = frames.reduce((s, f) => s + f.rows, 0);
  const numeric = new Map<string, Float64Array>();
  for (const name of first.numeric.keys()) {
    const out = new Float64Array(rows);
    let at = 0;
    for (const f of frames) {
      out.set(f.numeric.get(name) as Float64Array, at);
      at += f.rows;
    }
    numeric.set(name, out);
  }
  const categorical = new Map<string, (string | null)[]>();
  for (const name of first.categorical.keys()) {
    categorical.set(
      name,
      frames.flatMap((f) => f.categorical.get(name) as (string | null)[]),
    );
  }
  return { rows, numeric, categorical };
}

/** Errors name the option as the caller wrote it: the CLI's flag (`flagName`) or the API's field (`jsonName`). */
export async function trainLeadScoring(
  cache: ColumnCache,
  store: Pick<Store, 'saveScoringModel' | 'personTraitNames'>,
  spec: ScoreTrainSpec,
  name: FieldName = jsonName,
): Promise<ScoreTrainReport> {
  const project = await cache.get(spec.project);
  // Traits set by identify calls, not the scores written back (the store leaves out what only those set).
  const known = await store.personTraitNames(spec.project, 10_000);
  for (const trait of spec.traits ?? []) {
    if (!known.includes(trait)) {
      throw new FunnelscopeError(
        'invalid_argument',
        `${name('traits')}: no identify call in project ${spec.project} sets a trait "${trait}" (the scores funnelscope writes back are not features)`,
        { field: name('traits') },
      );
    }
  }
  const names = spec.traits ?? known.slice(0, traitCandidates);
  const inputs = await leadInputs(project, {
    projectName: spec.project,
    entry: spec.entry,
    target: spec.target,
    traitNames: names,
    name,
  });
  const entries = firstEntry(inputs);
  const end = lastEventUs(project.columns);
  const windowUs = spec.windowDays * dayUs;
  const last = spec.asOf ? dayEndUs(spec.asOf, name('asOf')) : end - windowUs;
  if (last + windowUs > end) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${name('asOf')}: the ${spec.windowDays}-day window after ${spec.asOf ?? iso(last).slice(0, 10)} is not over (the data ends ${iso(end).slice(0, 10)})`,
      { field: name('asOf') },
    );
  }
  const samples: { asOfUs: number; persons: Int32Array; y: Uint8Array; leads: number; converted: number }[] = [];
  for (let k = 0; k < spec.snapshots; k += 1) {
    const asOfUs = last - k * spec.everyDays * dayUs;
    const persons = eligibleLeads(inputs, entries, asOfUs, spec.lookbackDays * dayUs);
    if (persons.length === 0) continue;
    const y = outcomes(inputs, persons, asOfUs, windowUs);
    samples.push({ asOfUs, persons, y, leads: persons.length, converted: y.reduce((a, v) => a + v, 0) });
  }
  const all = Uint8Array.from(samples.flatMap((s) => Array.from(s.y)));
  if (all.length === 0) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${name('asOf')}: no leads (persons who did ${stepLabel(spec.entry)} within ${spec.lookbackDays} days before) at any of the ${spec.snapshots} snapshots up to ${iso(last).slice(0, 10)}`,
      { field: name('asOf') },
    );
  }
  const notes: string[] = [];
  const total = all.length;
  if (total > spec.maxRows) {
    // The same share of converted and other rows, so the conversion rate (and so calibration) holds.
    const keep = sampleRows(all, spec.maxRows, spec.seed);
    let at = 0;
    for (const sample of samples) {
      const kept = Array.from(sample.persons.keys()).filter((i) => keep[at + i] === 1);
      at += sample.persons.length;
      sample.persons = Int32Array.from(kept, (i) => sample.persons[i] as number);
      sample.y = Uint8Array.from(kept, (i) => sample.y[i] as number);
    }
  }
  const y = Uint8Array.from(samples.flatMap((s) => Array.from(s.y)));
  const positives = y.reduce((s, v) => s + v, 0);
  if (positives < 10 || y.length - positives < 10) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${name('target')}: ${positives} of ${y.length} lead snapshots${total > spec.maxRows ? ' (sampled)' : ''} reached "${stepLabel(spec.target)}" within ${spec.windowDays} days; training needs at least 10 that did and 10 that did not (try more snapshots, a longer window or look-back, or another entry)`,
      { field: name('target') },
    );
  }
  if (total > spec.maxRows) {
    notes.push(
      `trained on a sample of ${y.length.toLocaleString('en-US')} of the ${total.toLocaleString('en-US')} lead snapshots (the same share of converted and other ones)`,
    );
  }
  const plan = planFeatures(inputs, samples);
  for (const trait of spec.traits ?? []) {
    if (!plan.traits.some((t) => t.name === trait)) {
      notes.push(
        `trait ${trait} is left out: fewer than 10% of the leads have it, or it takes one value, or more than 20 values that are not all numbers`,
      );
    }
  }
  const frame = concatFrames(samples.map((s) => leadFeatures(inputs, plan, entries, s.persons, s.asOfUs)));
  const groups = Int32Array.from(samples.flatMap((s) => Array.from(s.persons)));
  const { scorer, evaluation } = trainScorer(frame, y, groups, { seed: spec.seed, logScale: isCount });
  const snapshots = samples.map((s) => ({ asOf: iso(s.asOfUs), leads: s.leads, converted: s.converted }));
  const saved: SavedScoringModel = {
    format: savedFormat,
    name: spec.model,
    trainedAt: new Date().toISOString(),
    entry: spec.entry,
    target: spec.target,
    windowDays: spec.windowDays,
    lookbackDays: spec.lookbackDays,
    snapshots,
    plan,
    scorer,
    evaluation,
  };
  await store.saveScoringModel(spec.project, spec.model, saved);
  if (samples.length < spec.snapshots) {
    notes.push(`${spec.snapshots - samples.length} of ${spec.snapshots} snapshots had no leads`);
  }
  return {
    report: 'score-train',
    project: spec.project,
    model: spec.model,
    entry: stepLabel(spec.entry),
    target: stepLabel(spec.target),
    windowDays: spec.windowDays,
    lookbackDays: spec.lookbackDays,
    snapshots,
    features: [...frame.numeric.keys(), ...frame.categorical.keys()],
    evaluation,
    notes,
    definitions: 'docs/scoring.md',
  };
}

async function savedModel(store: Pick<Store, 'getScoringModel'>, project: string, model: string, name: FieldName) {
  const saved = (await store.getScoringModel(project, model)) as SavedScoringModel | undefined;
  if (!saved) {
    throw new FunnelscopeError(
      'not_found',
      `${name('model')}: no lead-scoring model "${model}" in project ${project}; train one with funnelscope score train`,
      { field: name('model') },
    );
  }
  if (saved.format !== savedFormat) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${name('model')}: "${model}" was saved in another format; train it again`,
      {
        field: name('model'),
      },
    );
  }
  return saved;
}

/** The leads at the as-of time (`only` this person index, when given) with the model's features. */
async function currentLeads(
  cache: ColumnCache,
  project: string,
  saved: SavedScoringModel,
  asOf: string | null,
  name: FieldName,
  only?: number,
) {
  const columns = await cache.get(project);
  const inputs = await leadInputs(columns, {
    projectName: project,
    entry: saved.entry,
    target: saved.target,
    traitNames: saved.plan.traits.map((t) => t.name),
    name,
  });
  const entries = firstEntry(inputs);
  const end = lastEventUs(columns.columns);
  const asOfUs = asOf ? dayEndUs(asOf, name('asOf')) : end;
  // Scores describe a moment the data has reached: one written later would move the data's end.
  if (asOf && Math.floor(asOfUs / dayUs) > Math.floor(end / dayUs)) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${name('asOf')}: ${asOf} is after the data, which ends ${iso(end).slice(0, 10)}`,
      { field: name('asOf') },
    );
  }
  let persons = eligibleLeads(inputs, entries, asOfUs, saved.lookbackDays * dayUs);
  if (only !== undefined) persons = persons.includes(only) ? Int32Array.of(only) : new Int32Array(0);
  const frame = leadFeatures(inputs, saved.plan, entries, persons, asOfUs);
  return { columns, entries, asOfUs, persons, frame };
}

export async function applyLeadScoring(
  cache: ColumnCache,
  store: Pick<Store, 'getScoringModel' | 'importFile' | 'personTraitNames'>,
  spec: ScoreApplySpec,
  write: boolean,
  name: FieldName = jsonName,
): Promise<ScoreApplyReport> {
  const saved = await savedModel(store, spec.project, spec.model, name);
  if (write) {
    // The scores must not overwrite a trait people have (the store lists traits other than the scores written back).
    const taken = await store.personTraitNames(spec.project, 10_000);
    const clash = [spec.trait, `${spec.trait}_model`, `${spec.trait}_at`].find((t) => taken.includes(t));
    if (clash) {
      throw new FunnelscopeError(
        'invalid_argument',
        `${name('trait')}: persons already have a trait "${clash}" set by identify calls; write the scores under another name`,
        { field: name('trait') },
      );
    }
  }
  const { columns, asOfUs, persons, frame } = await currentLeads(cache, spec.project, saved, spec.asOf, name);
  const scores = persons.length > 0 ? await scoreLeads(saved.scorer, frame) : new Float64Array(0);
  const keys = await columns.personKeys();
  const keyOf = (person: number) => keys.values[keys.codes[person] as number] as string;
  const order = Array.from({ length: persons.length }, (_, i) => i).sort(
    (a, b) =>
      (scores[b] as number) - (scores[a] as number) ||
      keyOf(persons[a] as number).localeCompare(keyOf(persons[b] as number)),
  );
  const distribution = Array.from({ length: 10 }, (_, b) => ({ lower: b / 10, upper: (b + 1) / 10, leads: 0 }));
  let expected = 0;
  for (const s of scores) {
    expected += s;
    (distribution[Math.min(9, Math.floor(s * 10))] as (typeof distribution)[number]).leads += 1;
  }
  const top = order.slice(0, spec.top).map((i) => ({
    person: keyOf(persons[i] as number),
    score: scores[i] as number,
    reasons: explainRow(saved.scorer, frame, i).contributions.slice(0, 3),
  }));
  let written: number | null = null;
  if (write && persons.length > 0) {
    const at = iso(asOfUs);
    const dir = mkdtempSync(join(tmpdir(), 'funnelscope-scores-'));
    const file = join(dir, 'scores.ndjson');
    try {
      const lines = order.map((i) => {
        const person = keyOf(persons[i] as number);
        return JSON.stringify({
          type: 'identify',
          messageId: `score:${spec.model}:${saved.trainedAt}:${at}:${spec.trait}:${person}`,
          timestamp: at,
          userId: person,
          traits: {
            [spec.trait]: Math.round((scores[i] as number) * 10_000) / 10_000,
            [`${spec.trait}_model`]: spec.model,
            [`${spec.trait}_at`]: at,
          },
        });
      });
      writeFileSync(file, `${lines.join('\n')}\n`);
      // Writing the same scores again stores nothing new (the message ids are the same): count what was stored.
      written = (await store.importFile('events', file, { project: spec.project, skipInvalid: false })).imported;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    report: 'score-apply',
    project: spec.project,
    model: spec.model,
    modelKind: saved.scorer.kind,
    trainedAt: saved.trainedAt,
    evaluation: saved.evaluation,
    entry: stepLabel(saved.entry),
    target: stepLabel(saved.target),
    windowDays: saved.windowDays,
    asOf: iso(asOfUs),
    leads: persons.length,
    expectedConversions: expected,
    distribution,
    top,
    trait: spec.trait,
    written,
    definitions: 'docs/scoring.md',
  };
}

export async function explainLeadScore(
  cache: ColumnCache,
  store: Pick<Store, 'getScoringModel' | 'getPerson'>,
  spec: ScoreExplainSpec,
  name: FieldName = jsonName,
): Promise<ScoreExplainReport> {
  const saved = await savedModel(store, spec.project, spec.model, name);
  // The id is usually the person id itself (a person's key); else the store resolves a distinct id to its person.
  const keys = await (await cache.get(spec.project)).personKeys();
  let personId: string | undefined = keys.values.indexOf(spec.person) > 0 ? spec.person : undefined;
  personId ??= (await store.getPerson(spec.project, spec.person))?.personId;
  if (personId === undefined) {
    throw new FunnelscopeError('not_found', `person: no person "${spec.person}" in project ${spec.project}`, {
      field: 'person',
    });
  }
  const code = keys.values.indexOf(personId);
  const index = code > 0 ? keys.codes.indexOf(code) : -1;
  const { entries, asOfUs, persons, frame } = await currentLeads(cache, spec.project, saved, spec.asOf, name, index);
  const row = persons.length === 1 ? 0 : -1;
  let notALead: string | null = null;
  if (row < 0) {
    const entered = index >= 0 ? (entries[index] as number) : Number.NaN;
    notALead = Number.isNaN(entered)
      ? `never did the entry step (${stepLabel(saved.entry)})`
      : entered > asOfUs
        ? 'entered after the as-of time'
        : entered < asOfUs - saved.lookbackDays * dayUs
          ? `entered more than ${saved.lookbackDays} days before the as-of time`
          : `already reached the target (${stepLabel(saved.target)})`;
  }
  return {
    report: 'score-explain',
    project: spec.project,
    model: spec.model,
    modelKind: saved.scorer.kind,
    person: personId,
    asOf: iso(asOfUs),
    target: stepLabel(saved.target),
    windowDays: saved.windowDays,
    notALead,
    explanation: row >= 0 ? explainRow(saved.scorer, frame, row) : null,
    definitions: 'docs/scoring.md',
  };
}
