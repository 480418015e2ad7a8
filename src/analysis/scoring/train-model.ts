/**
 * Training a lead-scoring model and reading it (docs/scoring.md). Both candidates — L2-regularised logistic
 * regression (λ = 1 on standardised columns) and gradient-boosted trees — are scored out of fold (folds by person,
 * stratified; 5 folds, 3 above 50,000 rows), and the one with the lower log loss is refitted on every row. The
 * report gives both models' AUC, log loss and expected calibration error, and the chosen one's calibration table and
 * lift by decile, all out of fold. A lead's explanation splits its log-odds into a baseline and a signed
 * contribution per feature (a categorical feature's levels together): for the logistic model βⱼ (xⱼ − x̄ⱼ) against
 * the average training lead, for the trees the changes along each tree's path (explainBoosting); the baseline plus
 * the contributions is the lead's log-odds exactly. Feature importance is the mean absolute contribution. Pure.
 */
import {
  type BoostedModel,
  defaultBoosting,
  explainBoosting,
  fitBoosting,
  predictBoosting,
} from '../../stats/gradient-boosting.js';
import { auc, calibrationError, fitLogistic, logLoss, predictLogistic } from '../../stats/logistic-regression.js';
import { mulberry32, sampleIndices } from '../../stats/random.js';
import { type CalibrationRow, calibrationTable, columnMeans, type DecileRow, liftByDecile } from './evaluation.js';
import {
  encodeFrame,
  type FeatureEncoder,
  type FeatureFrame,
  groupedFolds,
  learnFrameEncoder,
  sourceOfColumns,
} from './features.js';

export type ModelKind = 'logistic regression' | 'gradient boosting';

/** A fitted model as JSON can hold it. */
export interface FittedScorer {
  kind: ModelKind;
  encoder: FeatureEncoder;
  /** Intercept first (logistic regression). */
  coefficients: number[] | null;
  boosting: { base: number; edges: number[][]; trees: BoostedModel['trees'] } | null;
  /** Column means of the training matrix (the average lead). */
  means: number[];
}

export interface ModelScores {
  model: ModelKind;
  auc: number;
  logLoss: number;
  calibrationError: number;
}

export interface TrainingEvaluation {
  rows: number;
  positives: number;
  folds: number;
  models: ModelScores[];
  chosen: ModelKind;
  calibration: CalibrationRow[];
  lift: DecileRow[];
  importance: { feature: string; importance: number }[];
}

export interface TrainOptions {
  seed: number;
  /** Numeric columns encoded on a log scale. */
  logScale: (name: string) => boolean;
  /** Folds (default: 5, or 3 above 50,000 rows). */
  folds?: number;
}

const lambda = 1;

/** One model of the kind fitted on an encoded matrix. */
export function fitScorer(kind: ModelKind, encoder: FeatureEncoder, x: Float64Array, y: Uint8Array): FittedScorer {
  const p = encoder.columns.length;
  const means = Array.from(columnMeans(x, p));
  if (kind === 'logistic regression') {
    const model = fitLogistic(x, y, p, { lambda });
    return { kind, encoder, coefficients: Array.from(model.coefficients), boosting: null, means };
  }
  const model = fitBoosting(x, y, p, defaultBoosting);
  return {
    kind,
    encoder,
    coefficients: null,
    boosting: { base: model.base, edges: model.edges.map((e) => Array.from(e)), trees: model.trees },
    means,
  };
}

/** The trees with their edges as typed arrays, made once per fitted scorer. */
const boostedOf = new WeakMap<FittedScorer, BoostedModel>();
export function boostedModel(scorer: FittedScorer): BoostedModel {
  let model = boostedOf.get(scorer);
  if (!model) {
    const b = scorer.boosting as NonNullable<FittedScorer['boosting']>;
    model = { base: b.base, edges: b.edges.map((e) => Float64Array.from(e)), trees: b.trees };
    boostedOf.set(scorer, model);
  }
  return model;
}

function predictMatrix(scorer: FittedScorer, x: Float64Array): Float64Array {
  const p = scorer.encoder.columns.length;
  if (scorer.kind === 'logistic regression') {
    return predictLogistic({ coefficients: Float64Array.from(scorer.coefficients as number[]), iterations: 0 }, x, p);
  }
  return predictBoosting(boostedModel(scorer), x, p);
}

/** P(target within the window) for every row of the frame. */
export function scoreFrame(scorer: FittedScorer, frame: FeatureFrame): Float64Array {
  return predictMatrix(scorer, encodeFrame(scorer.encoder, frame));
}

/** Per encoded column: one row's contribution to its log-odds, and the baseline they add to. */
function columnContributions(scorer: FittedScorer, row: Float64Array): { baseline: number; values: Float64Array } {
  const p = scorer.encoder.columns.length;
  if (scorer.kind === 'logistic regression') {
    const beta = scorer.coefficients as number[];
    const values = new Float64Array(p);
    let baseline = beta[0] as number;
    for (let j = 0; j < p; j += 1) {
      baseline += (beta[j + 1] as number) * (scorer.means[j] as number);
      values[j] = (beta[j + 1] as number) * ((row[j] as number) - (scorer.means[j] as number));
    }
    return { baseline, values };
  }
  const { bias, contributions } = explainBoosting(boostedModel(scorer), row, p);
  return { baseline: bias, values: contributions };
}

