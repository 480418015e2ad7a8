import { runAlerts } from '../../analysis/alerts/run-alerts.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { alertRuleOf, flagName } from '../../model/report-requests.js';
import { networkDeliverer } from '../../notify/network-deliverer.js';
import { withStore } from '../open-store.js';
import { formatTable, type Output } from '../output.js';
import { readDefinition } from './funnel.js';

type Format = { format?: 'table' | 'json' };

/** `funnelscope alerts add --name N (--goal ID | --event E …) --webhook URL --email A` (docs/alerts.md). */
export async function alertsAddCommand(
  config: Config,
  options: Record<string, unknown> & Format & { definition?: string },
  output: Output,
) {
  const rule = await withStore(config, async (store) => {
    const goals = await store.listGoals(config.project);
    const definition = options.definition ? { definition: readDefinition(options.definition) } : {};
    const parsed = alertRuleOf(
      { ...options, ...definition },
      flagName,
      goals.map((g) => g.id),
    );
    return store.addAlertRule(config.project, parsed);
  });
  output.out(options.format === 'json' ? JSON.stringify(rule, null, 2) : `alert rule ${rule.id} added: ${rule.name}`);
  return 0;
}

/** `funnelscope alerts list`: the rules, their schedules, channels and open incidents. */
export async function alertsListCommand(config: Config, options: Format, output: Output) {
  const rules = await withStore(config, (store) => store.listAlertRules(config.project));
  if (options.format === 'json') {
    output.out(JSON.stringify({ rules }, null, 2));
    return 0;
  }
  if (rules.length === 0) {
    output.out('No alert rules yet: funnelscope alerts add --name … (--goal ID | --event E) --webhook URL');
    return 0;
  }
  output.out(
    formatTable(
      ['id', 'name', 'schedule', 'to', 'incident'],
      rules.map(({ rule, state }) => [
        rule.id,
        rule.name,
        rule.schedule,
        rule.channels.map((c) => (c.type === 'webhook' ? c.url : c.to.join(', '))).join('; '),
        state.incident ? `open since ${state.incident.openedAt}` : '–',
      ]),
    ),
  );
  return 0;
}

/** `funnelscope alerts rm ID`. */
export async function alertsRemoveCommand(config: Config, id: string, output: Output) {
  if (!(await withStore(config, (store) => store.deleteAlertRule(config.project, id)))) {
    throw new FunnelscopeError('not_found', `alert rule: no rule "${id}" in project ${config.project}`, {
      field: 'id',
    });
  }
  output.out(`alert rule ${id} removed`);
  return 0;
}

/** `funnelscope alerts history`: what fired and resolved, newest first. */
export async function alertsHistoryCommand(config: Config, options: Format & { limit?: string }, output: Output) {
  const limit = Number(options.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new FunnelscopeError('invalid_argument', `--limit: expected a positive whole number, got ${options.limit}`, {
      field: '--limit',
    });
  }
  const history = await withStore(config, (store) => store.alertHistory(config.project, limit));
  if (options.format === 'json') {
    output.out(JSON.stringify({ history }, null, 2));
    return 0;
  }
  output.out(
    history.length === 0
      ? 'Nothing has fired yet.'
      : formatTable(
          ['at', 'kind', 'rule', 'summary', 'delivered'],
          history.map((h) => [
            h.at,
            h.kind,
            h.message.rule.name,
            h.message.summary,
            h.deliveries.map((d) => (d.ok ? 'ok' : `failed: ${d.error}`)).join('; '),
          ]),
        ),
  );
  return 0;
}

/** `funnelscope alerts run [--now ISO]`: checks the rules due now (for a cron job instead of `serve`). */
export async function alertsRunCommand(config: Config, options: Format & { now?: string }, output: Output) {
  const nowMs = options.now ? Date.parse(options.now) : Date.now();
  if (!Number.isFinite(nowMs)) {
    throw new FunnelscopeError(
      'invalid_argument',
      `--now: expected a time such as 2026-11-29T08:00:00Z, got ${options.now}`,
      {
        field: '--now',
      },
    );
  }
  const records = await withStore(config, (store) =>
    runAlerts(
      new ColumnCache(store),
      store,
      config.project,
      nowMs,
      networkDeliverer({ smtpUrl: config.smtpUrl, from: config.smtpFrom }),
    ),
  );
  output.out(
    options.format === 'json'
      ? JSON.stringify({ records }, null, 2)
      : records.length === 0
        ? 'No alert fired or resolved.'
        : records.map((r) => `${r.kind}: ${r.message.rule.name}: ${r.message.summary}`).join('\n'),
  );
  return 0;
}
