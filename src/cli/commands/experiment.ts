import { planExperiment } from '../../analysis/experiments/plan.js';
import { runExperiment } from '../../analysis/experiments/run-experiment.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { experimentPlanSpec, experimentSpec, flagName } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatCount, formatPercent, formatTable, type Output } from '../output.js';
import { readDefinition } from './funnel.js';

export interface PlanCommandOptions {
  baseline?: string;
  target?: string;
  mde?: string;
  benchmark?: string;
  alpha?: string;
  power?: string;
  arms?: string;
  traffic?: string;
  format?: 'table' | 'json';
}

/** `funnelscope experiment plan`: sample size and duration of an A/B test (docs/experiments.md). No store needed. */
export function experimentPlanCommand(options: PlanCommandOptions, output: Output): number {
  const plan = planExperiment(experimentPlanSpec({ ...options }, flagName));
  if ((options.format ?? 'table') === 'json') {
    output.out(JSON.stringify(plan, null, 2));
    return 0;
  }
  const days = (d: number | null) => (d === null ? '–' : d.toLocaleString('en-US'));
  output.out(plan.sentence);
  output.out(
    formatTable(
      ['design', 'per arm', 'total', 'days'],
      [
        [
          'fixed horizon (read once)',
          plan.fixedHorizon.perArm.toLocaleString('en-US'),
          plan.fixedHorizon.total.toLocaleString('en-US'),
          days(plan.fixedHorizon.days),
        ],
        [
          'sequential (read daily)',
          plan.sequential.perArm.toLocaleString('en-US'),
          plan.sequential.total.toLocaleString('en-US'),
          days(plan.sequential.days),
        ],
      ],
    ),
  );
  return 0;
}

export interface ExperimentCommandOptions {
  goal?: string;
  window?: string;
  control?: string;
  property?: string;
  includeMultiple?: boolean;
  alpha?: string;
  tau?: string;
  correction?: string;
  split?: string;
  funnel?: string;
  format?: 'table' | 'json';
}

/** `--split control=50,new=50` as { control: 50, new: 50 }, naming a bad pair. */
function splitOf(text: string | undefined): Record<string, number> | undefined {
  if (text === undefined) return undefined;
  const entries = text.split(',').map((pair) => {
    const at = pair.lastIndexOf('=');
    const share = Number(pair.slice(at + 1));
    if (at <= 0 || !(share > 0)) {
      throw new FunnelscopeError('invalid_argument', `--split: expected VARIANT=SHARE[,…], got "${pair}"`, {
        field: '--split',
      });
    }
    return [pair.slice(0, at).trim(), share] as const;
  });
  return Object.fromEntries(entries);
}

/** `funnelscope experiment ID --goal EVENT`: the experiment's result and its decision (docs/experiments.md). */
export async function experimentCommand(
  config: Config,
  id: string,
  options: ExperimentCommandOptions,
  output: Output,
): Promise<number> {
  const spec = experimentSpec(
    config.project,
    id,
    { ...options, split: splitOf(options.split), funnel: options.funnel ? readDefinition(options.funnel) : undefined },
    flagName,
  );
  const report = await withStore(config, (store) => runExperiment(new ColumnCache(store), spec));
  if ((options.format ?? 'table') === 'json') {
    output.out(JSON.stringify(report, null, 2));
    return 0;
  }
  const rate = (x: number | null) => (x === null ? '–' : `${formatPercent(x)}%`);
  const lines = [
    `Experiment ${report.experiment}: goal ${report.goal} within ${report.windowDays} days of the first exposure; control ${report.control}; ${report.looks} daily looks`,
    formatTable(
      ['variant', 'units', 'conversions', 'rate', '95% interval'],
      report.variants.map((v) => [
        v.variant,
        formatCount(v.units),
        formatCount(v.conversions),
        rate(v.rate),
        v.rateInterval ? `${rate(v.rateInterval.lower)}–${rate(v.rateInterval.upper)}` : '–',
      ]),
    ),
    formatTable(
      ['variant', 'lift', 'lift 95%', 'z-test p', 'always-valid p', 'P(beats control)', 'expected loss'],
      report.comparisons.map((c) => [
        c.variant,
        c.relativeLift === null ? '–' : `${formatPercent(c.relativeLift)}%`,
        c.relativeLiftInterval
          ? `${formatPercent(c.relativeLiftInterval.lower)}% … ${formatPercent(c.relativeLiftInterval.upper)}%`
          : '–',
        c.zPValue === null ? '–' : c.zPValue.toPrecision(2),
        c.adjustedPValue.toPrecision(2),
        `${formatPercent(c.probabilityToBeat)}%`,
        rate(c.expectedLoss),
      ]),
    ),
    report.summary,
  ];
  if (report.funnel?.breakdown) {
    const steps = report.funnel.steps.map((s) => s.name);
    lines.push(
      formatTable(
        ['variant', ...steps, 'step 1 → last'],
        report.funnel.breakdown.map((b) => {
          const first = b.steps[0]?.count ?? 0;
          const last = b.steps[b.steps.length - 1]?.count ?? 0;
          return [
            Array.isArray(b.value) ? b.value.join(' / ') : b.value || '(none)',
            ...b.steps.map((s) => formatCount(s.count)),
            first > 0 ? `${formatPercent(last / first)}%` : '–',
          ];
        }),
      ),
    );
  }
  if (report.multipleExposures > 0) {
    lines.push(
      `${formatCount(report.multipleExposures)} units saw more than one variant${spec.includeMultiple ? ' (kept at their first)' : ' (left out)'}.`,
    );
  }
  output.out(lines.join('\n'));
  return 0;
}
