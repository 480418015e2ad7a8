/**
 * The hostile-strings round trip (docs/access.md, "SQL injection"), run on each store: every string of
 * test/fixtures/hostile-strings.ts becomes a person's id, an event name, a property key, a property value, a trait
 * key and value, a campaign and an experiment's variant, half of them through a file import and half through the
 * HTTP ingestion; then every kind of query takes them as event names, filter values, breakdown properties and
 * dimensions. Each must come back as the same data, and nothing may be executed: the tables and a canary project
 * stay as they were.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import type { EventColumnSource } from '../../src/store/event-columns.js';
import { LiveIngest } from '../../src/store/live-ingest.js';
import type { Store } from '../../src/store/store.js';
import { hostileStrings as H } from '../fixtures/hostile-strings.js';

const N = H.length;
const at = (i: number, step: number) => new Date(Date.UTC(2026, 4, 1) + i * 3_600_000 + step * 60_000).toISOString();
const h = (i: number) => H[i % N] as string;

/** The five messages of person i. */
function messagesOf(i: number): object[] {
  return [
    {
      type: 'page',
      anonymousId: `anon-${i}`,
      messageId: `m${i}-page`,
      timestamp: at(i, 0),
      properties: { path: `/p/${i}`, url: `https://shop.example/p/${i}` },
      context: { campaign: { source: 'hostile', medium: 'cpc', name: h(i) } },
    },
    {
      type: 'identify',
      userId: h(i),
      anonymousId: `anon-${i}`,
      messageId: `m${i}-identify`,
      timestamp: at(i, 1),
      traits: { [h(i)]: h(i + 1), plan: h(i + 2) },
    },
    {
      type: 'track',
      event: 'Start',
      userId: h(i),
      messageId: `m${i}-start`,
      timestamp: at(i, 2),
      properties: { [h(i)]: h(i + 1) },
    },
    {
      type: 'track',
      event: 'Experiment Viewed',
      userId: h(i),
      messageId: `m${i}-exposure`,
      timestamp: at(i, 3),
      properties: { experiment_id: 'hostile-test', variation_name: i % 2 === 0 ? 'control' : h(7) },
    },
    {
      type: 'track',
      event: h(i),
      userId: h(i),
      messageId: `m${i}-hostile`,
      timestamp: at(i, 4),
      properties: { plan: h(i + 2) },
    },
  ];
}

type AnyStore = Store & EventColumnSource;

