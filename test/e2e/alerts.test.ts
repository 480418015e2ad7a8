/**
 * Alert rules (docs/alerts.md) on the demo business (40,000 visitors, 180 days) with half of one Wednesday's page
 * views deleted: checked every day at 08:00 over 90 simulated days (a fake clock), against a real webhook receiver and
 * a real SMTP sink started here on 127.0.0.1. The drop fires exactly one alert the morning after and one resolve the
 * morning after that, by webhook and by e-mail; the untouched signups fire nothing in the 90 days. `funnelscope
 * serve` checks the rules on its own timer.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRule } from '../../src/analysis/alerts/alerts.js';
import { runAlerts } from '../../src/analysis/alerts/run-alerts.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { networkDeliverer } from '../../src/notify/network-deliverer.js';
import type { AlertRecord } from '../../src/store/store.js';
import { demoStore, queryStore, runCli, runCliJson } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';

let db: string;
let cleanup: () => Promise<void>;
let webhook: Server;
let webhookUrl: string;
const posts: { path: string; body: Record<string, unknown> }[] = [];
let smtp: SMTPServer;
let smtpPort: number;
const mails: { subject: string; to: string; text: string; html: string }[] = [];
let drop: AlertRule;
let signups: AlertRule;

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '40000', '--days', '180', '--end-date', '2026-10-31']));
  await queryStore(
    db,
    `DELETE FROM events WHERE event = '$pageview' AND CAST(ts AS DATE) = DATE '2026-10-14' AND hash(message_id) % 2 = 0`,
  );
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      posts.push({ path: request.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
      response.end('ok');
    });
  });
  webhook.listen(0, '127.0.0.1');
  await once(webhook, 'listening');
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (chunk) => {
        raw += chunk;
      });
      stream.on('end', () => {
        simpleParser(raw).then((mail) => {
          const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
          mails.push({ subject: mail.subject ?? '', to, text: mail.text ?? '', html: mail.html || '' });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  drop = (
    await runCliJson<AlertRule>([
      ...['--db', db, 'alerts', 'add', '--name', 'Page views dropped', '--event', '$pageview'],
      ...['--webhook', `${webhookUrl}/drop`, '--email', 'growth@example.com,sales@example.com', '--format', 'json'],
    ])
  ).json;
  signups = (
    await runCliJson<AlertRule>([
      ...['--db', db, 'alerts', 'add', '--name', 'Signups moved', '--event', 'Signed Up', '--direction', 'both'],
      ...['--webhook', `${webhookUrl}/signups`, '--slack', '--format', 'json'],
    ])
  ).json;
}, 120_000);

afterAll(async () => {
  webhook?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(resolve) : resolve()));
  await cleanup?.();
});

describe('alerts on a fake clock', () => {
  it('fires once for the drop and resolves once; nothing for the untouched signups over 90 days', async () => {
    const { DuckDBStore } = await import('../../src/store/duckdb/duckdb-store.js');
    const store = await DuckDBStore.open({ path: db });
    const records: AlertRecord[] = [];
    try {
      const cache = new ColumnCache(store);
      const deliverer = networkDeliverer({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'funnelscope@example.com' });
      const first = Date.parse('2026-08-03T08:00:00Z');
      for (let day = 0; day < 90; day += 1) {
        // The morning check, and one half an hour later that has nothing due.
        for (const offset of [0, 30 * 60_000]) {
          records.push(...(await runAlerts(cache, store, 'default', first + day * 86_400_000 + offset, deliverer)));
        }
      }
      expect(records.map((r) => [r.ruleId, r.kind, r.at])).toEqual([
        [drop.id, 'fire', '2026-10-15T08:00:00.000Z'],
        [drop.id, 'resolve', '2026-10-16T08:00:00.000Z'],
      ]);
      expect(records[0]?.message.summary).toMatch(/^conversions \(\$pageview\) per day on 2026-10-14: .* low$/);
      expect(records[1]?.message.incident?.openedAt).toBe('2026-10-15T08:00:00.000Z');
      for (const r of records) expect(r.deliveries.map((d) => d.ok)).toEqual([true, true]);
      const history = await store.alertHistory('default', 10);
      expect(history.map((h) => h.kind)).toEqual(['resolve', 'fire']);
    } finally {
      await store.close();
    }
    // The webhook got the two messages as JSON, the SMTP sink two e-mails to both addresses.
    expect(posts.map((p) => [p.path, p.body.kind])).toEqual([
      ['/drop', 'fire'],
      ['/drop', 'resolve'],
    ]);
    expect(posts[0]?.body).toMatchObject({ source: 'funnelscope', rule: { id: drop.id, name: 'Page views dropped' } });
    expect(mails.length).toBe(2);
    expect(mails[0]?.subject).toBe(`[funnelscope] Page views dropped: ${records[0]?.message.summary}`);
    expect(mails[0]?.to).toBe('growth@example.com, sales@example.com');
    expect(mails[0]?.text).toContain('"kind": "fire"');
    expect(mails[1]?.subject).toMatch(
      /^\[funnelscope\] Resolved: Page views dropped: .* \(open since 2026-10-15T08:00:00\.000Z\)$/,
    );
    const table = await runCli(['--db', db, 'alerts', 'history']);
    expect(table.stdout).toContain('Page views dropped');
    expect(signups.channels).toEqual([{ type: 'webhook', url: `${webhookUrl}/signups`, format: 'slack' }]);
  }, 120_000);

  it('sends the weekly digest on Monday mornings, as an HTML e-mail and as JSON', async () => {
    const funnel = { steps: [{ event: '$pageview' }, { event: 'Signed Up' }], window: { amount: 7, unit: 'day' } };
    const rule = (
      await runCliJson<AlertRule>([
        ...['--db', db, 'alerts', 'add', '--name', 'Weekly digest', '--digest', '--definition', JSON.stringify(funnel)],
        ...['--email', 'team@example.com', '--webhook', `${webhookUrl}/digest`, '--format', 'json'],
      ])
    ).json;
    expect(rule.schedule).toBe('0 8 * * 1');
    const { DuckDBStore } = await import('../../src/store/duckdb/duckdb-store.js');
    const store = await DuckDBStore.open({ path: db });
    const records: AlertRecord[] = [];
    const mailsBefore = mails.length;
    try {
      const cache = new ColumnCache(store);
      const deliverer = networkDeliverer({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'funnelscope@example.com' });
      // 1 to 10 November: Mondays are the 2nd and the 9th.
      for (let day = 0; day < 10; day += 1) {
        records.push(
          ...(await runAlerts(
            cache,
            store,
            'default',
            Date.parse('2026-11-01T08:00:00Z') + day * 86_400_000,
            deliverer,
          )),
        );
      }
    } finally {
      await store.close();
    }
    expect(records.filter((r) => r.ruleId === rule.id).map((r) => [r.kind, r.at])).toEqual([
      ['digest', '2026-11-02T08:00:00.000Z'],
      ['digest', '2026-11-09T08:00:00.000Z'],
    ]);
    // The data ends on 31 October: the first day without any page view is judged as zero, and the outage alerts.
    const outage = records.filter((r) => r.ruleId === drop.id);
    expect(outage.map((r) => [r.kind, r.at])).toEqual([['fire', '2026-11-02T08:00:00.000Z']]);
    expect(outage[0]?.message.summary).toMatch(/on 2026-11-01: 0, expected .* low$/);
    const sent = mails.slice(mailsBefore).filter((m) => m.subject.startsWith('[funnelscope] Weekly digest'));
    expect(sent.map((m) => m.subject)).toEqual([
      '[funnelscope] Weekly digest: weekly digest of 2026-10-26 – 2026-11-01',
      '[funnelscope] Weekly digest: weekly digest of 2026-11-02 – 2026-11-08',
    ]);
    expect(sent[0]?.html).toContain('Weekly digest: default');
    const digests = posts.filter((p) => p.path === '/digest');
    expect(digests.map((p) => (p.body.digest as { from: string }).from)).toEqual(['2026-10-26', '2026-11-02']);
  }, 120_000);

  it('a rule that cannot be checked says why and does not hold up the others; a watched goal cannot be deleted', async () => {
    const goal = (
      await runCliJson<{ id: string }>([
        '--db',
        db,
        'goals',
        'add',
        '--name',
        'Leads',
        '--target',
        '80',
        '--format',
        'json',
      ])
    ).json;
    const broken = (
      await runCliJson<AlertRule>([
        ...['--db', db, 'alerts', 'add', '--name', 'Never sent', '--event', 'No Such Event'],
        ...['--webhook', `${webhookUrl}/never`, '--format', 'json'],
      ])
    ).json;
    const watching = (
      await runCliJson<AlertRule>([
        ...['--db', db, 'alerts', 'add', '--name', 'Leads behind', '--goal', goal.id, '--when', 'on-track'],
        ...['--webhook', `${webhookUrl}/goal`, '--format', 'json'],
      ])
    ).json;
    const refused = await runCli(['--db', db, 'goals', 'rm', goal.id]);
    expect(refused.stderr).toContain(`goal: alert rules ${watching.id} (Leads behind) watch goal ${goal.id}`);
    const { DuckDBStore } = await import('../../src/store/duckdb/duckdb-store.js');
    const store = await DuckDBStore.open({ path: db });
    try {
      const deliverer = networkDeliverer({ smtpUrl: null, from: 'funnelscope@example.com' });
      // 21 October: the goal (leads this month ≥ 80) was on track, so the rule watching for on-track fires.
      const records = await runAlerts(
        new ColumnCache(store),
        store,
        'default',
        Date.parse('2026-10-21T08:00:00Z'),
        deliverer,
      );
      const states = await store.listAlertRules('default');
      expect(records.filter((r) => r.ruleId === watching.id).map((r) => r.kind)).toEqual(['fire']);
      expect(states.find((s) => s.rule.id === broken.id)?.state.error).toContain('no event named "No Such Event"');
    } finally {
      await store.close();
    }
    await runCli(['--db', db, 'alerts', 'rm', broken.id]);
    await runCli(['--db', db, 'alerts', 'rm', watching.id]);
    expect((await runCli(['--db', db, 'goals', 'rm', goal.id])).stdout).toContain('removed');
  }, 120_000);

  it('refuses a bad rule naming the field', async () => {
    const noChannel = await runCli(['--db', db, 'alerts', 'add', '--name', 'x', '--event', '$pageview']);
    expect(noChannel.stderr).toContain('--webhook');
    const badCron = await runCli([
      ...['--db', db, 'alerts', 'add', '--name', 'x', '--event', '$pageview', '--webhook', webhookUrl],
      ...['--schedule', 'every morning'],
    ]);
    expect(badCron.stderr).toContain('--schedule');
    const badGoal = await runCli([
      '--db',
      db,
      'alerts',
      'add',
      '--name',
      'x',
      '--goal',
      'nope',
      '--webhook',
      webhookUrl,
    ]);
    expect(badGoal.stderr).toContain('--goal');
  });

  it('serve checks the rules on its own timer', async () => {
    await runCli([
      ...['--db', db, 'alerts', 'add', '--name', 'Every minute', '--event', '$pageview'],
      ...['--webhook', `${webhookUrl}/minute`, '--schedule', '* * * * *'],
    ]);
    const server = await startServer(db, ['--alerts-every-ms', '200']);
    try {
      let checked = false;
      for (let i = 0; i < 50 && !checked; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const { rules } = (await fetch(`${server.url}/api/alerts`).then((r) => r.json())) as {
          rules: { rule: AlertRule; state: { lastRunMs: number | null } }[];
        };
        checked = rules.every((r) => r.state.lastRunMs !== null);
      }
      expect(checked).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);
});
