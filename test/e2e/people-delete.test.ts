/**
 * Erasing a person on request (docs/privacy.md): `funnelscope people delete ID`, and `DELETE /api/people/:id` on a
 * running server. Afterwards no table of the store and no file beside it holds any of the person's ids or its
 * e-mail, the audit log says what went (under a hash), and every report equals the same report over a store that
 * never had the person (its deals kept, unlinked).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, runCli, runCliJson, tempDir } from '../helpers/cli.js';
import { createKey, startServer } from '../helpers/server.js';

/** Every identifier of the erased person contains this (ids, e-mail), in any case. */
const marker = 'erase-me';

function messages(withPerson: boolean): object[] {
  const at = (day: number, hour = 10) =>
    `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
  const page = (id: string, day: number, path: string, extra: object = {}) => ({
    type: 'page',
    anonymousId: id,
    messageId: `${id}-page-${day}-${path}`,
    timestamp: at(day),
    properties: { path, url: `https://shop.example${path}` },
    context: { campaign: { source: 'google', medium: 'cpc', name: 'spring' } },
    ...extra,
  });
  const track = (ids: object, event: string, day: number, hour = 11) => ({
    type: 'track',
    event,
    ...ids,
    messageId: `${JSON.stringify(ids)}-${event}-${day}`,
    timestamp: at(day, hour),
  });
  const others: object[] = [];
  for (const [n, id] of ['kept-anon-1', 'kept-anon-2', 'kept-anon-3'].entries()) {
    others.push(page(id, 1 + n, '/'), page(id, 2 + n, '/pricing'));
    if (n < 2) {
      others.push({
        type: 'identify',
        userId: `kept-user-${n}`,
        anonymousId: id,
        messageId: `identify-${id}`,
        timestamp: at(3 + n),
        traits: { email: `kept${n}@example.com`, plan: 'pro' },
      });
      others.push(track({ userId: `kept-user-${n}` }, 'Signed Up', 3 + n, 12));
    }
  }
  if (!withPerson) return others;
  const person = [
    page('erase-me-anon-1', 1, '/'),
    page('erase-me-anon-1', 2, '/pricing'),
    {
      type: 'identify',
      userId: 'erase-me-user',
      anonymousId: 'erase-me-anon-1',
      messageId: 'identify-erase-me-1',
      timestamp: at(2, 12),
      traits: { email: 'Erase-Me@Example.com', name: 'Erin Eraseme', plan: 'team' },
    },
    track({ userId: 'erase-me-user' }, 'Signed Up', 2, 13),
    // A second device, linked later by another identify call.
    page('erase-me-anon-2', 5, '/docs'),
    {
      type: 'identify',
      userId: 'erase-me-user',
      anonymousId: 'erase-me-anon-2',
      messageId: 'identify-erase-me-2',
      timestamp: at(5, 12),
      traits: { company: 'Erase-me Ltd' },
    },
    {
      type: 'group',
      userId: 'erase-me-user',
      groupId: 'acct-erase-me',
      messageId: 'group-erase-me',
      timestamp: at(5, 13),
      traits: { name: 'Erase-me Ltd' },
    },
    track({ userId: 'erase-me-user' }, 'Demo Requested', 6),
  ];
  return [...person, ...others];
}

function deals(linked: boolean): string {
  return [
    'deal_id,name,user_id,email,stage,amount,created_at,closed_at,status',
    `d1,Team plan,${linked ? 'erase-me-user' : ''},,closed_won,1200,2026-03-06T00:00:00Z,2026-03-20T00:00:00Z,won`,
    `d2,Upsell,,${linked ? 'erase-me@example.com' : ''},demo,800,2026-03-07T00:00:00Z,,open`,
    'd3,Pro plan,kept-user-0,,closed_won,500,2026-03-04T00:00:00Z,2026-03-10T00:00:00Z,won',
  ].join('\n');
}

const definition = JSON.stringify({
  steps: [
    { event: '$pageview' },
    { event: 'Signed Up' },
    { event: 'Demo Requested' },
    { event: '$deal_stage', filters: [{ property: 'stage', value: 'closed_won' }] },
  ],
  window: { amount: 30, unit: 'day' },
});

let dir: string;
let cleanup: () => Promise<void>;

async function makeStore(name: string, withPerson: boolean): Promise<string> {
  const db = join(dir, `${name}.duckdb`);
  const events = join(dir, `${name}-events.ndjson`);
  const dealsFile = join(dir, `${name}-deals.csv`);
  writeFileSync(
    events,
    `${messages(withPerson)
      .map((m) => JSON.stringify(m))
      .join('\n')}\n`,
  );
  writeFileSync(dealsFile, `${deals(withPerson)}\n`);
  for (const args of [
    ['events', events],
    ['deals', dealsFile],
  ]) {
    const result = await runCli(['--db', db, 'import', ...args]);
    if (result.code !== 0) throw new Error(result.stderr);
  }
  return db;
}

