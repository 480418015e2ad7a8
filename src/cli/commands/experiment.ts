import { planExperiment } from '../../analysis/experiments/plan.js';
import { experimentPlanSpec, flagName } from '../../model/report-requests.js';
import { formatTable, type Output } from '../output.js';

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