export async function hostileRoundTrip(store: AnyStore, dir: string, tables: () => Promise<string[]>): Promise<void> {
  expect(N).toBeGreaterThanOrEqual(200);
  const project = 'hostile';
  const { writeKey } = await store.createProjectKeys(project);
  const canaryFile = join(dir, 'canary.ndjson');
  writeFileSync(
    canaryFile,
    `${JSON.stringify({ type: 'track', event: 'Canary', userId: 'c', messageId: 'canary', timestamp: at(0, 0) })}\n`,
  );
  await store.importFile('events', canaryFile, { project: 'canary', skipInvalid: false });
  const tablesBefore = await tables();

  // Half through a file import (and every very long string: an HTTP event is at most 32 KB), half over HTTP.
  const viaHttp = (i: number) => i % 2 === 1 && h(i).length < 1000 && h(i + 1).length < 1000 && h(i + 2).length < 1000;
  const file = join(dir, 'hostile.ndjson');
  const imported = [...Array(N).keys()].filter((i) => !viaHttp(i));
  writeFileSync(
    file,
    `${imported
      .flatMap(messagesOf)
      .map((m) => JSON.stringify(m))
      .join('\n')}\n`,
  );
  const summary = await store.importFile('events', file, { project, skipInvalid: false });
  expect(summary.imported).toBe(imported.length * 5);

  const ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 3_600_000 });
  const app = buildApp({ store, ingest, metrics: createMetrics(() => ingest.backlog), columns: store });
  try {
    const sent = [...Array(N).keys()].filter(viaHttp);
    for (let start = 0; start < sent.length; start += 20) {
      const batch = sent.slice(start, start + 20).flatMap(messagesOf);
      const response = await app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
        payload: { batch },
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    await ingest.storeLogged();
    expect((await store.counts(project)).events).toBe(N * 5);

    const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const response = await app.inject({
        method,
        url: `${url}${url.includes('?') ? '&' : '?'}project=${project}`,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      expect(response.statusCode, `${method} ${url}: ${response.body.slice(0, 300)}`).toBe(200);
      return response.json();
    };

    // Event names, as stored and counted.
    const events = (await api('GET', '/api/events')).events as { event: string; events: number }[];
    const counted = new Map(events.map((e) => [e.event, e.events]));
    expect(H.filter((s) => counted.get(s) !== 1).map((s) => JSON.stringify(s))).toEqual([]);

    // Persons by hostile id, with hostile trait keys and values.
    for (let i = 0; i < N; i += 1) {
      const person = await store.getPerson(project, h(i));
      expect(person?.traits[h(i)], JSON.stringify(h(i))).toBe(h(i + 1));
      expect(person?.traits.plan).toBe(h(i + 2));
      expect(person?.distinctIds).toContain(h(i));
      expect(person?.eventCount).toBe(5);
    }

    // Funnels: a hostile event name, hostile property keys and values in event and person filters.
    for (let i = 0; i < N; i += 1) {
      const report = await api('POST', '/api/funnel', {
        steps: [
          { event: 'Start', filters: [{ property: h(i), op: 'eq', value: h(i + 1) }] },
          { event: h(i), filters: [{ property: 'plan', op: 'eq', value: h(i + 2) }] },
        ],
        filters: [{ property: h(i), scope: 'person', op: 'eq', value: h(i + 1) }],
        window: { amount: 1, unit: 'day' },
      });
      expect(
        report.steps.map((s: { count: number }) => s.count),
        JSON.stringify(h(i)),
      ).toEqual([1, 1]);
    }

    // Breakdowns by a hostile property (event and person scope), values hostile too.
    for (let i = 0; i < N; i += 7) {
      for (const scope of ['event', 'person'] as const) {
        const report = await api('POST', '/api/funnel', {
          steps: [{ event: 'Start' }, { event: h(i) }],
          breakdown: { properties: [h(i)], scope, attribution: 'first_touch', limit: 25 },
          window: { amount: 1, unit: 'day' },
        });
        const text = JSON.stringify(report);
        expect(
          text.includes(JSON.stringify(h(i + 1)).slice(1, -1)),
          `${scope} breakdown by ${JSON.stringify(h(i))}`,
        ).toBe(true);
      }
    }

    // Paths, cohorts, diagnosis, attribution, experiments with hostile names.
    for (let i = 0; i < N; i += 23) {
      const paths = await api('POST', '/api/paths', { from: h(i), depth: 2 });
      expect(JSON.stringify(paths).includes(JSON.stringify(h(i)).slice(1, -1))).toBe(true);
      await api('POST', '/api/cohorts', {
        definition: { steps: [{ event: 'Start' }, { event: h(i) }] },
        property: h(i),
      });
      const attribution = await api('POST', '/api/attribution', { conversion: h(i) });
      expect(JSON.stringify(attribution)).toContain('hostile');
      const experiment = await api('POST', '/api/experiments/hostile-test', { goal: h(i) });
      expect(JSON.stringify(experiment).includes(JSON.stringify(h(7)).slice(1, -1))).toBe(true);
    }
    // Daily series and goals on a hostile event.
    for (let i = 0; i < N; i += 61) {
      await api('POST', '/api/anomalies', { metric: 'conversions', event: h(i) });
      await api('POST', '/api/forecast', { metric: 'conversions', event: h(i) });
      const goal = await app.inject({
        method: 'POST',
        url: `/api/goals?project=${project}`,
        payload: {
          name: h(i).slice(0, 200).trim() || 'blank',
          metric: 'funnel_step',
          target: 0.5,
          definition: { steps: [{ event: 'Start' }, { event: h(i) }] },
        },
      });
      expect(goal.statusCode, goal.body.slice(0, 300)).toBe(201);
    }
    const goals = await api('GET', '/api/goals?asOf=2026-12-31');
    expect(JSON.stringify(goals)).toContain('funnel_step');
    await api('POST', '/api/diagnose', {
      definition: { steps: [{ event: 'Start' }, { event: 'Experiment Viewed' }] },
      dimensions: [h(0), h(1), h(5), h(11), 'utm_campaign'],
    });

    // Saved funnels by hostile names (trimmed, at most 200 characters), and their hostile definitions.
    const names = H.filter((s) => s.trim() !== '' && s.trim().length <= 200).slice(0, 120);
    for (const name of names) {
      const saved = await app.inject({
        method: 'POST',
        url: `/api/funnels?project=${project}`,
        payload: { name, definition: { steps: [{ event: name }] } },
      });
      expect(saved.statusCode, saved.body).toBe(201);
    }
    const listed = (await api('GET', '/api/funnels')).funnels as {
      name: string;
      definition: { steps: { event: string }[] };
    }[];
    expect(listed.map((f) => f.name).sort()).toEqual(names.map((n) => n.trim()).sort());
    for (const f of listed) expect(f.definition.steps[0]?.event.trim()).toBe(f.name);

    // Erasing people by hostile ids.
    for (let i = 0; i < N; i += 31) {
      const erased = await store.deletePerson(project, h(i));
      expect(erased?.events, JSON.stringify(h(i))).toBe(5);
    }
  } finally {
    await app.close();
    await ingest.stop();
  }

  // Nothing was executed: the same tables, the canary project as it was.
  expect(await tables()).toEqual(tablesBefore);
  expect((await store.counts('canary')).events).toBe(1);
}
