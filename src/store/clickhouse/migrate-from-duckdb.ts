import { createHash } from 'node:crypto';
import { FunnelscopeError } from '../../model/errors.js';
import type { DuckDBStore } from '../duckdb/duckdb-store.js';
import type { StoredUser } from '../store.js';
import type { ClickHouseStore } from './clickhouse-store.js';
import { copyEvents, copyIdentityLinks, copyPersonMap } from './copy-from-duckdb.js';
import { copyDealTables } from './deal-tables.js';
import { nextVersion } from './documents.js';

/**
 * `funnelscope migrate --from FILE --to clickhouse://…`: copies every project of a DuckDB store into a ClickHouse
 * store. Events go in batches of rowids; after each batch its last rowid is kept in the target (a `migration`
 * document per source store and project), so a migration stopped by a crash or a shard going down continues
 * where it stopped when run again, and a batch cut short is completed without copying a row twice (copyEvents
 * leaves out the seqs already stored). Identities and saved records are written again on every run (they are
 * keyed, so writing them twice changes nothing).
 *
 * Deals, deal stage changes and spend are written again on every run too; `eventsOnly` leaves them behind (and
 * says so in the summary).
 */
export interface MigrationSummary {
  projects: {
    project: string;
    events: number;
    eventsBefore: number;
    distinctIds: number;
    identityLinks: number;
    documents: number;
    deals: number;
    dealStageChanges: number;
    spendRows: number;
    leftBehind: { deals: number; dealStageChanges: number; spendRows: number };
  }[];
  seconds: number;
}

export interface MigrateOptions {
  eventsOnly?: boolean;
  batchRows?: number;
  onProgress?: (project: string, copied: number, total: number) => void;
}

export async function migrateDuckDBToClickHouse(
  source: DuckDBStore,
  target: ClickHouseStore,
  options: MigrateOptions = {},
): Promise<MigrationSummary> {
  const started = performance.now();
  const db = source.db;
  const storeId = (await db.value<string>('SELECT min(store_id) FROM store_identity')) ?? 'unknown';
  const projects = (
    await db.rows<{ project_id: string }>(
      `SELECT project_id FROM (SELECT project_id FROM projects UNION SELECT DISTINCT project_id FROM events)
       ORDER BY project_id`,
    )
  ).map((r) => r.project_id);
  const summary: MigrationSummary = { projects: [], seconds: 0 };
  for (const project of projects) {
    // The project's writer lease (writer-lease.ts) for the whole copy of it.
    await target.writing(project, async () => {
      const counts = await source.counts(project);
      const leftBehind = options.eventsOnly
        ? { deals: counts.deals, dealStageChanges: counts.dealStageChanges, spendRows: counts.spendRows }
        : { deals: 0, dealStageChanges: 0, spendRows: 0 };
      const progressId = `${storeId}`;
      const progress = (await target.documentStore.get(project, 'migration', progressId))?.body as
        | { lastRowid: number; events: number }
        | undefined;
      if (!progress && (await target.eventCount(project)) > 0) {
        throw new FunnelscopeError(
          'invalid_argument',
          `project ${project} already has events in ClickHouse that this migration did not copy: migrate into an empty project or database`,
          { field: 'to', project },
        );
      }
      let copied = progress?.events ?? 0;
      const eventsBefore = copied;
      await copyEvents(db, target.shards, target.database, project, {
        seqBase: 1,
        fromRowid: progress ? progress.lastRowid + 1 : 0,
        batchRows: options.batchRows ?? 500_000,
        onBatch: async (lastRowid, events) => {
          copied += events;
          await target.documentStore.put(project, 'migration', progressId, { lastRowid, events: copied });
          options.onProgress?.(project, copied, counts.events);
        },
      });
      const distinctIds = await copyPersonMap(db, target.shards, target.database, project, nextVersion());
      const identityLinks = await copyIdentityLinks(db, target.shards, target.database, project);
      const documents = await copyDocuments(source, target, project);
      const deals = options.eventsOnly
        ? { deals: 0, deal_stage_changes: 0, spend: 0 }
        : await copyDealTables(db, target.shards, target.database, project, nextVersion());
      summary.projects.push({
        project,
        events: copied,
        eventsBefore,
        distinctIds,
        identityLinks,
        documents,
        deals: deals.deals ?? 0,
        dealStageChanges: deals.deal_stage_changes ?? 0,
        spendRows: deals.spend ?? 0,
        leftBehind,
      });
    });
  }
  await copyServerRecords(source, target);
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** Saved funnels, goals, alert rules, scoring models, channel settings, retention and API keys, ids kept. */
async function copyDocuments(source: DuckDBStore, target: ClickHouseStore, project: string): Promise<number> {
  const docs = target.documentStore;
  let count = 0;
  for (const f of await source.listFunnels(project)) {
    await docs.put(project, 'funnel', f.id, { name: f.name, definition: f.definition }, f.createdAt);
    count += 1;
  }
  for (const { id, createdAt, ...goal } of await source.listGoals(project)) {
    await docs.put(project, 'goal', id, goal, createdAt);
    count += 1;
  }
  for (const { rule, state } of await source.listAlertRules(project)) {
    const { id, createdAt, ...definition } = rule;
    await docs.put(project, 'alert_rule', id, { rule: definition, state }, createdAt);
    count += 1;
  }
  for (const { name, trainedAt } of await source.listScoringModels(project)) {
    await docs.put(project, 'scoring_model', name, await source.getScoringModel(project, name), trainedAt);
    count += 1;
  }
  const settings = await source.channelSettings(project);
  if (settings.rules.length > 0 || settings.referralExclusions.length > 0) {
    await docs.put(project, 'channel_settings', 'settings', settings);
    count += 1;
  }
  count += await copyKeys(source, target, project);
  const days = await source.retentionDays(project);
  if (days !== null) {
    await docs.put(project, 'retention', 'days', { days });
    count += 1;
  }
  return count;
}

/** API keys, revoked ones too (so a revoked key stays revoked), with their labels and times. */
async function copyKeys(source: DuckDBStore, target: ClickHouseStore, project: string): Promise<number> {
  const keys = await source.db.rows<{
    key_hash: string;
    kind: string;
    key_prefix: string;
    label: string | null;
    created: string;
    revoked: string | null;
  }>(
    `SELECT key_hash, kind, key_prefix, label, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS created,
            strftime(revoked_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS revoked
     FROM api_keys WHERE project_id = $project`,
    { project },
  );
  for (const k of keys) {
    await target.documentStore.put(
      project,
      'api_key',
      k.key_hash,
      { kind: k.kind, prefix: k.key_prefix, label: k.label, revokedAt: k.revoked },
      k.created,
    );
  }
  return keys.length;
}

/**
 * Users, the keys over every project and the audit log. Audit entries get ids made from their content, so a
 * migration run again writes each once.
 */
async function copyServerRecords(source: DuckDBStore, target: ClickHouseStore): Promise<void> {
  const docs = target.documentStore;
  for (const { email } of await source.listUsers()) {
    const user = (await source.getUser(email)) as StoredUser;
    await docs.put(
      '',
      'user',
      email,
      { role: user.role, projects: user.projects, passwordHash: user.passwordHash },
      user.createdAt,
    );
  }
  await copyKeys(source, target, '');
  for (const entry of await source.auditLog(null, Number.MAX_SAFE_INTEGER)) {
    const id = `${entry.at}:${createHash('sha256').update(JSON.stringify(entry)).digest('hex').slice(0, 16)}`;
    await docs.put(entry.project ?? '', 'audit', id, entry, entry.at);
  }
}
