/**
 * A backup of a ClickHouse store (docs/privacy.md): the whole store as a DuckDB file, the same format a DuckDB
 * store's backup has, so one `restore` reads both (into DuckDB, or into an empty ClickHouse database through the
 * migration). ClickHouse has no transactions; the cut is made per project at its highest event `seq` when the
 * backup starts (one writer hands out seqs in order, so every event stored before then is in, none after), and
 * the small records (keys, users, saved things, deals) are read as they are at that moment.
 */
import { DuckDBStore } from '../duckdb/duckdb-store.js';
import { storeChannelSettings } from '../duckdb/queries/channel-settings.js';
import { eventColumns as storedEventColumns } from '../duckdb/queries/stage-events.js';
import { chInt, chString, tsvField } from './clickhouse-sql.js';
import { type ClickHouseStore, keyInfo, userOf } from './clickhouse-store.js';
import { loadIntoDuckDB } from './copy-from-duckdb.js';
import { dealTables, seedDealTables } from './deal-tables.js';

/** Events per request to ClickHouse (each chunk passes through a temporary JSON file). */
const chunkSeqs = 200_000;

/** The events table's columns (DuckDB's names, in its order) and the ClickHouse column each comes from. */
const eventColumns = ['project_id', ...storedEventColumns];
const clickhouseName = (column: string) =>
  column === 'ts' ? 'ts_us' : column === 'received_at' ? 'received_us' : column;

const stamp = (us: string) => `make_timestamp(CAST(${us} AS BIGINT))`;
const json = (text: string) => `CAST(NULLIF(${text}, '') AS JSON)`;

const eventValues: Record<string, string> = {
  ts: stamp('j.ts_us'),
  received_at: stamp('j.received_us'),
  properties: json('j.properties'),
  context: json('j.context'),
  groups: json('j.groups'),
  revenue: 'CAST(j.revenue AS DOUBLE)',
};

export async function backupClickHouse(source: ClickHouseStore, path: string): Promise<void> {
  const target = await DuckDBStore.open({ path });
  const db = target.db;
  const shards = source.shards;
  const t = source.database;
  try {
    const rows = (sql: string) => shards.rows(0, sql);
    const [storeId] = await rows(`SELECT any(store_id) FROM ${t}.store_identity`);
    await db.run('DELETE FROM store_identity');
    await db.run('INSERT INTO store_identity VALUES ($id)', { id: tsvField(storeId?.[0] as string) ?? 'unknown' });

    // The cut: every project's highest seq now.
    const cut = new Map(
      (await rows(`SELECT project_id, max(seq), min(seq) FROM ${t}.events GROUP BY project_id`)).map((r) => [
        tsvField(r[0] as string) ?? '',
        { max: Number(r[1]), min: Number(r[2]) },
      ]),
    );
    const projects = new Set<string>(cut.keys());
    for (const r of await rows(`SELECT DISTINCT project_id FROM ${t}.documents FINAL WHERE deleted = 0`)) {
      projects.add(tsvField(r[0] as string) ?? '');
    }
    for (const r of await rows(`SELECT DISTINCT project_id FROM ${t}.import_log`))
      projects.add(tsvField(r[0] as string) ?? '');
    projects.delete(''); // server-wide records, below

    for (const project of [...projects].sort()) {
      const p = chString(project);
      await target.ensureProject(project);
      const range = cut.get(project);
      for (let lo = range?.min ?? 1; range && lo <= range.max; lo += chunkSeqs) {
        const hi = Math.min(range.max, lo + chunkSeqs - 1);
        await loadIntoDuckDB(
          db,
          shards,
          `SELECT ${eventColumns.map(clickhouseName).join(', ')} FROM ${t}.events
           WHERE project_id = ${p} AND seq BETWEEN ${chInt(lo)} AND ${chInt(hi)} ORDER BY seq`,
          eventColumns.map(clickhouseName),
          (j) =>
            `INSERT INTO events (${eventColumns.join(', ')})
             SELECT ${eventColumns.map((c) => eventValues[c] ?? `j.${c}`).join(', ')} FROM ${j}`,
        );
      }
      await loadIntoDuckDB(
        db,
        shards,
        `SELECT project_id, distinct_id, person_id FROM ${t}.person_map FINAL WHERE project_id = ${p}`,
        ['project_id', 'distinct_id', 'person_id'],
        (j) => `INSERT INTO person_map SELECT j.project_id, j.distinct_id, j.person_id FROM ${j}`,
      );
      await loadIntoDuckDB(
        db,
        shards,
        `SELECT project_id, user_id, other_id, first_seen_us FROM ${t}.identity_links FINAL WHERE project_id = ${p}`,
        ['project_id', 'user_id', 'other_id', 'first_seen_us'],
        (j) =>
          `INSERT INTO identity_links SELECT j.project_id, j.user_id, j.other_id, ${stamp('j.first_seen_us')} FROM ${j}`,
      );
      await seedDealTables(db, shards, t, project);
      await loadIntoDuckDB(
        db,
        shards,
        `SELECT project_id, kind, file, format, rows_read, imported, updated, duplicates, rejected, finished_us
         FROM ${t}.import_log WHERE project_id = ${p} ORDER BY import_id`,
        [
          'project_id',
          'kind',
          'file',
          'format',
          'rows_read',
          'imported',
          'updated',
          'duplicates',
          'rejected',
          'finished_us',
        ],
        (
          j,
        ) => `INSERT INTO import_log (project_id, kind, file, format, rows_read, imported, updated, duplicates, rejected, finished_at)
                SELECT j.project_id, j.kind, j.file, j.format, CAST(j.rows_read AS BIGINT), CAST(j.imported AS BIGINT),
                       CAST(j.updated AS BIGINT), CAST(j.duplicates AS BIGINT), CAST(j.rejected AS BIGINT),
                       ${stamp('j.finished_us')} FROM ${j}`,
      );
      await copyProjectRecords(source, target, project);
    }
    for (const table of dealTables) await db.run(`ALTER TABLE ${table.name} DROP COLUMN IF EXISTS rid`);

    // Server-wide: users, keys over every project, the audit log.
    for (const stored of (await source.documentStore.list('', 'user')).map(userOf)) {
      await db.run(
        `INSERT INTO users VALUES ($email, $role, $projects, $hash, CAST($created AS TIMESTAMP), CAST($updated AS TIMESTAMP))`,
        {
          email: stored.email,
          role: stored.role,
          projects: stored.projects === null ? null : JSON.stringify(stored.projects),
          hash: stored.passwordHash,
          created: stored.createdAt,
          updated: stored.updatedAt,
        },
      );
    }
    await copyKeys(source, target, '');
    for (const entry of (await source.auditLog(null, Number.MAX_SAFE_INTEGER)).reverse()) {
      await target.recordAudit(entry);
    }
  } finally {
    await target.close();
  }
}

