/**
 * Checking alert rules at a time (docs/alerts.md): `funnelscope serve` calls this every minute with the clock's
 * time, `funnelscope alerts run` once, tests with a fake clock. Each rule whose schedule ticked since its last check
 * is checked against the last whole day before the tick: an anomaly rule reads that day's verdict in its series, a
 * goal rule the goal's status as of that day. Then one alert per incident (alerts.ts), delivered to the rule's
 * webhooks and e-mail addresses, and recorded with each delivery's outcome.
 */
import type { ColumnCache } from '../../engine/column-cache.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { defaultAnomalyOptions } from '../../stats/anomaly.js';
import type { AlertRecord, Store } from '../../store/store.js';
import { renderDigest } from '../digest/render-digest.js';
import { runDigest } from '../digest/run-digest.js';
import { evaluateGoals } from '../goals/run-goals.js';
import { runAnomalies } from '../monitoring/run-anomalies.js';
import {
  type AlertMessage,
  type AlertRule,
  type AlertState,
  decide,
  dueTick,
  type Finding,
  messageText,
  webhookBody,
} from './alerts.js';

/** How alerts leave: by webhook (an HTTP POST of JSON) and by e-mail (src/notify/network-deliverer.ts). */
export interface Deliverer {
  webhook(url: string, body: unknown): Promise<void>;
  /** `html`: an HTML version of the body (the digest). */
  email(to: readonly string[], subject: string, text: string, html?: string): Promise<void>;
}

const dayMs = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** What the rule's condition is on the last whole day before `tickMs`. */
async function check(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals' | 'listGoals'>,
  project: string,
  rule: AlertRule,
  tickMs: number,
): Promise<Finding> {
  const day = isoDay(Math.floor(tickMs / dayMs) * dayMs - dayMs);
  const condition = rule.condition;
  if (condition.kind === 'goal') {
    const report = await evaluateGoals(cache, store, project, day);
    const result = report.goals.find((g) => g.goal.id === condition.goalId);
    if (!result) throw new Error(`goal ${condition.goalId} no longer exists`);
    return {
      active: condition.statuses.includes(result.judgement.status),
      summary: `${result.judgement.summary}: ${result.judgement.status}`,
    };
  }
  if (condition.kind === 'digest') return { active: true, summary: 'weekly digest' };
  const report = await runAnomalies(cache, store, {
    project,
    metric: condition.metric,
    event: condition.event,
    definition: condition.definition ? parseFunnelDefinition(condition.definition) : null,
    days: 1,
    // Through the day judged: a day without any data is a zero, not a missing day (an outage alerts).
    through: day,
    options: defaultAnomalyOptions,
  });
  const found = report.anomalies.find((a) => a.day === day);
  const active = found !== undefined && (condition.direction === 'both' || found.anomaly === condition.direction);
  const shown = (x: number | null) =>
    x === null
      ? '–'
      : report.kind === 'rate'
        ? `${(x * 100).toFixed(2)}%`
        : (Math.round(x * 10) / 10).toLocaleString('en-US');
  return {
    active,
    summary: found
      ? `${report.series} on ${day}: ${shown(found.value)}, expected ${shown(found.expected)} (${shown(found.lower)}–${shown(found.upper)}), ${found.anomaly}`
      : `${report.series} on ${day}: within its band`,
  };
}

/** The digest of the last whole week before the tick's day, as data and as its HTML page. */
async function digestAt(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals' | 'listGoals' | 'listFunnels'>,
  project: string,
  rule: AlertRule,
  tickMs: number,
) {
  const condition = rule.condition as Extract<AlertRule['condition'], { kind: 'digest' }>;
  const data = await runDigest(cache, store, project, {
    asOf: isoDay(Math.floor(tickMs / dayMs) * dayMs - dayMs),
    definition: condition.definition ? parseFunnelDefinition(condition.definition) : null,
  });
  return { data, html: renderDigest(data), summary: `weekly digest of ${data.from} – ${data.to}` };
}

