// Lead-scoring speed (issue 10, docs/scoring.md). Targets: training on 100,000 leads × 40 features ≤ 60 s; scoring
// 1,000,000 leads ≤ 10 s.
//   train    the whole of training in process on a synthetic frame of 100,000 leads (20 counts, 10 continuous, 10
//            categorical features; the outcome a logistic function of eight of them): both models cross-validated
//            (3 folds above 50,000 rows), the better refitted, importances. Baseline in the same run: one logistic
//            fit on the same rows.
//   score    1,000,000 leads of the same kind through the logistic model and the trees (encoding included; the
//            trees' walk on all cores, as `score apply` runs it). Baselines: encoding the frame alone, and the trees
//            on one thread (the scores must be equal to the last bit).
//   store    `funnelscope score train --target "deal: won"` and `score apply --dry-run` as fresh CLI processes on the
//            demo business at ~10M events (bench/demo-store.mjs).
//   npm run bench:scoring          node bench/scoring-speed.mjs [--copies 8] [--no-store]
import { bin, demoStore } from './demo-store.mjs';
import { arg, runMeasured } from './run-measured.mjs';

const { fitScorer, trainScorer, scoreFrame } = await import('../dist/analysis/scoring/train-model.js');
const { encodeFrame, learnFrameEncoder } = await import('../dist/analysis/scoring/features.js');
const { isCount } = await import('../dist/analysis/scoring/lead-features.js');
const { scoreLeads } = await import('../dist/analysis/scoring/score-leads.js');
const { fitLogistic } = await import('../dist/stats/logistic-regression.js');
const { mulberry32, standardNormal } = await import('../dist/stats/random.js');

/** A frame of `n` leads and their outcomes (seeded). */
function syntheticLeads(n, seed) {
  const uniform = mulberry32(seed);
  const numeric = new Map();
  const categorical = new Map();
  const z = new Float64Array(n).fill(-3.2);
  for (let j = 0; j < 20; j += 1) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i += 1) values[i] = Math.floor(-Math.log(1 - uniform()) * (1 + j));
    if (j < 4) for (let i = 0; i < n; i += 1) z[i] += (j % 2 === 0 ? 0.5 : -0.4) * Math.log1p(values[i]);
    numeric.set(`count: event ${j}`, values);
  }
  for (let j = 0; j < 10; j += 1) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i += 1) values[i] = standardNormal(uniform) * 10 + 50;
    if (j < 2) for (let i = 0; i < n; i += 1) z[i] += (j === 0 ? 0.04 : -0.03) * (values[i] - 50);
    numeric.set(`measure ${j}`, values);
  }
  for (let j = 0; j < 10; j += 1) {
    const levels = 3 + (j % 6);
    const values = new Array(n);
    for (let i = 0; i < n; i += 1) {
      const level = Math.floor(uniform() * levels);
      values[i] = `level ${level}`;
      if (j < 2 && level === 0) z[i] += j === 0 ? 1.2 : -0.9;
    }
    categorical.set(`trait ${j}`, values);
  }
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) y[i] = uniform() < 1 / (1 + Math.exp(-z[i])) ? 1 : 0;
  return { frame: { rows: n, numeric, categorical }, y };
}

const seconds = (started) => (performance.now() - started) / 1000;

const train = syntheticLeads(100_000, 11);
const groups = Int32Array.from({ length: 100_000 }, (_, i) => i);
let started = performance.now();
const { scorer, evaluation } = trainScorer(train.frame, train.y, groups, { seed: 1, logScale: isCount });
const trainSeconds = seconds(started);
const encoder = learnFrameEncoder(train.frame, isCount);
const x = encodeFrame(encoder, train.frame);
started = performance.now();
fitLogistic(x, train.y, encoder.columns.length, { lambda: 1 });
const oneLogisticSeconds = seconds(started);

// Both kinds of model fitted on the 100,000 leads, each scoring the million.
const fitted = ['logistic regression', 'gradient boosting'].map((kind) => fitScorer(kind, encoder, x, train.y));
const big = syntheticLeads(1_000_000, 12);
started = performance.now();
encodeFrame(encoder, big.frame);
const encodeSeconds = seconds(started);
const scoring = {};
let scores;
for (const model of fitted) {
  started = performance.now();
  scores = await scoreLeads(model, big.frame);
  scoring[model.kind] = +seconds(started).toFixed(2);
}
// The trees on one thread (the same scores, to the last bit).
started = performance.now();
const oneThread = scoreFrame(fitted[1], big.frame);
const oneThreadSeconds = seconds(started);
if (oneThread.some((v, i) => v !== scores[i])) throw new Error('threaded and one-thread scores differ');
const slowest = Math.max(...Object.values(scoring));

const result = {
  train: {
    leads: 100_000,
    features: train.frame.numeric.size + train.frame.categorical.size,
    encodedColumns: scorer.encoder.columns.length,
    chosen: evaluation.chosen,
    models: evaluation.models.map((m) => ({ model: m.model, auc: +m.auc.toFixed(4), logLoss: +m.logLoss.toFixed(4) })),
    seconds: +trainSeconds.toFixed(2),
    oneLogisticFitSeconds: +oneLogisticSeconds.toFixed(2),
    'train / one logistic fit': +(trainSeconds / oneLogisticSeconds).toFixed(1),
    target: { seconds: 60 },
  },
  score: {
    leads: 1_000_000,
    seconds: scoring,
    encodeSeconds: +encodeSeconds.toFixed(2),
    'slowest / encode': +(slowest / encodeSeconds).toFixed(1),
    treesOneThreadSeconds: +oneThreadSeconds.toFixed(2),
    meanTreeScore: +(scores.reduce((s, v) => s + v, 0) / scores.length).toFixed(4),
    target: { seconds: 10 },
  },
};

if (!process.argv.includes('--no-store')) {
  const store = await demoStore(Number(arg('--copies', '8')), process.argv.includes('--regenerate'));
  const trained = await runMeasured([
    bin,
    '--db',
    store,
    'score',
    'train',
    '--target',
    'deal: won',
    '--model',
    'bench',
    '--format',
    'json',
  ]);
  const report = JSON.parse(trained.stdout);
  const applied = await runMeasured([
    bin,
    '--db',
    store,
    'score',
    'apply',
    '--model',
    'bench',
    '--dry-run',
    '--format',
    'json',
  ]);
  result.store = {
    snapshotRows: report.snapshots.reduce((s, r) => s + r.leads, 0),
    trainedRows: report.evaluation.rows,
    chosen: report.evaluation.chosen,
    models: report.evaluation.models.map((m) => ({
      model: m.model,
      auc: +m.auc.toFixed(4),
      logLoss: +m.logLoss.toFixed(4),
    })),
    trainCliSeconds: +trained.seconds.toFixed(2),
    trainPeakMiB: Math.round(trained.peakMiB),
    leadsScored: JSON.parse(applied.stdout).leads,
    applyCliSeconds: +applied.seconds.toFixed(2),
  };
}
console.log(JSON.stringify(result, null, 2));