/** Contributions summed per source feature (a categorical feature's levels together). */
function bySource(scorer: FittedScorer, values: Float64Array): Map<string, number> {
  const sources = sourceOfColumns(scorer.encoder);
  const out = new Map<string, number>();
  sources.forEach((source, j) => {
    out.set(source, (out.get(source) ?? 0) + (values[j] as number));
  });
  return out;
}

export interface LeadExplanation {
  score: number;
  /** Log-odds of the average lead (logistic) or of the trees before any split (boosting). */
  baseline: number;
  logOdds: number;
  contributions: { feature: string; value: string | number | null; contribution: number }[];
}

/** Why one row of the frame scores as it does: every feature's signed contribution, the largest first. */
export function explainRow(scorer: FittedScorer, frame: FeatureFrame, row: number): LeadExplanation {
  const x = encodeFrame(scorer.encoder, frame, Int32Array.of(row));
  const { baseline, values } = columnContributions(scorer, x);
  const contributions = [...bySource(scorer, values)]
    .map(([feature, contribution]) => {
      const numeric = frame.numeric.get(feature);
      const value = numeric
        ? Number.isFinite(numeric[row] as number)
          ? (numeric[row] as number)
          : null
        : (frame.categorical.get(feature)?.[row] ?? null);
      return { feature, value, contribution };
    })
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature));
  const logOdds = baseline + contributions.reduce((s, c) => s + c.contribution, 0);
  return { score: 1 / (1 + Math.exp(-logOdds)), baseline, logOdds, contributions };
}

/** Mean absolute contribution per source feature over (up to 2,000 sampled) rows, the largest first. */
function importance(scorer: FittedScorer, x: Float64Array, seed: number): { feature: string; importance: number }[] {
  const p = scorer.encoder.columns.length;
  const n = x.length / p;
  const rows = sampleIndices(n, 2000, mulberry32(seed));
  const totals = new Map<string, number>();
  for (const i of rows) {
    const { values } = columnContributions(scorer, x.subarray(i * p, (i + 1) * p));
    for (const [feature, c] of bySource(scorer, values)) totals.set(feature, (totals.get(feature) ?? 0) + Math.abs(c));
  }
  return [...totals]
    .map(([feature, total]) => ({ feature, importance: total / rows.length }))
    .sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature));
}

/** Cross-validates both models, keeps the one with the lower log loss and refits it on every row. */
export function trainScorer(
  frame: FeatureFrame,
  y: Uint8Array,
  groups: Int32Array,
  options: TrainOptions,
): { scorer: FittedScorer; evaluation: TrainingEvaluation } {
  const n = frame.rows;
  const k = options.folds ?? (n > 50_000 ? 3 : 5);
  const fold = groupedFolds(groups, y, k, options.seed);
  const kinds: ModelKind[] = ['logistic regression', 'gradient boosting'];
  const outOfFold = kinds.map(() => new Float64Array(n));
  for (let f = 0; f < k; f += 1) {
    const train = Int32Array.from({ length: n }, (_, i) => i).filter((i) => fold[i] !== f);
    const test = Int32Array.from({ length: n }, (_, i) => i).filter((i) => fold[i] === f);
    if (test.length === 0) continue;
    const encoder = learnFrameEncoder(frame, options.logScale, train);
    const xTrain = encodeFrame(encoder, frame, train);
    const yTrain = Uint8Array.from(train, (i) => y[i] as number);
    const xTest = encodeFrame(encoder, frame, test);
    kinds.forEach((kind, m) => {
      const p = predictMatrix(fitScorer(kind, encoder, xTrain, yTrain), xTest);
      test.forEach((i, t) => {
        (outOfFold[m] as Float64Array)[i] = p[t] as number;
      });
    });
  }
  const models: ModelScores[] = kinds.map((model, m) => ({
    model,
    auc: auc(outOfFold[m] as Float64Array, y),
    logLoss: logLoss(outOfFold[m] as Float64Array, y),
    calibrationError: calibrationError(outOfFold[m] as Float64Array, y),
  }));
  const best = models[0] && models[1] && models[1].logLoss < models[0].logLoss ? 1 : 0;
  const encoder = learnFrameEncoder(frame, options.logScale);
  const x = encodeFrame(encoder, frame);
  const scorer = fitScorer(kinds[best] as ModelKind, encoder, x, y);
  const chosenScores = outOfFold[best] as Float64Array;
  return {
    scorer,
    evaluation: {
      rows: n,
      positives: y.reduce((s, v) => s + v, 0),
      folds: k,
      models,
      chosen: kinds[best] as ModelKind,
      calibration: calibrationTable(chosenScores, y),
      lift: liftByDecile(chosenScores, y),
      importance: importance(scorer, x, options.seed),
    },
  };
}
