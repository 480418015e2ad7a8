import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { AlertRule, AlertRuleDefinition, AlertState } from '../../analysis/alerts/alerts.js';
import type { Goal, GoalDefinition } from '../../analysis/goals/goals.js';
import { identityEventNames } from '../../model/bookkeeping-events.js';
import type { Catalog } from '../../model/catalog.js';
import { type ChannelSettings, parseChannelSettings } from '../../model/channel-settings.js';
import type { DealRecords } from '../../model/deals.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { ImportKind, ImportOptions, ImportSummary } from '../../model/import.js';
import type { SpendAndDeals } from '../../model/kpi-inputs.js';
import { getOwn, setOwn } from '../../model/own-property.js';
import type { PersonReport } from '../../model/person.js';
import { hashKey, keyId, keyPrefix, newKey } from '../api-keys.js';
import { DuckDBStore } from '../duckdb/duckdb-store.js';
import { catalogProperties, getDealStages, typedColumns } from '../duckdb/queries/get-catalog.js';
import { mergeTraits } from '../duckdb/queries/get-person.js';
import { promotedColumn } from '../duckdb/queries/load-event-columns.js';
import {
  type DictionaryColumn,
  type EventColumnSource,
  type EventColumns,
  type EventValueSource,
  type PersonStream,
  type PersonStreamRequest,
  storedEventColumns,
  valueSourceKey,
} from '../event-columns.js';
import { sharedInt32 } from '../shared-arrays.js';
import type {
  AlertRecord,
  ApiKeyInfo,
  AuditEntry,
  ImportLogEntry,
  KeyOwner,
  KeyRole,
  PersonErasure,
  ProjectKeys,
  RecentEvent,
  SavedFunnel,
  Store,
  StoreCounts,
  StoredUser,
  UserRecord,
  UserRole,
} from '../store.js';
import { entryTables, schemaVersion, shardTables } from './clickhouse-schema.js';
import { ClickHouseShards } from './clickhouse-shards.js';
import { chInt, chString, chStrings, tsvField } from './clickhouse-sql.js';
import { type ClickHouseTarget, parseClickHouseUrl } from './clickhouse-url.js';
import { copyEvents, copyIdentityLinks, copyPersonMap } from './copy-from-duckdb.js';
import { copyDealTables, dealTableStatements, nextRids, numberNewRows, seedDealTables } from './deal-tables.js';
import { DealWorkspace } from './deal-workspace.js';
import { Documents, nextVersion, type StoredDocument } from './documents.js';
import {
  compareBytes,
  encodeByPosition,
  eventNamesOf,
  type LoadedColumns,
  loadColumns,
  personEventsSql,
  rowOfSeq,
  type StreamValues,
  streamBatches,
  twoIntegers,
} from './load-columns.js';
import { WriterLease } from './writer-lease.js';

/**
 * The scale-out store: a ClickHouse server or cluster (docs/clickhouse.md). Files are read, checked and normalised
 * by the same DuckDB code as the embedded store (in a throw-away in-memory store seeded with the project's
 * identities), then copied into ClickHouse; the funnel engine's columns are built from per-person sequences the
 * shards group themselves. One writer process at a time per project (it hands out the event seqs): writer-lease.ts.
 */
/** An ISO time of a ClickHouse Int64 of microseconds as TabSeparated text; null for none. */
function isoOfMicros(us: string | undefined): string | null {
  return us === undefined || us === '\\N' ? null : new Date(Number(us) / 1000).toISOString();
}