/** A project's keys (live and revoked, hashes and all), with their ids kept. */
async function copyKeys(source: ClickHouseStore, target: DuckDBStore, project: string): Promise<void> {
  for (const doc of await source.documentStore.list(project, 'api_key')) {
    const key = keyInfo(project, doc);
    await target.db.run(
      `INSERT INTO api_keys VALUES ($hash, $project, $role, $prefix, $label, CAST($createdAt AS TIMESTAMP), CAST($revokedAt AS TIMESTAMP))`,
      {
        hash: doc.id,
        project,
        role: key.role,
        prefix: key.prefix,
        label: key.label,
        createdAt: key.createdAt,
        revokedAt: key.revokedAt,
      },
    );
  }
}

/** Saved funnels, goals, alert rules and history, scoring models, channel settings, retention and keys. */
async function copyProjectRecords(source: ClickHouseStore, target: DuckDBStore, project: string): Promise<void> {
  const db = target.db;
  for (const f of await source.listFunnels(project)) {
    await db.run(
      `INSERT INTO saved_funnels VALUES ($project, $id, $name, $definition, CAST($created AS TIMESTAMP), CAST($updated AS TIMESTAMP))`,
      {
        project,
        id: f.id,
        name: f.name,
        definition: JSON.stringify(f.definition),
        created: f.createdAt,
        updated: f.updatedAt,
      },
    );
  }
  for (const { id, createdAt, ...goal } of await source.listGoals(project)) {
    await db.run(`INSERT INTO goals VALUES ($project, $id, $goal, CAST($created AS TIMESTAMP))`, {
      project,
      id,
      goal: JSON.stringify(goal),
      created: createdAt,
    });
  }
  for (const { rule, state } of await source.listAlertRules(project)) {
    const { id, createdAt, ...definition } = rule;
    await db.run(`INSERT INTO alert_rules VALUES ($project, $id, $rule, $state, CAST($created AS TIMESTAMP))`, {
      project,
      id,
      rule: JSON.stringify(definition),
      state: JSON.stringify(state),
      created: createdAt,
    });
  }
  for (const record of (await source.alertHistory(project, Number.MAX_SAFE_INTEGER)).reverse()) {
    await target.recordAlert(project, record);
  }
  for (const { name, trainedAt } of await source.listScoringModels(project)) {
    await db.run(`INSERT INTO scoring_models VALUES ($project, $name, $model, CAST($trained AS TIMESTAMP))`, {
      project,
      name,
      model: JSON.stringify(await source.getScoringModel(project, name)),
      trained: trainedAt,
    });
  }
  const settings = await source.channelSettings(project);
  if (settings.rules.length > 0 || settings.referralExclusions.length > 0) {
    await db.run('INSERT INTO channel_settings (project_id, settings) VALUES ($project, $settings)', {
      project,
      settings: JSON.stringify(settings),
    });
    await storeChannelSettings(db, project, settings);
  }
  const days = await source.retentionDays(project);
  if (days !== null) await target.setRetentionDays(project, days);
  await copyKeys(source, target, project);
}