/**
 * One rule's check at a tick: what fired, resolved or was sent (recorded), and the incident after it. When every
 * delivery of a fire or resolve failed, the incident stays as it was, so the next tick tries again.
 */
async function checkRule(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals' | 'listGoals' | 'listFunnels' | 'recordAlert'>,
  project: string,
  rule: AlertRule,
  state: AlertState,
  tick: number,
  nowMs: number,
  deliverer: Deliverer,
): Promise<{ record: AlertRecord | null; incident: AlertState['incident'] }> {
  const digest = rule.condition.kind === 'digest' ? await digestAt(cache, store, project, rule, tick) : null;
  const finding = digest ? { active: true, summary: digest.summary } : await check(cache, store, project, rule, tick);
  const kind = digest ? 'digest' : decide(state, finding);
  if (kind) {
    const at = new Date(nowMs).toISOString();
    const message: AlertMessage = {
      rule: { id: rule.id, name: rule.name },
      kind,
      at,
      summary: finding.summary,
      incident: kind === 'resolve' ? state.incident : null,
    };
    const deliveries: AlertRecord['deliveries'] = [];
    for (const channel of rule.channels) {
      const name = channel.type === 'webhook' ? `webhook ${channel.url}` : `e-mail ${channel.to.join(', ')}`;
      try {
        if (channel.type === 'webhook') {
          const body = webhookBody(message, channel.format);
          // The digest's data goes with its JSON message (Slack gets the line).
          const withData = digest && channel.format === 'json' ? { ...(body as object), digest: digest.data } : body;
          await deliverer.webhook(channel.url, withData);
        } else {
          const text = `${messageText(message)}\n\n${JSON.stringify(message, null, 2)}\n`;
          await deliverer.email(channel.to, messageText(message), text, digest?.html);
        }
        deliveries.push({ channel: name, ok: true, error: null });
      } catch (e) {
        deliveries.push({ channel: name, ok: false, error: (e as Error).message });
      }
    }
    const record: AlertRecord = { ruleId: rule.id, at, kind, message, deliveries };
    await store.recordAlert(project, record);
    const delivered = deliveries.some((d) => d.ok);
    if (kind === 'digest' || !delivered) return { record, incident: state.incident };
    return { record, incident: kind === 'fire' ? { openedAt: at, summary: finding.summary } : null };
  }
  return { record: null, incident: state.incident };
}

/** Checks the project's due rules at `nowMs`; returns what fired, resolved or was sent. */
export async function runAlerts(
  cache: ColumnCache,
  store: Pick<
    Store,
    'spendAndDeals' | 'listGoals' | 'listFunnels' | 'listAlertRules' | 'setAlertState' | 'recordAlert'
  >,
  project: string,
  nowMs: number,
  deliverer: Deliverer,
): Promise<AlertRecord[]> {
  const records: AlertRecord[] = [];
  for (const { rule, state } of await store.listAlertRules(project)) {
    // Before its first check a rule looks back to its creation (so a first `alerts run` after the morning's tick still
    // checks it), at most to a minute before now (a clock set in the past, as in tests, starts at its next tick).
    const created = Date.parse(rule.createdAt);
    const after = state.lastRunMs ?? Math.min(Number.isFinite(created) ? created : nowMs, nowMs - 60_000);
    const tick = dueTick(rule.schedule, after, nowMs);
    if (tick === null) {
      await store.setAlertState(project, rule.id, { ...state, lastRunMs: nowMs });
      continue;
    }
    // A rule that cannot be checked (its goal deleted, its series gone) says why in its state and does not hold up
    // the rules after it.
    let outcome: { record: AlertRecord | null; incident: AlertState['incident'] };
    try {
      outcome = await checkRule(cache, store, project, rule, state, tick, nowMs, deliverer);
    } catch (error) {
      await store.setAlertState(project, rule.id, { ...state, lastRunMs: nowMs, error: (error as Error).message });
      continue;
    }
    if (outcome.record) records.push(outcome.record);
    await store.setAlertState(project, rule.id, { lastRunMs: nowMs, incident: outcome.incident, error: null });
  }
  return records;
}