/** Times of saved records to the second, as the DuckDB store prints them. */
function toSeconds(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** Above this many distinct values a property's dictionary is not sent as a literal; values come as text. */
const maxLiteralDictionary = 20_000;

/** A value source as SQL over events_local's columns: the value, and whether a row has one. */
function valueSqlOf(source: Exclude<EventValueSource, { kind: 'group' }>): { value: string; has: string } {
  if (source.kind === 'column') {
    if (!(storedEventColumns as readonly string[]).includes(source.column)) {
      throw new FunnelscopeError('internal', `no stored event column ${source.column}`);
    }
    return { value: source.column, has: `${source.column} IS NOT NULL` };
  }
  if (source.kind === 'group_key') {
    const type = chString(source.groupType);
    return { value: `group_keys[indexOf(group_types, ${type})]`, has: `has(group_types, ${type})` };
  }
  const key = chString(source.property);
  const json = `prop_values[indexOf(prop_keys, ${key})]`;
  if (source.kind === 'identify') return { value: json, has: `type = 'identify' AND has(prop_keys, ${key})` };
  const promoted = promotedColumn(source.property);
  if (!promoted) return { value: json, has: `has(prop_keys, ${key})` };
  const column = promoted === 'revenue' ? 'revenue_text' : promoted;
  return {
    value: `if(has(prop_keys, ${key}), ${json}, ${column})`,
    has: `has(prop_keys, ${key}) OR ${column} IS NOT NULL`,
  };
}

/** The code of a row's value in `values` (1-based; 0 when the row has none), as SQL. */
function codeSql(values: readonly string[], value: string, has: string): string {
  return values.length === 0 ? '0' : `if(${has}, indexOf(${chStrings(values)}, ifNull(${value}, '')), 0)`;
}

export class ClickHouseStore implements Store, EventColumnSource {
  private readonly documents: Documents;
  private readonly lease: WriterLease;
  private loaded: { project: string; version: string; data: LoadedColumns } | null = null;
  private workspace: { project: string; version: string; deals: DealWorkspace } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly shards: ClickHouseShards,
    readonly database: string,
    /** Above this many events a project's funnels stream (streamPersons). */
    private readonly batchEvents: number,
  ) {
    this.documents = new Documents(shards, database);
    this.lease = new WriterLease(this.documents);
  }

  /** Runs a write that hands out a project's event seqs or row numbers, holding its writer lease (writer-lease.ts). */
  writing<T>(project: string, write: () => Promise<T>): Promise<T> {
    return this.lease.hold(project, write);
  }

  static async open(
    url: string | ClickHouseTarget,
    options: { clients?: ClickHouseClient[] } = {},
  ): Promise<ClickHouseStore> {
    const target = typeof url === 'string' ? parseClickHouseUrl(url) : url;
    const shards = await ClickHouseShards.connect(target, options);
    const store = new ClickHouseStore(shards, target.database, target.batchEvents);
    try {
      await store.createSchema(target.cluster);
    } catch (error) {
      await shards.close();
      throw error;
    }
    return store;
  }

  private async createSchema(cluster: string | null): Promise<void> {
    for (let i = 0; i < this.shards.count; i += 1) {
      for (const sql of shardTables(this.database)) await this.shards.command(i, sql);
      const versions = await this.shards.rows(i, `SELECT max(version), count() FROM ${this.database}.schema_info`);
      const [max, count] = versions[0] ?? ['0', '0'];
      if (Number(count) === 0) {
        await this.shards.command(i, `INSERT INTO ${this.database}.schema_info VALUES (${chInt(schemaVersion)})`);
      } else if (Number(max) > schemaVersion) {
        throw new FunnelscopeError(
          'store_too_new',
          `ClickHouse ${this.shards.name(i)}: the database has schema ${max}, newer than this funnelscope (${schemaVersion})`,
        );
      }
    }
    for (const sql of [...entryTables(this.database, cluster), ...dealTableStatements(this.database)]) {
      await this.shards.command(0, sql);
    }
    const ids = await this.shards.rows(0, `SELECT count() FROM ${this.database}.store_identity`);
    if (Number(ids[0]?.[0] ?? 0) === 0) {
      await this.shards.command(0, `INSERT INTO ${this.database}.store_identity VALUES (${chString(randomUUID())})`);
    }
  }

  private exclusive<T>(call: () => Promise<T>): Promise<T> {
    const result = this.queue.then(call);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The saved records (migrations write them with their ids kept). */
  get documentStore(): Documents {
    return this.documents;
  }

  /** Events of a project across the cluster. */
  eventCount(project: string): Promise<number> {
    return this.count(`SELECT count() FROM ${this.t}.events WHERE project_id = ${chString(project)}`);
  }

  private get t(): string {
    return this.database;
  }

  /** The person any of whose distinct ids (or whose person id) is `id`, and all its ids, sorted. */
  private async personOf(project: string, id: string): Promise<{ personId: string; distinctIds: string[] }> {
    const p = chString(project);
    const [mapped] = await this.shards.rows(
      0,
      `SELECT person_id FROM ${this.t}.person_map FINAL WHERE project_id = ${p} AND distinct_id = ${chString(id)}`,
    );
    const personId = mapped ? (tsvField(mapped[0] as string) ?? id) : id;
    const ids = (
      await this.shards.rows(
        0,
        `SELECT distinct_id FROM ${this.t}.person_map FINAL WHERE project_id = ${p} AND person_id = ${chString(personId)}`,
      )
    ).map((r) => tsvField(r[0] as string) ?? '');
    return { personId, distinctIds: [...new Set([...ids, personId])].sort(compareBytes) };
  }

  private async count(sql: string): Promise<number> {
    const rows = await this.shards.rows(0, sql);
    return Number(rows[0]?.[0] ?? 0);
  }

  // ---- imports ----------------------------------------------------------------------------------------------

  importFile(kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
    return this.exclusive(() => this.writing(options.project, () => this.importEvents(kind, file, options)));
  }

  private async importEvents(kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
    if (kind !== 'events') return this.importDealTable(kind, file, options);
    const started = performance.now();
    const project = options.project;
    const scratch = await DuckDBStore.open({ path: ':memory:' });
    try {
      await scratch.ensureProject(project);
      await this.seedIdentities(scratch, project);
      // The project's own channel rules classify the new events, as on DuckDB.
      const rules = await this.documents.get(project, 'channel_settings', 'settings');
      if (rules) await scratch.setChannelSettings(project, rules.body);
      const summary = await scratch.importFile('events', file, options);
      const duplicates = await this.dropStoredMessages(scratch, project);
      const seqBase =
        (await this.count(`SELECT max(seq) FROM ${this.t}.events WHERE project_id = ${chString(project)}`)) + 1;
      const imported = await copyEvents(scratch.db, this.shards, this.t, project, { seqBase });
      // Identities after events: a crash in between only means the file is imported again (its messages are
      // then duplicates) and its links are derived again.
      await copyPersonMap(
        scratch.db,
        this.shards,
        this.t,
        project,
        nextVersion(),
        `(distinct_id, person_id) NOT IN (SELECT (distinct_id, person_id) FROM seed_person_map)`,
      );
      await scratch.db.run(
        `DELETE FROM identity_links WHERE (user_id, other_id) IN (SELECT (user_id, other_id) FROM seed_links)`,
      );
      await copyIdentityLinks(scratch.db, this.shards, this.t, project);
      const result: ImportSummary = {
        ...summary,
        imported,
        duplicates: summary.duplicates + duplicates,
        seconds: (performance.now() - started) / 1000,
      };
      await this.logImport(project, result);
      return result;
    } finally {
      this.loaded = null;
      await scratch.close();
    }
  }

  /**
   * Deals, deal stages or spend: the scratch store is seeded with the project's rows (so a re-export counts as
   * updates, as on DuckDB), imports the file with the embedded store's checks, and its rows are written back as a
   * newer version of each key.
   */
  private async importDealTable(kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
    const project = options.project;
    const scratch = await DuckDBStore.open({ path: ':memory:' });
    try {
      await scratch.ensureProject(project);
      await seedDealTables(scratch.db, this.shards, this.t, project);
      const summary = await scratch.importFile(kind, file, options);
      await numberNewRows(scratch.db, await nextRids(this.shards, this.t, project));
      await copyDealTables(scratch.db, this.shards, this.t, project, nextVersion());
      await this.logImport(project, summary);
      return summary;
    } finally {
      await this.workspace?.deals.close();
      this.workspace = null;
      this.loaded = null;
      await scratch.close();
    }
  }

  /** The deal side of the project (deal people, pipeline and KPI inputs) for the current data. */
  private async deals(project: string, known?: string): Promise<DealWorkspace> {
    const version = known ?? (await this.currentVersion(project));
    if (this.workspace?.project === project && this.workspace.version === version) return this.workspace.deals;
    const previous = this.workspace;
    this.workspace = null;
    await previous?.deals.close();
    const deals = await DealWorkspace.build(this.shards, this.t, project);
    this.workspace = { project, version, deals };
    return deals;
  }

  /** The project's identity links and person map, so the scratch store merges new ids as the store would. */
  private async seedIdentities(scratch: DuckDBStore, project: string): Promise<void> {
    const links = await this.shards.rows(
      0,
      `SELECT user_id, other_id, first_seen_us FROM ${this.t}.identity_links FINAL WHERE project_id = ${chString(project)}`,
    );
    const map = await this.shards.rows(
      0,
      `SELECT distinct_id, person_id FROM ${this.t}.person_map FINAL WHERE project_id = ${chString(project)}`,
    );
    const { listValue } = await import('@duckdb/node-api');
    const column = (rows: string[][], i: number) => listValue(rows.map((r) => tsvField(r[i] as string) ?? ''));
    if (links.length > 0)
      await scratch.db.run(
        `INSERT INTO identity_links SELECT $project, unnest($u), unnest($o), make_timestamp(CAST(unnest($t) AS BIGINT))`,
        { project, u: column(links, 0), o: column(links, 1), t: listValue(links.map((r) => BigInt(r[2] as string))) },
      );
    if (map.length > 0)
      await scratch.db.run(`INSERT INTO person_map SELECT $project, unnest($d), unnest($p)`, {
        project,
        d: column(map, 0),
        p: column(map, 1),
      });
    await scratch.db.run(`CREATE TEMP TABLE seed_person_map AS SELECT distinct_id, person_id FROM person_map`);
    await scratch.db.run(`CREATE TEMP TABLE seed_links AS SELECT user_id, other_id FROM identity_links`);
  }

  /** Removes from the scratch store the messages ClickHouse already holds (dedupe on message id); how many. */
  private async dropStoredMessages(scratch: DuckDBStore, project: string): Promise<number> {
    const ids = (await scratch.db.rows<{ message_id: string }>(`SELECT message_id FROM events`)).map(
      (r) => r.message_id,
    );
    if (ids.length === 0) return 0;
    const rows = await this.shards.withValues(this.t, ids, (table) =>
      this.shards.rows(
        0,
        `SELECT DISTINCT message_id FROM ${this.t}.events
         WHERE project_id = ${chString(project)} AND message_id GLOBAL IN (SELECT value FROM ${table})`,
      ),
    );
    const stored = rows.map((r) => tsvField(r[0] as string) ?? '');
    if (stored.length === 0) return 0;
    const { listValue } = await import('@duckdb/node-api');
    await scratch.db.run(`DELETE FROM events WHERE message_id IN (SELECT unnest($ids))`, { ids: listValue(stored) });
    return stored.length;
  }

  /** Events were removed (an erasure, the retention): a row in the import log moves the data version. */
  private logRemoval(project: string): Promise<void> {
    return this.logImport(project, {
      kind: 'erasure',
      file: '',
      format: '',
      rowsRead: 0,
      imported: 0,
      updated: 0,
      duplicates: 0,
      rejected: 0,
    });
  }

  /** An import's row in the log (or an erasure's, which moves the data version as an import does). */
  private async logImport(
    project: string,
    s: Pick<ImportSummary, 'file' | 'rowsRead' | 'imported' | 'updated' | 'duplicates' | 'rejected'> & {
      kind: ImportSummary['kind'] | 'erasure';
      format: string;
    },
  ): Promise<void> {
    const id = nextVersion();
    await this.shards.command(
      0,
      `INSERT INTO ${this.t}.import_log VALUES (${chString(project)}, ${chInt(id)}, ${chString(s.kind)},
         ${chString(s.file)}, ${chString(s.format)}, ${chInt(s.rowsRead)}, ${chInt(s.imported)}, ${chInt(s.updated)},
         ${chInt(s.duplicates)}, ${chInt(s.rejected)}, ${chInt(Date.now() * 1000)})`,
    );
  }

  // ---- the engine's columns --------------------------------------------------------------------------------

  dataVersion(project: string): Promise<string> {
    return this.exclusive(() => this.currentVersion(project));
  }

  private async currentVersion(project: string): Promise<string> {
    const p = chString(project);
    const rows = await this.shards.rows(
      0,
      `SELECT (SELECT any(store_id) FROM ${this.t}.store_identity),
              (SELECT max(import_id) FROM ${this.t}.import_log WHERE project_id = ${p}),
              (SELECT count() FROM ${this.t}.events WHERE project_id = ${p}),
              (SELECT max(seq) FROM ${this.t}.events WHERE project_id = ${p}),
              (SELECT max(version) FROM ${this.t}.person_map WHERE project_id = ${p}),
              (SELECT max(version) FROM ${this.t}.deals WHERE project_id = ${p}),
              (SELECT max(version) FROM ${this.t}.deal_stage_changes WHERE project_id = ${p}),
              (SELECT max(version) FROM ${this.t}.spend WHERE project_id = ${p})`,
    );
    return (rows[0] ?? []).join(':');
  }

  loadEventColumns(project: string): Promise<EventColumns> {
    return this.exclusive(async () => (await this.columns(project)).columns);
  }

  private async columns(project: string): Promise<LoadedColumns> {
    const version = await this.currentVersion(project);
    if (this.loaded?.project === project && this.loaded.version === version) return this.loaded.data;
    const events = await this.eventCount(project);
    const stageChanges = await this.count(
      `SELECT count() FROM ${this.t}.deal_stage_changes WHERE project_id = ${chString(project)}`,
    );
    const stages = stageChanges === 0 ? Promise.resolve([]) : this.deals(project, version).then((d) => d.stageRows());
    // Keep a failure of the deal side for loadColumns to throw (not an unhandled rejection meanwhile).
    stages.catch(() => undefined);
    const data = await loadColumns(this.shards, this.t, project, events, stageChanges > 0, stages);
    this.loaded = { project, version, data };
    return data;
  }

  /**
   * A project above `batch_events` events as batches of whole persons with the value columns asked for
   * (docs/clickhouse.md, "Bounded memory"): each shard sends its persons' rows in key order, with each value as a
   * code against a dictionary listed first; the coordinator merges the streams and holds one batch at a time.
   * Null for a smaller project (it is loaded whole and kept), or when a dictionary is too large to send.
   */
  streamPersons(project: string, request: PersonStreamRequest): Promise<PersonStream | null> {
    return this.exclusive(async () => {
      const events = await this.eventCount(project);
      if (events <= this.batchEvents) return null;
      const p = chString(project);
      const stageChanges = await this.count(`SELECT count() FROM ${this.t}.deal_stage_changes WHERE project_id = ${p}`);
      const deals = stageChanges > 0 ? await this.deals(project) : null;
      const stageRows = deals ? await deals.stageRows() : [];
      const extra: StreamValues = { events: [], persons: [] };
      for (const source of request.eventValues) {
        const column = await this.streamedValues(project, source, deals);
        if (!column) return null;
        extra.events.push(column);
      }
      for (const property of request.personValues) {
        // A trait as identify calls set it: the same rows as the whole load's person values read.
        const { value, has } = valueSqlOf({ kind: 'identify', property });
        const values = await this.distinctValues(project, value, has, []);
        if (values.length > maxLiteralDictionary) return null;
        extra.persons.push({ property, sql: codeSql(values, value, has), values: [null, ...values] });
      }
      const behaviour = `NOT has(${chStrings([...identityEventNames])}, event)`;
      const [range] = await this.shards.rows(
        0,
        `SELECT min(ts_us), max(ts_us), maxIf(ts_us, ${behaviour}), countIf(${behaviour})
         FROM ${this.t}.events WHERE project_id = ${p}`,
      );
      let lo = Number(range?.[0]);
      let hi = Number(range?.[1]);
      let last = Number(range?.[3]) > 0 ? Number(range?.[2]) : Number.NEGATIVE_INFINITY;
      for (const stage of stageRows) {
        lo = Math.min(lo, stage.enteredUs);
        hi = Math.max(hi, stage.enteredUs);
        last = Math.max(last, stage.enteredUs);
      }
      const eventNames = await eventNamesOf(this.shards, this.t, project, stageChanges > 0);
      return {
        span: { lo, hi },
        lastEventUs: last,
        eventNames,
        batches: streamBatches(this.shards, this.t, project, eventNames, stageRows, extra, this.batchEvents),
      };
    });
  }

  /** A streamed event value column's SQL, dictionary and stage-row codes; null when the dictionary is too large. */
  private async streamedValues(
    project: string,
    source: EventValueSource,
    deals: DealWorkspace | null,
  ): Promise<StreamValues['events'][number] | null> {
    const key = valueSourceKey(source);
    if (source.kind === 'group') {
      const traits = await this.groupTraits(project, source.groupType, source.property);
      if (traits.size > maxLiteralDictionary) return null;
      const values = [...new Set(traits.values())].sort(compareBytes);
      const codeOf = new Map(values.map((v, i) => [v, i + 1]));
      const keys = [...traits.keys()];
      const type = chString(source.groupType);
      const sql =
        keys.length === 0
          ? '0'
          : `if(has(group_types, ${type}), transform(group_keys[indexOf(group_types, ${type})], ${chStrings(keys)},
               [${keys.map((k) => chInt(codeOf.get(traits.get(k) as string) as number)).join(',')}], 0), 0)`;
      return { key, sql, values: [null, ...values], stageCodes: new Map() };
    }
    const stages =
      source.kind === 'event' && deals ? await deals.stageValues(source.property) : new Map<number, string>();
    const { value, has } = valueSqlOf(source);
    const values = await this.distinctValues(project, value, has, stages.values());
    if (values.length > maxLiteralDictionary) return null;
    const codeOf = new Map(values.map((v, i) => [v, i + 1]));
    const stageCodes = new Map([...stages].map(([rid, v]) => [rid, codeOf.get(v) as number]));
    return { key, sql: codeSql(values, value, has), values: [null, ...values], stageCodes };
  }

  /** The distinct values of rows that have one (and `more`), in byte order as DuckDB's ORDER BY value. */
  private async distinctValues(project: string, value: string, has: string, more: Iterable<string>): Promise<string[]> {
    const distinct = new Set<string>(more);
    await this.eachShard(
      `SELECT DISTINCT ${value} FROM ${this.t}.events_local WHERE project_id = ${chString(project)} AND (${has})`,
      (fields) => {
        distinct.add(tsvField(fields[0] as string) ?? '');
      },
    );
    return [...distinct].sort(compareBytes);
  }

  private lastLoad(project: string): LoadedColumns {
    if (this.loaded?.project !== project) {
      throw new FunnelscopeError('internal', 'property values asked for before the event columns');
    }
    return this.loaded.data;
  }

  loadEventValues(project: string, source: EventValueSource): Promise<DictionaryColumn> {
    return this.exclusive(async () => {
      const loaded = this.lastLoad(project);
      const entries: [number, string][] = [];
      if (source.kind === 'group') {
        const traits = await this.groupTraits(project, source.groupType, source.property);
        const key = `group_keys[indexOf(group_types, ${chString(source.groupType)})]`;
        await this.eachShard(
          `SELECT seq, ${key} FROM ${this.t}.events_local
           WHERE project_id = ${chString(project)} AND has(group_types, ${chString(source.groupType)})`,
          (fields) => {
            const value = traits.get(tsvField(fields[1] as string) ?? '');
            if (value !== undefined) entries.push([rowOfSeq(loaded, Number(fields[0])), value]);
          },
        );
      } else {
        const stages =
          source.kind === 'event' && loaded.stageRow.size > 0
            ? await (await this.deals(project)).stageValues(source.property)
            : new Map<number, string>();
        const rows = this.valueSql(project, source);
        // The dictionary first (each shard's distinct values), then only (seq, code) pairs cross the network.
        const { value, has } = valueSqlOf(source);
        const values = await this.distinctValues(project, value, has, stages.values());
        if (values.length > maxLiteralDictionary) {
          await this.eachShard(rows, (fields) => {
            const value = tsvField(fields[1] as string);
            if (value !== null) entries.push([rowOfSeq(loaded, Number(fields[0])), value]);
          });
          for (const [rid, value] of stages) entries.push([loaded.stageRow.get(rid) ?? -1, value]);
          return encodeByPosition(loaded.columns.eventCount, entries);
        }
        const codes = sharedInt32(loaded.columns.eventCount);
        await Promise.all(
          Array.from({ length: this.shards.count }, async (_, i) => {
            for await (const batch of this.shards.lineBatches(
              i,
              `SELECT seq, indexOf(${chStrings(values)}, value) FROM (${rows})`,
            )) {
              for (const line of batch) {
                const [seq, code] = twoIntegers(line);
                const at = rowOfSeq(loaded, seq);
                if (at >= 0) codes[at] = code;
              }
            }
          }),
        );
        const codeOf = new Map(values.map((v, i) => [v, i + 1]));
        for (const [rid, value] of stages) {
          const at = loaded.stageRow.get(rid);
          if (at !== undefined) codes[at] = codeOf.get(value) as number;
        }
        return { codes, values: [null, ...values] };
      }
      return encodeByPosition(loaded.columns.eventCount, entries);
    });
  }

  /** (seq, value) of the events with a value from `source` (one shard's rows: events_local). */
  private valueSql(project: string, source: Exclude<EventValueSource, { kind: 'group' }>): string {
    const { value, has } = valueSqlOf(source);
    return `SELECT seq, ${value} AS value FROM ${this.t}.events_local
            WHERE project_id = ${chString(project)} AND (${has})`;
  }

  /** A group trait by group key: the latest group call of that type and key that set it (across the cluster). */
  private async groupTraits(project: string, groupType: string, property: string): Promise<Map<string, string>> {
    const key = chString(property);
    const rows = await this.shards.rows(
      0,
      `SELECT group_keys[indexOf(group_types, 'company')] AS group_key,
              argMax(prop_values[indexOf(prop_keys, ${key})], (ts_us, seq))
       FROM ${this.t}.events
       WHERE project_id = ${chString(project)} AND type = 'group' AND has(prop_keys, ${key})
         AND has(group_types, 'company')
         AND if(has(prop_keys, '$group_type'), prop_values[indexOf(prop_keys, '$group_type')], 'company') = ${chString(groupType)}
       GROUP BY group_key`,
    );
    return new Map(rows.map((r) => [tsvField(r[0] as string) ?? '', tsvField(r[1] as string) ?? '']));
  }

  private async eachShard(sql: string, row: (fields: string[]) => void): Promise<void> {
    await Promise.all(
      Array.from({ length: this.shards.count }, async (_, i) => {
        for await (const line of this.shards.lines(i, sql)) row(line.split('\t'));
      }),
    );
  }

  loadPersonKeys(project: string): Promise<DictionaryColumn> {
    return this.exclusive(async () => {
      const loaded = this.lastLoad(project);
      const codes = new Int32Array(new SharedArrayBuffer(4 * loaded.personKeys.length));
      for (let i = 0; i < codes.length; i += 1) codes[i] = i + 1;
      return { codes, values: [null, ...loaded.personKeys] };
    });
  }

  loadPersonValues(project: string, property: string): Promise<DictionaryColumn> {
    return this.exclusive(async () => {
      const loaded = this.lastLoad(project);
      const { value, has } = valueSqlOf({ kind: 'identify', property });
      const sql = `SELECT person_key, argMax(value, (ts_us, seq)), max((ts_us, seq)) FROM (
                     ${personEventsSql(this.t, project, `${value} AS value, ts_us, seq`, has)}
                   ) GROUP BY person_key`;
      const latest = new Map<string, { value: string; ts: number; seq: number }>();
      await this.eachShard(sql, (fields) => {
        const person = tsvField(fields[0] as string) ?? '';
        const [ts, seq] = (fields[2] as string).slice(1, -1).split(',').map(Number) as [number, number];
        const known = latest.get(person);
        if (!known || ts > known.ts || (ts === known.ts && seq > known.seq)) {
          latest.set(person, { value: tsvField(fields[1] as string) ?? '', ts, seq });
        }
      });
      const indexOf = new Map(loaded.personKeys.map((k, i) => [k, i]));
      return encodeByPosition(
        loaded.personKeys.length,
        [...latest].map(([person, v]) => [indexOf.get(person) ?? -1, v.value] as const),
      );
    });
  }

  // ---- reads --------------------------------------------------------------------------------------------------

  counts(project: string): Promise<StoreCounts> {
    return this.exclusive(async () => {
      const p = chString(project);
      const [row] = await this.shards.rows(
        0,
        `SELECT count(), min(ts_us), max(ts_us), uniqExact(distinct_id) FROM ${this.t}.events WHERE project_id = ${p}`,
      );
      const events = Number(row?.[0] ?? 0);
      const iso = (us: string | undefined) => (events === 0 ? null : isoOfMicros(us));
      const [ids] = await this.shards.rows(
        0,
        `SELECT uniqExact(person_key) FROM (
           SELECT if(m.person_id = '', d.distinct_id, m.person_id) AS person_key
           FROM (SELECT DISTINCT distinct_id FROM ${this.t}.events WHERE project_id = ${p}) AS d
           ANY LEFT JOIN (SELECT distinct_id, person_id FROM ${this.t}.person_map FINAL WHERE project_id = ${p}) AS m
           USING distinct_id)`,
      );
      const [deals] = await this.shards.rows(
        0,
        `SELECT (SELECT count() FROM ${this.t}.deals FINAL WHERE project_id = ${p}),
                (SELECT count() FROM ${this.t}.deal_stage_changes FINAL WHERE project_id = ${p}),
                (SELECT count() FROM ${this.t}.spend FINAL WHERE project_id = ${p})`,
      );
      return {
        events,
        persons: Number(ids?.[0] ?? 0),
        distinctIds: Number(row?.[3] ?? 0),
        deals: Number(deals?.[0] ?? 0),
        dealStageChanges: Number(deals?.[1] ?? 0),
        spendRows: Number(deals?.[2] ?? 0),
        firstEvent: iso(row?.[1]),
        lastEvent: iso(row?.[2]),
      };
    });
  }

  /** As the embedded store's getPerson (get-person.ts), field for field. */
  getPerson(project: string, id: string): Promise<PersonReport | undefined> {
    return this.exclusive(async () => {
      const p = chString(project);
      const { personId, distinctIds } = await this.personOf(project, id);
      const where = `project_id = ${p} AND has(${chStrings(distinctIds)}, distinct_id)`;
      const [summary] = await this.shards.rows(
        0,
        `SELECT count(), min(ts_us), max(ts_us) FROM ${this.t}.events WHERE ${where}`,
      );
      const eventCount = Number(summary?.[0] ?? 0);
      if (eventCount === 0 && distinctIds.length === 1) return undefined;
      const identifies = await this.shards.rows(
        0,
        `SELECT properties FROM ${this.t}.events WHERE ${where} AND type = 'identify'
         ORDER BY ts_us, received_us, message_id`,
      );
      const traits = mergeTraits(identifies.map((r) => ({ traits: tsvField(r[0] as string) || 'null' })));
      const groups: Record<string, string[]> = {};
      const groupRows = await this.shards.rows(
        0,
        `SELECT DISTINCT type_, key_ FROM ${this.t}.events ARRAY JOIN group_types AS type_, group_keys AS key_
         WHERE ${where} ORDER BY type_, key_`,
      );
      for (const r of groupRows) {
        const type = tsvField(r[0] as string) ?? '';
        setOwn(groups, type, [...(getOwn(groups, type) ?? []), tsvField(r[1] as string) ?? '']);
      }
      const recent = await this.shards.rows(
        0,
        `SELECT ts_us, event, distinct_id FROM ${this.t}.events WHERE ${where} ORDER BY ts_us DESC, message_id LIMIT 10`,
      );
      return {
        personId,
        distinctIds,
        traits,
        firstSeen: eventCount === 0 ? null : isoOfMicros(summary?.[1]),
        lastSeen: eventCount === 0 ? null : isoOfMicros(summary?.[2]),
        eventCount,
        groups,
        deals: await (await this.deals(project)).personDeals(personId),
        recentEvents: recent.map((r) => ({
          ts: isoOfMicros(r[0]) as string,
          event: tsvField(r[1] as string) ?? '',
          distinctId: tsvField(r[2] as string) ?? '',
        })),
      };
    });
  }

  /**
   * As the embedded store's deletePerson (delete-person.ts): the same rows go, as ClickHouse mutations on every
   * shard (events, person map) and on the first (identity links; the deals' user id and e-mail set to NULL),
   * waited for until done, so no report reads the person afterwards. An `erasure` row in the import log moves the
   * data version.
   */
  deletePerson(project: string, id: string): Promise<PersonErasure | undefined> {
    return this.exclusive(async () => {
      const p = chString(project);
      const { distinctIds } = await this.personOf(project, id);
      const ids = chStrings(distinctIds);
      const eventsWhere = `project_id = ${p} AND (has(${ids}, distinct_id) OR has(${ids}, ifNull(user_id, ''))
        OR has(${ids}, ifNull(anonymous_id, '')))`;
      const identifies = await this.shards.rows(
        0,
        `SELECT properties FROM ${this.t}.events WHERE ${eventsWhere} AND type = 'identify'`,
      );
      const emails = new Set<string>();
      for (const r of identifies) {
        const email = (mergeTraits([{ traits: tsvField(r[0] as string) || 'null' }]) as { email?: unknown }).email;
        if (typeof email === 'string') emails.add(email.trim().toLowerCase());
      }
      // 18.16 has no trim(): spaces around the id or e-mail go by regular expression.
      const trimmed = (column: string) => `replaceRegexpAll(ifNull(${column}, ''), '^\\\\s+|\\\\s+$', '')`;
      const dealsWhere = `project_id = ${p} AND (has(${ids}, ${trimmed('user_id')})
        OR has(${chStrings([...emails])}, lower(${trimmed('email')})))`;
      const linksWhere = `project_id = ${p} AND (has(${ids}, user_id) OR has(${ids}, other_id))`;
      const mapWhere = `project_id = ${p} AND (has(${ids}, distinct_id) OR has(${ids}, person_id))`;
      const count = async (sql: string) => Number((await this.shards.rows(0, sql))[0]?.[0] ?? 0);
      const erasure: PersonErasure = {
        distinctIds: distinctIds.length,
        events: await count(`SELECT count() FROM ${this.t}.events WHERE ${eventsWhere}`),
        identityLinks: await count(`SELECT count() FROM ${this.t}.identity_links FINAL WHERE ${linksWhere}`),
        // Every shard holds the whole map (each joins its own events to it): counted once, deleted on each.
        personMap: await count(`SELECT count() FROM ${this.t}.person_map FINAL WHERE ${mapWhere}`),
        dealsUnlinked: await count(`SELECT count() FROM ${this.t}.deals FINAL WHERE ${dealsWhere}`),
      };
      if (erasure.events + erasure.identityLinks + erasure.personMap + erasure.dealsUnlinked === 0) return undefined;
      for (let i = 0; i < this.shards.count; i += 1) {
        await this.shards.command(i, `ALTER TABLE ${this.t}.events_local DELETE WHERE ${eventsWhere}`);
        await this.shards.command(i, `ALTER TABLE ${this.t}.person_map DELETE WHERE ${mapWhere}`);
      }
      await this.shards.command(0, `ALTER TABLE ${this.t}.identity_links DELETE WHERE ${linksWhere}`);
      await this.shards.command(
        0,
        `ALTER TABLE ${this.t}.deals UPDATE user_id = NULL, email = NULL WHERE ${dealsWhere}`,
      );
      await this.mutationsDone();
      await this.logRemoval(project);
      return erasure;
    });
  }

  retentionDays(project: string): Promise<number | null> {
    return this.exclusive(async () => {
      const doc = await this.documents.get(project, 'retention', 'days');
      return (doc?.body as { days?: number } | undefined)?.days ?? null;
    });
  }

  setRetentionDays(project: string, days: number | null): Promise<void> {
    return this.exclusive(async () => {
      if (days === null) await this.documents.remove(project, 'retention', 'days');
      else await this.documents.put(project, 'retention', 'days', { days });
    });
  }

  projectsWithRetention(): Promise<string[]> {
    return this.exclusive(() => this.documents.projects('retention'));
  }

  deleteEventsBefore(project: string, before: string): Promise<number> {
    return this.exclusive(async () => {
      const where = `project_id = ${chString(project)} AND ts_us < ${chInt(Date.parse(before) * 1000)}`;
      const n = Number((await this.shards.rows(0, `SELECT count() FROM ${this.t}.events WHERE ${where}`))[0]?.[0] ?? 0);
      if (n === 0) return 0;
      for (let i = 0; i < this.shards.count; i += 1) {
        await this.shards.command(i, `ALTER TABLE ${this.t}.events_local DELETE WHERE ${where}`);
      }
      await this.mutationsDone();
      await this.logRemoval(project);
      return n;
    });
  }

  /**
   * A backup as a DuckDB file (backup-to-duckdb.ts): every event up to each project's highest seq at the start,
   * and the records as they are. Not in the store's queue: it reads through the store's own methods.
   */
  async backup(path: string): Promise<void> {
    const { backupClickHouse } = await import('./backup-to-duckdb.js');
    return backupClickHouse(this, path);
  }

  /** Waits until every shard has applied its mutations (ALTER … DELETE / UPDATE run in the background). */
  private async mutationsDone(timeoutMs = 300_000): Promise<void> {
    const started = Date.now();
    for (let i = 0; i < this.shards.count; i += 1) {
      for (;;) {
        // (18.16's system.mutations has no fail reason to report; a stuck mutation shows as the timeout.)
        const [row] = await this.shards.rows(
          i,
          `SELECT count() FROM system.mutations WHERE database = ${chString(this.database)} AND is_done = 0`,
        );
        if (Number(row?.[0] ?? 0) === 0) break;
        if (Date.now() - started > timeoutMs) {
          throw new FunnelscopeError('store_error', `shard ${i + 1}: erasing did not finish in ${timeoutMs / 1000} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  dealRecords(project: string): Promise<DealRecords> {
    return this.exclusive(async () => (await this.deals(project)).dealRecords());
  }

  spendAndDeals(project: string): Promise<SpendAndDeals> {
    return this.exclusive(async () => (await this.deals(project)).spendAndDeals());
  }

  recentEvents(
    project: string,
    sinceMs: number,
    limit: number,
  ): Promise<{ events: RecentEvent[]; perMinute: { minute: string; events: number }[] }> {
    return this.exclusive(async () => {
      const where = `project_id = ${chString(project)} AND received_us >= ${chInt(Math.floor(sinceMs) * 1000)}`;
      const rows = await this.shards.rows(
        0,
        `SELECT received_us, ts_us, type, event, distinct_id, path FROM ${this.t}.events WHERE ${where}
         ORDER BY received_us DESC, seq DESC LIMIT ${chInt(limit)}`,
      );
      const minutes = await this.shards.rows(
        0,
        `SELECT intDiv(received_us, 60000000) AS minute, count() FROM ${this.t}.events WHERE ${where}
         GROUP BY minute ORDER BY minute`,
      );
      return {
        events: rows.map((r) => ({
          receivedAt: isoOfMicros(r[0]) as string,
          ts: isoOfMicros(r[1]) as string,
          type: tsvField(r[2] as string) ?? '',
          event: tsvField(r[3] as string) ?? '',
          distinctId: tsvField(r[4] as string) ?? '',
          path: tsvField(r[5] as string),
        })),
        perMinute: minutes.map((m) => ({
          minute: new Date(Number(m[0]) * 60_000).toISOString(),
          events: Number(m[1]),
        })),
      };
    });
  }

  /**
   * As the embedded store's catalog (get-catalog.ts): the typed columns and property keys of the data's last 30
   * days, scaled to all events (every recent event is counted here: ClickHouse scans them in parallel), and the
   * deal stages by the same query over the deal tables.
   */
  catalog(project: string): Promise<Catalog> {
    return this.exclusive(async () => {
      const p = chString(project);
      const recent = `project_id = ${p} AND ts_us >= (SELECT max(ts_us) FROM ${this.t}.events WHERE project_id = ${p}) - ${chInt(30 * 86_400_000_000)}`;
      const [typed] = await this.shards.rows(
        0,
        `SELECT (SELECT count() FROM ${this.t}.events WHERE project_id = ${p}), count(),
                ${typedColumns.map((c) => `count(${c})`).join(', ')}
         FROM ${this.t}.events WHERE ${recent}`,
      );
      const keys = await this.shards.rows(
        0,
        `SELECT key_, count() FROM ${this.t}.events ARRAY JOIN prop_keys AS key_ WHERE ${recent} GROUP BY key_`,
      );
      const properties = catalogProperties(
        Number(typed?.[0] ?? 0),
        Number(typed?.[1] ?? 0),
        (c) => Number(typed?.[2 + typedColumns.indexOf(c as (typeof typedColumns)[number])] ?? 0),
        keys.map((r) => ({ key: tsvField(r[0] as string) ?? '', n: Number(r[1]) })),
      );
      const deals = await this.deals(project);
      return { properties, dealStages: await getDealStages(deals.scratch.db, project) };
    });
  }

  personTraitNames(project: string, limit: number): Promise<string[]> {
    return this.exclusive(async () =>
      (
        await this.shards.rows(
          0,
          `SELECT key_, count() AS n FROM ${this.t}.events ARRAY JOIN prop_keys AS key_
           WHERE project_id = ${chString(project)} AND type = 'identify' AND NOT startsWith(message_id, 'score:')
           GROUP BY key_ ORDER BY n DESC, key_ LIMIT ${chInt(limit)}`,
        )
      ).map((r) => tsvField(r[0] as string) ?? ''),
    );
  }

  recentImports(project: string, limit: number): Promise<ImportLogEntry[]> {
    return this.exclusive(async () =>
      (
        await this.shards.rows(
          0,
          `SELECT kind, file, imported, finished_us FROM ${this.t}.import_log
           WHERE project_id = ${chString(project)} AND kind != 'erasure'
           ORDER BY import_id DESC LIMIT ${chInt(limit)}`,
        )
      ).map((r) => ({
        kind: tsvField(r[0] as string) ?? '',
        file: tsvField(r[1] as string) ?? '',
        imported: Number(r[2]),
        finishedAt: isoOfMicros(r[3]) as string,
      })),
    );
  }

  // ---- documents: keys, settings, saved funnels, goals, alerts, models -----------------------------------------

  async createProjectKeys(project: string): Promise<ProjectKeys> {
    const write = await this.createApiKey(project, 'write', null);
    const read = await this.createApiKey(project, 'read', null);
    return { project, writeKey: write.key, readKey: read.key };
  }

  createApiKey(project: string, role: KeyRole, label: string | null): Promise<{ key: string; info: ApiKeyInfo }> {
    return this.exclusive(async () => {
      const key = newKey(role);
      const doc = await this.documents.put(project, 'api_key', hashKey(key), {
        kind: role,
        prefix: keyPrefix(key),
        label,
        revokedAt: null,
      });
      return { key, info: keyInfo(project, doc) };
    });
  }

  listApiKeys(project: string): Promise<ApiKeyInfo[]> {
    return this.exclusive(async () => (await this.documents.list(project, 'api_key')).map((d) => keyInfo(project, d)));
  }

  revokeApiKey(project: string, id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const doc = (await this.documents.list(project, 'api_key')).find(
        (d) => keyId(d.id) === id && (d.body as KeyBody).revokedAt === null,
      );
      if (!doc) return false;
      await this.documents.put(project, 'api_key', doc.id, {
        ...(doc.body as KeyBody),
        revokedAt: new Date().toISOString(),
      });
      return true;
    });
  }

  keyOwner(key: string): Promise<KeyOwner | undefined> {
    return this.exclusive(async () => {
      const hash = hashKey(key);
      const rows = await this.shards.rows(
        0,
        `SELECT project_id, body FROM ${this.t}.documents FINAL
         WHERE kind = 'api_key' AND id = ${chString(hash)} AND deleted = 0`,
      );
      const row = rows[0];
      if (!row) return undefined;
      const body = JSON.parse(tsvField(row[1] as string) ?? '{}') as KeyBody;
      if (body.revokedAt !== null && body.revokedAt !== undefined) return undefined;
      return { id: keyId(hash), project: tsvField(row[0] as string) ?? '', role: body.kind };
    });
  }

  hasKey(project: string, role: KeyRole): Promise<boolean> {
    return this.exclusive(async () =>
      (await this.documents.list(project, 'api_key')).some((d) => {
        const body = d.body as KeyBody;
        return body.kind === role && (body.revokedAt ?? null) === null;
      }),
    );
  }

  // Users and the audit log are server-wide: their documents belong to the project '' (no project has that name).

  listUsers(): Promise<UserRecord[]> {
    return this.exclusive(async () =>
      (await this.documents.list('', 'user'))
        .map((d) => userOf(d))
        .sort((a, b) => (a.email < b.email ? -1 : 1))
        .map(({ passwordHash: _, ...user }) => user),
    );
  }

  getUser(email: string): Promise<StoredUser | undefined> {
    return this.exclusive(async () => {
      const doc = await this.documents.get('', 'user', email);
      return doc ? userOf(doc) : undefined;
    });
  }

  putUser(user: Omit<StoredUser, 'createdAt' | 'updatedAt'>): Promise<UserRecord> {
    return this.exclusive(async () => {
      const doc = await this.documents.put('', 'user', user.email, {
        role: user.role,
        projects: user.projects,
        passwordHash: user.passwordHash,
      });
      const { passwordHash: _, ...record } = userOf(doc);
      return record;
    });
  }

  removeUser(email: string): Promise<boolean> {
    return this.exclusive(() => this.documents.remove('', 'user', email));
  }

  recordAudit(entry: AuditEntry): Promise<void> {
    return this.exclusive(async () => {
      await this.documents.put(entry.project ?? '', 'audit', `${entry.at}:${randomUUID()}`, entry, entry.at);
    });
  }

  auditLog(project: string | null, limit: number): Promise<AuditEntry[]> {
    return this.exclusive(async () => {
      const docs =
        project === null
          ? await this.documents.newest('audit', limit)
          : (await this.documents.list(project, 'audit')).reverse().slice(0, Math.max(0, limit));
      return docs.map((d) => d.body as AuditEntry);
    });
  }

  channelSettings(project: string): Promise<ChannelSettings> {
    return this.exclusive(async () => {
      const doc = await this.documents.get(project, 'channel_settings', 'settings');
      return doc ? parseChannelSettings(doc.body) : { rules: [], referralExclusions: [] };
    });
  }

  async setChannelSettings(
    _project: string,
    _settings: unknown,
  ): Promise<{ settings: ChannelSettings; events: number }> {
    throw new FunnelscopeError(
      'invalid_argument',
      'the ClickHouse store does not classify stored events again yet: set channel rules before migrating',
      { field: 'settings' },
    );
  }

  listFunnels(project: string): Promise<SavedFunnel[]> {
    return this.exclusive(async () => this.funnels(project));
  }

  private async funnels(project: string): Promise<SavedFunnel[]> {
    const docs = await this.documents.list(project, 'funnel');
    return docs
      .map((d) => {
        const body = d.body as { name: string; definition: unknown };
        return {
          id: d.id,
          name: body.name,
          definition: body.definition,
          createdAt: d.createdAt,
          updatedAt: d.updatedAt,
        };
      })
      .sort(
        (a, b) => compareBytes(a.name.toLowerCase(), b.name.toLowerCase()) || a.createdAt.localeCompare(b.createdAt),
      );
  }

  saveFunnel(project: string, name: string, definition: unknown): Promise<SavedFunnel> {
    return this.exclusive(async () => {
      const doc = await this.documents.put(project, 'funnel', randomUUID(), { name, definition });
      return { id: doc.id, name, definition, createdAt: doc.createdAt, updatedAt: doc.updatedAt };
    });
  }

  updateFunnel(
    project: string,
    id: string,
    change: { name?: string; definition?: unknown },
  ): Promise<SavedFunnel | undefined> {
    return this.exclusive(async () => {
      const doc = await this.documents.get(project, 'funnel', id);
      if (!doc) return undefined;
      const body = doc.body as { name: string; definition: unknown };
      const next = { name: change.name ?? body.name, definition: change.definition ?? body.definition };
      const saved = await this.documents.put(project, 'funnel', id, next);
      return { id, ...next, createdAt: saved.createdAt, updatedAt: saved.updatedAt };
    });
  }

  deleteFunnel(project: string, id: string): Promise<boolean> {
    return this.exclusive(() => this.documents.remove(project, 'funnel', id));
  }

  saveScoringModel(project: string, name: string, model: unknown): Promise<void> {
    return this.exclusive(async () => {
      await this.documents.remove(project, 'scoring_model', name);
      await this.documents.put(project, 'scoring_model', name, model);
    });
  }

  getScoringModel(project: string, name: string): Promise<unknown | undefined> {
    return this.exclusive(async () => (await this.documents.get(project, 'scoring_model', name))?.body);
  }

  listScoringModels(project: string): Promise<{ name: string; trainedAt: string }[]> {
    return this.exclusive(async () =>
      (await this.documents.list(project, 'scoring_model'))
        .map((d) => ({ name: d.id, trainedAt: toSeconds(d.updatedAt) }))
        .sort((a, b) => b.trainedAt.localeCompare(a.trainedAt) || compareBytes(a.name, b.name)),
    );
  }

  listGoals(project: string): Promise<Goal[]> {
    return this.exclusive(async () =>
      (await this.documents.list(project, 'goal')).map((d) => ({
        ...(d.body as GoalDefinition),
        id: d.id,
        createdAt: toSeconds(d.createdAt),
      })),
    );
  }

  addGoal(project: string, goal: GoalDefinition): Promise<Goal> {
    return this.exclusive(async () => {
      const doc = await this.documents.put(project, 'goal', randomUUID().slice(0, 8), goal);
      return { ...goal, id: doc.id, createdAt: toSeconds(doc.createdAt) };
    });
  }

  deleteGoal(project: string, id: string): Promise<boolean> {
    return this.exclusive(() => this.documents.remove(project, 'goal', id));
  }

  projectsWithAlertRules(): Promise<string[]> {
    return this.exclusive(() => this.documents.projects('alert_rule'));
  }

  listAlertRules(project: string): Promise<{ rule: AlertRule; state: AlertState }[]> {
    return this.exclusive(async () =>
      (await this.documents.list(project, 'alert_rule')).map((d) => {
        const body = d.body as { rule: AlertRuleDefinition; state: AlertState };
        return { rule: { ...body.rule, id: d.id, createdAt: toSeconds(d.createdAt) }, state: body.state };
      }),
    );
  }

  addAlertRule(project: string, rule: AlertRuleDefinition): Promise<AlertRule> {
    return this.exclusive(async () => {
      const state: AlertState = { lastRunMs: null, incident: null };
      const doc = await this.documents.put(project, 'alert_rule', randomUUID().slice(0, 8), { rule, state });
      return { ...rule, id: doc.id, createdAt: toSeconds(doc.createdAt) };
    });
  }

  deleteAlertRule(project: string, id: string): Promise<boolean> {
    return this.exclusive(() => this.documents.remove(project, 'alert_rule', id));
  }

  setAlertState(project: string, id: string, state: AlertState): Promise<void> {
    return this.exclusive(async () => {
      const doc = await this.documents.get(project, 'alert_rule', id);
      if (!doc) return;
      const body = doc.body as { rule: AlertRuleDefinition; state: AlertState };
      await this.documents.put(project, 'alert_rule', id, { rule: body.rule, state });
    });
  }

  recordAlert(project: string, entry: AlertRecord): Promise<void> {
    return this.exclusive(async () => {
      await this.documents.put(project, 'alert_history', `${entry.at}:${randomUUID()}`, entry);
    });
  }

  alertHistory(project: string, limit: number): Promise<AlertRecord[]> {
    return this.exclusive(async () =>
      (await this.documents.list(project, 'alert_history'))
        .map((d) => d.body as AlertRecord)
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, limit),
    );
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.workspace?.deals.close();
      this.workspace = null;
      // A clean close gives the writer lease up at once (an unreachable first shard leaves it to expire).
      await this.lease.release().catch(() => undefined);
      await this.shards.close();
    });
  }
}

interface KeyBody {
  kind: KeyRole;
  prefix: string;
  label?: string | null;
  revokedAt?: string | null;
}

/** A key as listed, from its document (the document's id is the key's hash). */
export function keyInfo(project: string, doc: StoredDocument): ApiKeyInfo {
  const body = doc.body as KeyBody;
  return {
    id: keyId(doc.id),
    project,
    role: body.kind,
    prefix: body.prefix,
    label: body.label ?? null,
    createdAt: doc.createdAt,
    revokedAt: body.revokedAt ?? null,
  };
}

/** A user with its password hash, from its document (the document's id is the email). */
export function userOf(doc: StoredDocument): StoredUser {
  const body = doc.body as { role: UserRole; projects: string[] | null; passwordHash: string };
  return {
    email: doc.id,
    role: body.role,
    projects: body.projects,
    passwordHash: body.passwordHash,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
