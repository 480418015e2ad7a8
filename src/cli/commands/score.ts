import {
  applyLeadScoring,
  explainLeadScore,
  type ScoreApplyReport,
  type ScoreExplainReport,
  type ScoreTrainReport,
  trainLeadScoring,
} from '../../analysis/scoring/run-scoring.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { flagName, scoreApplySpec, scoreExplainSpec, scoreTrainSpec } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatTable, type Output } from '../output.js';

type Format = { format?: 'table' | 'json' };

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
const shown = (v: string | number | null) =>
  v === null ? '(none)' : typeof v === 'number' ? String(Math.round(v * 100) / 100) : v;

/** `funnelscope score train` (docs/scoring.md). */
export async function scoreTrainCommand(config: Config, options: Record<string, unknown> & Format, output: Output) {
  const spec = scoreTrainSpec(config.project, options, flagName);
  const report = await withStore(config, (store) => trainLeadScoring(new ColumnCache(store), store, spec, flagName));
  output.out(options.format === 'json' ? JSON.stringify(report, null, 2) : trainTable(report));
  return 0;
}

export function trainTable(r: ScoreTrainReport): string {
  const e = r.evaluation;
  const lines = [
    `Lead-scoring model "${r.model}": P(${r.target} within ${r.windowDays} days) for leads who did ${r.entry} in the last ${r.lookbackDays} days`,
    `${e.rows.toLocaleString('en-US')} lead snapshots (${r.snapshots.length} as-of times, ${r.snapshots[r.snapshots.length - 1]?.asOf.slice(0, 10)} … ${r.snapshots[0]?.asOf.slice(0, 10)}), ${e.positives.toLocaleString('en-US')} converted; ${e.folds}-fold cross-validation by person`,
    formatTable(
      ['model', 'AUC', 'log loss', 'calibration error'],
      e.models.map((m) => [
        `${m.model}${m.model === e.chosen ? ' (chosen)' : ''}`,
        m.auc.toFixed(3),
        m.logLoss.toFixed(4),
        m.calibrationError.toFixed(4),
      ]),
    ),
    'Lift by decile (out of fold)',
    formatTable(
      ['decile', 'leads', 'converted', 'rate', 'lift'],
      e.lift.map((d) => [
        String(d.decile),
        String(d.units),
        String(d.conversions),
        pct(d.rate),
        d.lift === null ? '–' : `${d.lift.toFixed(2)}×`,
      ]),
    ),
    'Calibration (out of fold)',
    formatTable(
      ['predicted', 'leads', 'mean predicted', 'observed'],
      e.calibration
        .filter((c) => c.units > 0)
        .map((c) => [`${pct(c.lower)}–${pct(c.upper)}`, String(c.units), pct(c.meanPredicted), pct(c.observedRate)]),
    ),
    'Top features (mean absolute contribution to the log-odds)',
    formatTable(
      ['feature', 'importance'],
      e.importance.slice(0, 10).map((f) => [f.feature, f.importance.toFixed(3)]),
    ),
  ];
  lines.push(...r.notes.map((n) => `Note: ${n}.`));
  return lines.join('\n');
}

/** `funnelscope score apply` (docs/scoring.md). */
export async function scoreApplyCommand(
  config: Config,
  options: Record<string, unknown> & Format & { dryRun?: boolean },
  output: Output,
) {
  const spec = scoreApplySpec(config.project, options, flagName);
  const report = await withStore(config, (store) =>
    applyLeadScoring(new ColumnCache(store), store, spec, options.dryRun !== true, flagName),
  );
  output.out(options.format === 'json' ? JSON.stringify(report, null, 2) : applyTable(report));
  return 0;
}

export function applyTable(r: ScoreApplyReport): string {
  const lines = [
    `${r.leads.toLocaleString('en-US')} leads as of ${r.asOf} scored by "${r.model}" (${r.modelKind}): P(${r.target} within ${r.windowDays} days); ${r.expectedConversions.toFixed(1)} conversions expected`,
    r.written === null
      ? 'Scores not written (dry run).'
      : `Written as person traits ${r.trait}, ${r.trait}_model and ${r.trait}_at for ${r.written.toLocaleString('en-US')} leads.`,
  ];
  if (r.top.length > 0) {
    lines.push(
      formatTable(
        ['person', 'score', 'why'],
        r.top.map((l) => [
          l.person,
          pct(l.score),
          l.reasons.map((c) => `${c.feature} = ${shown(c.value)} (${signed(c.contribution)})`).join('; '),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/** `funnelscope score explain PERSON` (docs/scoring.md). */
export async function scoreExplainCommand(
  config: Config,
  person: string,
  options: Record<string, unknown> & Format,
  output: Output,
) {
  const spec = scoreExplainSpec(config.project, person, options, flagName);
  const report = await withStore(config, (store) => explainLeadScore(new ColumnCache(store), store, spec, flagName));
  output.out(options.format === 'json' ? JSON.stringify(report, null, 2) : explainTable(report));
  return 0;
}

export function explainTable(r: ScoreExplainReport): string {
  if (!r.explanation) return `${r.person} is not a lead as of ${r.asOf}: ${r.notALead}.`;
  const x = r.explanation;
  return [
    `${r.person}: ${pct(x.score)} chance of ${r.target} within ${r.windowDays} days (model "${r.model}", ${r.modelKind}, as of ${r.asOf})`,
    `Log-odds ${x.logOdds.toFixed(2)} = baseline ${x.baseline.toFixed(2)} plus the contributions below (largest first).`,
    formatTable(
      ['feature', 'value', 'contribution'],
      x.contributions
        .filter((c) => c.contribution !== 0)
        .slice(0, 12)
        .map((c) => [c.feature, shown(c.value), signed(c.contribution)]),
    ),
  ].join('\n');
}
