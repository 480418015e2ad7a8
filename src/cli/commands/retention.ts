import type { Config } from '../../config.js';
import { applyRetention, retentionDaysOf, setRetention } from '../../privacy/retention.js';
import { withStore } from '../open-store.js';
import type { Output } from '../output.js';
import { cliActor } from './access.js';

/** `funnelscope retention show|set DAYS|set off|apply` for the --project. */
export async function retentionShowCommand(
  config: Config,
  options: { json?: boolean },
  output: Output,
): Promise<number> {
  const days = await withStore(config, (store) => store.retentionDays(config.project));
  output.out(
    options.json
      ? JSON.stringify({ project: config.project, days })
      : `project ${config.project}: ${days === null ? 'events are kept' : `events older than ${days} days are removed`}`,
  );
  return 0;
}

export async function retentionSetCommand(config: Config, value: string, output: Output): Promise<number> {
  const days = retentionDaysOf(value, 'DAYS');
  await withStore(config, (store) => setRetention(store, config.project, days, cliActor()));
  output.out(
    `project ${config.project}: ${days === null ? 'retention off' : `events older than ${days} days will be removed`} (serve applies it hourly; retention apply now)`,
  );
  return 0;
}

export async function retentionApplyCommand(
  config: Config,
  options: { json?: boolean },
  output: Output,
): Promise<number> {
  const run = await withStore(config, (store) => applyRetention(store, config.project, Date.now(), cliActor()));
  output.out(
    options.json
      ? JSON.stringify(run)
      : run.days === null
        ? `project ${config.project} has no retention set`
        : `project ${config.project}: removed ${run.deleted.toLocaleString('en-US')} events before ${run.cutoff}`,
  );
  return 0;
}
