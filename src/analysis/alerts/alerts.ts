/**
 * Alert rules (docs/alerts.md): a condition (a goal in a given status, or an anomaly in a daily series), a cron
 * schedule (UTC) saying when it is checked, and where to say so (webhooks, as JSON or a Slack-compatible payload,
 * and e-mail). One alert per incident: a check that finds the condition fires once and opens an incident; later
 * checks that still find it stay quiet; the first check that no longer finds it resolves the incident, which says
 * so once. A digest rule sends the weekly digest at each tick instead. Pure: when checks are due, what a check
 * decides, and what the messages say.
 */
import { CronExpressionParser } from 'cron-parser';
import type { GoalStatus } from '../goals/goals.js';
import type { MonitoredMetric } from '../monitoring/run-anomalies.js';

export type AlertCondition =
  | { kind: 'goal'; goalId: string; statuses: GoalStatus[] }
  | {
      kind: 'anomaly';
      metric: MonitoredMetric;
      event: string | null;
      /** The funnel of the `funnel` metric, as given. */
      definition: Record<string, unknown> | null;
      direction: 'low' | 'high' | 'both';
    }
  /** Not a condition: the weekly digest (docs/digest.md), sent at every tick. */
  | { kind: 'digest'; definition: Record<string, unknown> | null };

export type AlertChannel = { type: 'webhook'; url: string; format: 'json' | 'slack' } | { type: 'email'; to: string[] };

export interface AlertRuleDefinition {
  name: string;
  condition: AlertCondition;
  channels: AlertChannel[];
  /** Cron expression (5 fields, UTC): when the condition is checked. */
  schedule: string;
}

export interface AlertRule extends AlertRuleDefinition {
  id: string;
  createdAt: string;
}

export interface Incident {
  openedAt: string;
  summary: string;
}

export interface AlertState {
  /** The last check (ms since the epoch); null before the first. */
  lastRunMs: number | null;
  incident: Incident | null;
  /** Why the last check could not be made (e.g. its goal was deleted); null when it was. */
  error?: string | null;
}

/** What a check found. */
export interface Finding {
  active: boolean;
  /** In words, e.g. "conversions ($pageview) per day on 2026-10-14: 280, expected 560 (480–640), low". */
  summary: string;
}

export type AlertKind = 'fire' | 'resolve' | 'digest';

/** Whether a schedule is a valid 5-field cron expression; the parser's message otherwise. */
export function scheduleError(schedule: string): string | null {
  if (schedule.trim().split(/\s+/).length !== 5) return 'five fields: minute hour day-of-month month day-of-week';
  try {
    CronExpressionParser.parse(schedule, { tz: 'UTC' });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The latest time the schedule ticks in (`afterMs`, `nowMs`], or null. Before a rule's first check `afterMs` is a
 * minute before now, so a rule checks from its next tick on (no burst of past ticks).
 */
export function dueTick(schedule: string, afterMs: number, nowMs: number): number | null {
  const previous = CronExpressionParser.parse(schedule, { tz: 'UTC', currentDate: new Date(nowMs + 1) }).prev();
  const ms = previous.getTime();
  return ms > afterMs && ms <= nowMs ? ms : null;
}

/** What a check does to the rule's incident: fire and open one, resolve the open one, or nothing. */
export function decide(state: AlertState, finding: Finding): AlertKind | null {
  if (finding.active && !state.incident) return 'fire';
  if (!finding.active && state.incident) return 'resolve';
  return null;
}

export interface AlertMessage {
  rule: { id: string; name: string };
  kind: AlertKind;
  /** When the check ran (ISO). */
  at: string;
  summary: string;
  /** For a resolve: when the incident opened and what it said. */
  incident: Incident | null;
}

/** One line for a person (the e-mail subject, the Slack text). */
export function messageText(message: AlertMessage): string {
  return message.kind === 'resolve'
    ? `[funnelscope] Resolved: ${message.rule.name}: ${message.summary} (open since ${message.incident?.openedAt ?? '?'})`
    : `[funnelscope] ${message.rule.name}: ${message.summary}`;
}

/** The webhook body: the message as JSON, or Slack's incoming-webhook shape (`text`). */
export function webhookBody(message: AlertMessage, format: 'json' | 'slack'): unknown {
  return format === 'slack' ? { text: messageText(message) } : { source: 'funnelscope', ...message };
}
