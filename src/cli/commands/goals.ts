import { evaluateGoals, type GoalsReport, removeGoal } from '../../analysis/goals/run-goals.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { flagName, goalDefinitionOf } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatTable, type Output } from '../output.js';
import { readDefinition } from './funnel.js';

type Format = { format?: 'table' | 'json' };

/** `funnelscope goals add --name N --metric M --target T …` (docs/goals.md). */
export async function goalsAddCommand(
  config: Config,
  options: Record<string, unknown> & Format & { definition?: string },
  output: Output,
) {
  const goal = goalDefinitionOf(
    { ...options, ...(options.definition ? { definition: readDefinition(options.definition) } : {}) },
    flagName,
  );
  const saved = await withStore(config, (store) => store.addGoal(config.project, goal));
  output.out(options.format === 'json' ? JSON.stringify(saved, null, 2) : `goal ${saved.id} added: ${saved.name}`);
  return 0;
}

/** `funnelscope goals list`: every goal judged over its current period. */
export async function goalsListCommand(config: Config, options: { asOf?: string } & Format, output: Output) {
  const report = await withStore(config, (store) =>
    evaluateGoals(new ColumnCache(store), store, config.project, options.asOf ?? null),
  );
  output.out(options.format === 'json' ? JSON.stringify(report, null, 2) : goalsTable(report));
  return 0;
}

export function goalsTable(r: GoalsReport): string {
  if (r.goals.length === 0) return 'No goals yet: funnelscope goals add --name … --metric … --target …';
  return [
    `Goals as of ${r.asOf}`,
    formatTable(
      ['id', 'team', 'status', 'goal'],
      r.goals.map((g) => [g.goal.id, g.goal.team, g.judgement.status, g.judgement.summary]),
    ),
  ].join('\n');
}

/** `funnelscope goals rm ID`. */
export async function goalsRemoveCommand(config: Config, id: string, output: Output) {
  await withStore(config, (store) => removeGoal(store, config.project, id));
  output.out(`goal ${id} removed`);
  return 0;
}