/** The reports a user reads, without what names the moment (timings) or the store. */
async function reports(db: string): Promise<unknown> {
  const json = async (args: string[]) => {
    const { code, json, stderr } = await runCliJson(['--db', db, ...args]);
    if (code !== 0) throw new Error(stderr);
    return JSON.parse(JSON.stringify(json), (key, value) =>
      ['elapsedMs', 'threads', 'batches'].includes(key) ? undefined : value,
    );
  };
  return {
    funnel: await json(['funnel', '--definition', definition, '--format', 'json']),
    paths: await json(['paths', '--from', '$pageview', '--depth', '3', '--format', 'json']),
    pipeline: await json(['pipeline', '--as-of', '2026-03-31', '--format', 'json']),
    cohorts: await json(['cohorts', '--definition', definition, '--format', 'json']),
  };
}

/** Rows of any table of the store whose text holds the marker. */
async function leftovers(db: string): Promise<Record<string, number>> {
  const tables = await queryStore<{ name: string }>(
    db,
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`,
  );
  expect(tables.map((t) => t.name)).toEqual(
    expect.arrayContaining(['events', 'identity_links', 'person_map', 'deals', 'audit_log']),
  );
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await queryStore<{ n: bigint }>(
      db,
      `SELECT count(*) AS n FROM "${name}" AS t WHERE lower(CAST(t AS VARCHAR)) LIKE '%${marker}%'`,
    );
    found[name] = Number(row?.n ?? 0);
  }
  return found;
}

/** Files beside the store (column snapshots, derived columns) holding the marker. */
function filesWithMarker(folder: string): string[] {
  const hits: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (readFileSync(full).toString('latin1').toLowerCase().includes(marker)) hits.push(full);
    }
  };
  walk(folder);
  return hits;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('people delete', () => {
  it('removes the person from every table, every file beside the store and every report', async () => {
    const db = await makeStore('erased', true);
    const never = await makeStore('never', false);
    const before = await leftovers(db);
    expect(before.events).toBe(8);
    expect(before.identity_links).toBe(2);
    expect(before.person_map).toBe(3);
    expect(before.deals).toBe(2);
    await reports(db); // builds the column snapshots beside the file, with the person in them
    expect(filesWithMarker(`${db}.columns`).length).toBeGreaterThan(0);

    const { code, json } = await runCliJson<Record<string, unknown>>([
      '--db',
      db,
      'people',
      'delete',
      'erase-me-anon-2',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(json).toEqual({
      id: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      distinctIds: 3,
      events: 8,
      identityLinks: 2,
      personMap: 3,
      dealsUnlinked: 2,
    });
    expect(Object.entries(await leftovers(db)).filter(([, n]) => n > 0)).toEqual([]);
    expect(filesWithMarker(`${db}.columns`)).toEqual([]);
    const audit = await runCliJson<{ entries: { action: string; target: string; details: Record<string, number> }[] }>([
      '--db',
      db,
      'audit',
      '--json',
    ]);
    expect(audit.json.entries[0]).toMatchObject({ action: 'person.delete', target: json.id, details: { events: 8 } });

    expect(await reports(db)).toEqual(await reports(never));
    expect(filesWithMarker(`${db}.columns`)).toEqual([]);
    const again = await runCli(['--db', db, 'people', 'delete', 'erase-me-user']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('no person with the id "erase-me-user" in project default');
  });

  it('through the API: stores what the server accepted first, so nothing of the person comes back', async () => {
    const db = await makeStore('served', true);
    const admin = await createKey(db, 'admin', 'default');
    const write = await createKey(db, 'write', 'default');
    const server = await startServer(db, ['--flush-ms', '60000']);
    try {
      const sent = await fetch(`${server.url}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}`,
        },
        body: JSON.stringify({ userId: 'erase-me-user', event: 'Late Event', messageId: 'late-1' }),
      });
      expect(sent.status).toBe(200);
      const refused = await fetch(`${server.url}/api/people/erase-me-user`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${write.key}` },
      });
      expect(refused.status).toBe(403);
      const erased = await fetch(`${server.url}/api/people/erase-me-user`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin.key}` },
      });
      expect(erased.status).toBe(200);
      expect(((await erased.json()) as { events: number }).events).toBe(9); // the 8 imported and the one just sent
      const person = await fetch(`${server.url}/api/funnel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.key}` },
        body: definition,
      });
      expect(person.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(Object.entries(await leftovers(db)).filter(([, n]) => n > 0)).toEqual([]);
    expect(filesWithMarker(`${db}.ingest`)).toEqual([]); // the write-ahead log keeps no stored segment
  });
});
