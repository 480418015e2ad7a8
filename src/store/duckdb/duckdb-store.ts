import { randomUUID } from 'node:crypto';
import type { AlertRule, AlertRuleDefinition, AlertState } from '../../analysis/alerts/alerts.js';
import type { Goal, GoalDefinition } from '../../analysis/goals/goals.js';
import type { Catalog } from '../../model/catalog.js';
import { type ChannelSettings, parseChannelSettings } from '../../model/channel-settings.js';
import type { DealRecords } from '../../model/deals.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { ImportKind, ImportOptions, ImportSummary } from '../../model/import.js';
import type { DealPerson, SpendAndDeals } from '../../model/kpi-inputs.js';
import type { PersonReport } from '../../model/person.js';
import { hashKey, keyId, keyPrefix, newKey } from '../api-keys.js';
import {
  type DictionaryColumn,
  type EventColumnSource,
  type EventColumns,
  type EventValueSource,
  valueSourceKey,
} from '../event-columns.js';
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
import { backupDatabase, checkIntegrity, type IntegrityReport } from './backup.js';
import {
  readSavedJson,
  readSnapshot,
  readSnapshotVersion,
  readValues,
  removeSnapshot,
  savedJsonPath,
  snapshotPath,
  valuesPath,
  writeSavedJson,
  writeSnapshot,
  writeValues,
} from './column-snapshot.js';
import { DuckDBDatabase, type OpenOptions } from './duckdb-database.js';
import { importFile } from './import-file.js';
import { checkRulePatterns, classifyChannels, storeChannelSettings } from './queries/channel-settings.js';
import { deletePerson, logRemoval } from './queries/delete-person.js';
import { getCatalog } from './queries/get-catalog.js';
import { getDealRecords } from './queries/get-deal-records.js';
import { getPerson } from './queries/get-person.js';
import { getDealPeople, getSpendAndDeals } from './queries/get-spend-and-deals.js';
import {
  createPersonTable,
  loadEventColumns,
  loadEventValues,
  loadPersonKeys,
  loadPersonValues,
  type RowPositions,
} from './queries/load-event-columns.js';

/** The embedded store: one DuckDB file (or :memory:). */
export class DuckDBStore implements Store, EventColumnSource {
  /**
   * Data versions already read. A DuckDB file has one writer at a time, so while this store holds it, data changes
   * only through this store's own writes, which clear the map.
   */
  private readonly versions = new Map<string, string>();
  /** Where the rows of the last column load sit (property columns line up through it), and their data version. */
  private positions: { project: string; version: string; positions: RowPositions; personTable: boolean } | null = null;

  /** Calls run one at a time: a file has one connection, and an import's transaction must not take in others. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly db: DuckDBDatabase) {}

  private exclusive<T>(call: () => Promise<T>): Promise<T> {
    const result = this.queue.then(call); // queue never rejects
    this.queue = result.catch(() => undefined);
    return result;
  }

  static async open(options: OpenOptions): Promise<DuckDBStore> {
    return new DuckDBStore(await DuckDBDatabase.open(options));
  }

  async ensureProject(project: string): Promise<void> {
    await this.db.run(
      `INSERT INTO projects (project_id, name) SELECT $project, $project
       WHERE NOT EXISTS (SELECT 1 FROM projects WHERE project_id = $project)`,
      { project },
    );
  }

  importFile(kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
    return this.exclusive(async () => {
      await this.ensureProject(options.project);
      try {
        return await importFile(this.db, kind, file, options);
      } finally {
        this.versions.clear();
      }
    });
  }

  async createProjectKeys(project: string): Promise<ProjectKeys> {
    const write = await this.createApiKey(project, 'write', null);
    const read = await this.createApiKey(project, 'read', null);
    return { project, writeKey: write.key, readKey: read.key };
  }

  createApiKey(project: string, role: KeyRole, label: string | null): Promise<{ key: string; info: ApiKeyInfo }> {
    return this.exclusive(async () => {
      if (project !== '') await this.ensureProject(project); // '': a server-wide key
      const key = newKey(role);
      const hash = hashKey(key);
      await this.db.run(
        `INSERT INTO api_keys (key_hash, project_id, kind, key_prefix, label) VALUES ($hash, $project, $role, $prefix, $label)`,
        { hash, project, role, prefix: keyPrefix(key), label },
      );
      const [info] = await this.keyRows('key_hash = $hash', { hash });
      return { key, info: info as ApiKeyInfo };
    });
  }

  private async keyRows(where: string, params: Record<string, string>): Promise<ApiKeyInfo[]> {
    const rows = await this.db.rows<{
      hash: string;
      project: string;
      role: KeyRole;
      prefix: string;
      label: string | null;
      created: string;
      revoked: string | null;
    }>(
      `SELECT key_hash AS hash, project_id AS project, kind AS role, key_prefix AS prefix, label,
              strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS created, strftime(revoked_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS revoked
       FROM api_keys WHERE ${where} ORDER BY created_at, key_hash`,
      params,
    );
    return rows.map((r) => ({
      id: keyId(r.hash),
      project: r.project,
      role: r.role,
      prefix: r.prefix,
      label: r.label,
      createdAt: r.created,
      revokedAt: r.revoked,
    }));
  }

  listApiKeys(project: string): Promise<ApiKeyInfo[]> {
    return this.exclusive(() => this.keyRows('project_id = $project', { project }));
  }

  revokeApiKey(project: string, id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const live = await this.db.value<number>(
        `SELECT count(*) FROM api_keys WHERE project_id = $project AND left(key_hash, 16) = $id AND revoked_at IS NULL`,
        { project, id },
      );
      if (Number(live) === 0) return false;
      await this.db.run(
        `UPDATE api_keys SET revoked_at = current_timestamp
         WHERE project_id = $project AND left(key_hash, 16) = $id AND revoked_at IS NULL`,
        { project, id },
      );
      return true;
    });
  }

  keyOwner(key: string): Promise<KeyOwner | undefined> {
    return this.exclusive(async () => {
      const hash = hashKey(key);
      const [row] = await this.db.rows<{ project: string; role: KeyRole }>(
        `SELECT project_id AS project, kind AS role FROM api_keys WHERE key_hash = $hash AND revoked_at IS NULL`,
        { hash },
      );
      return row ? { id: keyId(hash), project: row.project, role: row.role } : undefined;
    });
  }

  hasKey(project: string, role: KeyRole): Promise<boolean> {
    return this.exclusive(async () =>
      Boolean(
        await this.db.value<boolean>(
          `SELECT EXISTS (SELECT 1 FROM api_keys WHERE project_id = $project AND kind = $role AND revoked_at IS NULL)`,
          { project, role },
        ),
      ),
    );
  }

  private async userRows(where: string, params: Record<string, string>): Promise<StoredUser[]> {
    const rows = await this.db.rows<{
      email: string;
      role: UserRole;
      projects: string | null;
      hash: string;
      created: string;
      updated: string;
    }>(
      `SELECT email, role, CAST(projects AS VARCHAR) AS projects, password_hash AS hash,
              strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS created, strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS updated
       FROM users ${where} ORDER BY email`,
      params,
    );
    return rows.map((r) => ({
      email: r.email,
      role: r.role,
      projects: r.projects === null ? null : (JSON.parse(r.projects) as string[]),
      passwordHash: r.hash,
      createdAt: r.created,
      updatedAt: r.updated,
    }));
  }

  listUsers(): Promise<UserRecord[]> {
    return this.exclusive(async () => (await this.userRows('', {})).map(({ passwordHash: _, ...user }) => user));
  }

  getUser(email: string): Promise<StoredUser | undefined> {
    return this.exclusive(async () => (await this.userRows('WHERE email = $email', { email }))[0]);
  }

  putUser(user: Omit<StoredUser, 'createdAt' | 'updatedAt'>): Promise<UserRecord> {
    return this.exclusive(async () => {
      const now = new Date().toISOString();
      await this.db.run(
        `INSERT INTO users (email, role, projects, password_hash, created_at, updated_at)
         VALUES ($email, $role, $projects, $hash, CAST($now AS TIMESTAMP), CAST($now AS TIMESTAMP))
         ON CONFLICT (email) DO UPDATE SET role = excluded.role, projects = excluded.projects,
           password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
        {
          email: user.email,
          role: user.role,
          projects: user.projects === null ? null : JSON.stringify(user.projects),
          hash: user.passwordHash,
          now,
        },
      );
      const [stored] = await this.userRows('WHERE email = $email', { email: user.email });
      const { passwordHash: _, ...record } = stored as StoredUser;
      return record;
    });
  }

  removeUser(email: string): Promise<boolean> {
    return this.exclusive(async () => {
      const found = await this.db.value<number>('SELECT count(*) FROM users WHERE email = $email', { email });
      if (Number(found) === 0) return false;
      await this.db.run('DELETE FROM users WHERE email = $email', { email });
      return true;
    });
  }

  recordAudit(entry: AuditEntry): Promise<void> {
    return this.exclusive(() =>
      this.db.run(
        `INSERT INTO audit_log (logged_at, project_id, actor, action, target, details)
         VALUES (CAST($at AS TIMESTAMP), $project, $actor, $action, $target, $details)`,
        { ...entry, details: JSON.stringify(entry.details) },
      ),
    );
  }

  auditLog(project: string | null, limit: number): Promise<AuditEntry[]> {
    return this.exclusive(async () => {
      const rows = await this.db.rows<{
        at: string;
        project: string | null;
        actor: string;
        action: string;
        target: string;
        details: string;
      }>(
        `SELECT strftime(logged_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS at, project_id AS project, actor, action, target,
                CAST(details AS VARCHAR) AS details
         FROM audit_log ${project === null ? '' : 'WHERE project_id = $project'}
         ORDER BY logged_at DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
        project === null ? {} : { project },
      );
      return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
    });
  }

  /**
   * Changes whenever the project's events, identities or deals change: every import commits an import_log row,
   * and the row counts cover writers that do not log. (A writer that only rewrites rows in place must log.) The
   * file's random store id keeps a re-created file from matching an old snapshot.
   */
  dataVersion(project: string): Promise<string> {
    return this.exclusive(() => this.currentVersion(project));
  }

  private async currentVersion(project: string): Promise<string> {
    const known = this.versions.get(project);
    if (known !== undefined) return known;
    const row = (
      await this.db.rows<Record<string, bigint | string | null>>(
        `SELECT (SELECT min(store_id) FROM store_identity) AS store,
                (SELECT max(import_id) FROM import_log WHERE project_id = $project) AS imports,
                (SELECT count(*) FROM events WHERE project_id = $project) AS events,
                (SELECT count(*) FROM person_map WHERE project_id = $project) AS ids,
                (SELECT count(*) FROM deal_stage_changes WHERE project_id = $project) AS stages,
                (SELECT count(*) FROM deals WHERE project_id = $project) AS deals,
                (SELECT epoch_us(updated_at) FROM channel_settings WHERE project_id = $project) AS channels,
                (SELECT max(version) FROM schema_migrations) AS schema`,
        { project },
      )
    )[0];
    const version = [
      row?.store,
      row?.imports ?? 0,
      row?.events ?? 0,
      row?.ids ?? 0,
      row?.stages ?? 0,
      row?.deals ?? 0,
      row?.channels ?? 0,
      // A migration may rewrite stored values (6 classified the channels again): snapshots of older schemas go.
      row?.schema ?? 0,
    ].join(':');
    this.versions.set(project, version);
    return version;
  }

  /**
   * Builds the funnel column snapshot beside the file now (after an import), the property columns `sources` and
   * the deal people (KPI inputs), so the next process starts from them. Nothing to do for an in-memory store or when the snapshot is current.
   * Returns the seconds spent.
   */
  prepareColumns(project: string, sources: readonly EventValueSource[] = []): Promise<number> {
    return this.exclusive(async () => {
      const started = performance.now();
      const path = snapshotPath(this.db.path, project);
      if (!path || readSnapshotVersion(path) === (await this.currentVersion(project))) return 0;
      await this.loadColumns(project);
      for (const source of sources) await this.eventValues(project, source);
      await this.dealPeople(project);
      return (performance.now() - started) / 1000;
    });
  }

  /** From the column snapshot next to the file when it is current; else from SQL, saving a new snapshot. */
  loadEventColumns(project: string): Promise<EventColumns> {
    return this.exclusive(() => this.loadColumns(project));
  }

  private async loadColumns(project: string): Promise<EventColumns> {
    const version = await this.currentVersion(project);
    const path = snapshotPath(this.db.path, project);
    const saved = path ? readSnapshot(path, version) : null;
    if (saved) {
      this.positions = { project, version, positions: saved.positions, personTable: false };
      return saved.columns;
    }
    const { columns, positions } = await loadEventColumns(this.db, project);
    this.positions = { project, version, positions, personTable: true };
    if (path) {
      try {
        writeSnapshot(path, version, columns, positions);
      } catch {
        // A read-only folder or a full disk only costs the next process a reload.
      }
    }
    return columns;
  }

  private lastLoad(project: string): { version: string; positions: RowPositions } {
    if (this.positions?.project !== project) {
      throw new FunnelscopeError('internal', `property columns of ${project} asked before its event columns`);
    }
    return this.positions;
  }

  /**
   * A property column of the last load: saved beside the snapshot when one of the same data version holds it,
   * else from SQL (then saved for the next process).
   */
  private async savedValues(
    project: string,
    key: string,
    length: (positions: RowPositions) => number,
    load: (positions: RowPositions) => Promise<DictionaryColumn>,
  ): Promise<DictionaryColumn> {
    const { version, positions } = this.lastLoad(project);
    const snapshot = snapshotPath(this.db.path, project);
    const file = snapshot ? valuesPath(snapshot, version, key) : null;
    const saved = file ? readValues(file, version, key, length(positions)) : null;
    if (saved) return saved;
    const column = await load(positions);
    if (file) {
      try {
        writeValues(file, version, key, column);
      } catch {
        // As for the snapshot: only the next process pays.
      }
    }
    return column;
  }

  private eventValues(project: string, source: EventValueSource): Promise<DictionaryColumn> {
    return this.savedValues(
      project,
      `event ${valueSourceKey(source)}`,
      (positions) => positions.eventCount,
      (positions) => loadEventValues(this.db, project, source, positions),
    );
  }

  private async personTable(project: string): Promise<void> {
    if (this.positions?.project === project && !this.positions.personTable) {
      await createPersonTable(this.db, project);
      this.positions.personTable = true;
    }
  }

  loadEventValues(project: string, source: EventValueSource): Promise<DictionaryColumn> {
    return this.exclusive(() => this.eventValues(project, source));
  }

  loadPersonKeys(project: string): Promise<DictionaryColumn> {
    return this.exclusive(() =>
      this.savedValues(
        project,
        'person keys',
        (positions) => positions.personCount,
        async (positions) => {
          await this.personTable(project);
          return loadPersonKeys(this.db, positions);
        },
      ),
    );
  }

  loadPersonValues(project: string, property: string): Promise<DictionaryColumn> {
    return this.exclusive(() =>
      this.savedValues(
        project,
        `person ${JSON.stringify(property)}`,
        (positions) => positions.personCount,
        async (positions) => {
          await this.personTable(project);
          return loadPersonValues(this.db, project, property, positions);
        },
      ),
    );
  }

  dealRecords(project: string): Promise<DealRecords> {
    return this.exclusive(() => getDealRecords(this.db, project));
  }

  spendAndDeals(project: string): Promise<SpendAndDeals> {
    return this.exclusive(async () => getSpendAndDeals(this.db, project, await this.dealPeople(project)));
  }

  /** Saved beside the column snapshot per data version, like the columns: finding them scans the events. */
  private async dealPeople(project: string): Promise<DealPerson[]> {
    const version = await this.currentVersion(project);
    const snapshot = snapshotPath(this.db.path, project);
    const file = snapshot ? savedJsonPath(snapshot, version, 'deal-people') : null;
    const saved = file ? readSavedJson<DealPerson[]>(file, version) : null;
    if (saved) return saved;
    const dealPeople = await getDealPeople(this.db, project);
    if (file) {
      try {
        writeSavedJson(file, version, dealPeople);
      } catch {
        // Only the next report pays.
      }
    }
    return dealPeople;
  }

  getPerson(project: string, id: string): Promise<PersonReport | undefined> {
    return this.exclusive(() => getPerson(this.db, project, id));
  }

  /** A consistent copy of the whole store in a new DuckDB file (backup.ts), taken between two writes. */
  backup(path: string): Promise<void> {
    return this.exclusive(() => backupDatabase(this.db, path));
  }

  checkIntegrity(): Promise<IntegrityReport> {
    return this.exclusive(() => checkIntegrity(this.db));
  }

  deletePerson(project: string, id: string): Promise<PersonErasure | undefined> {
    return this.exclusive(async () => {
      try {
        return await deletePerson(this.db, project, id);
      } finally {
        // The column snapshot and its derived columns hold copies of the events: they go with them.
        this.dropDerived(project);
      }
    });
  }

  retentionDays(project: string): Promise<number | null> {
    return this.exclusive(async () => {
      const days = await this.db.value<number | null | undefined>(
        'SELECT retention_days FROM projects WHERE project_id = $project',
        { project },
      );
      return days === null || days === undefined ? null : Number(days);
    });
  }

  setRetentionDays(project: string, days: number | null): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureProject(project);
      await this.db.run('UPDATE projects SET retention_days = $days WHERE project_id = $project', { project, days });
    });
  }

  projectsWithRetention(): Promise<string[]> {
    return this.exclusive(async () =>
      (
        await this.db.rows<{ project: string }>(
          'SELECT project_id AS project FROM projects WHERE retention_days IS NOT NULL ORDER BY 1',
        )
      ).map((r) => r.project),
    );
  }

  deleteEventsBefore(project: string, before: string): Promise<number> {
    return this.exclusive(async () => {
      const deleted = await this.db.transaction(async () => {
        const n = Number(
          await this.db.value<bigint>(
            'SELECT count(*) FROM events WHERE project_id = $project AND ts < CAST($before AS TIMESTAMP)',
            { project, before },
          ),
        );
        if (n === 0) return 0;
        await this.db.run('DELETE FROM events WHERE project_id = $project AND ts < CAST($before AS TIMESTAMP)', {
          project,
          before,
        });
        await logRemoval(this.db, project);
        return n;
      });
      if (deleted > 0) this.dropDerived(project);
      return deleted;
    });
  }

  /** After events were removed: the version is read again, and the files beside the store holding them go. */
  private dropDerived(project: string): void {
    this.versions.clear();
    const snapshot = snapshotPath(this.db.path, project);
    if (snapshot) removeSnapshot(snapshot);
  }

  counts(project: string): Promise<StoreCounts> {
    return this.exclusive(() => this.countRows(project));
  }

  private async countRows(project: string): Promise<StoreCounts> {
    const [row] = await this.db.rows<Record<string, bigint | Date | null>>(
      `SELECT
         (SELECT count(*) FROM events WHERE project_id = $project) AS events,
         (SELECT count(DISTINCT coalesce(m.person_id, e.distinct_id)) FROM events e
            LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
            WHERE e.project_id = $project) AS persons,
         (SELECT count(DISTINCT distinct_id) FROM events WHERE project_id = $project) AS distinct_ids,
         (SELECT count(*) FROM deals WHERE project_id = $project) AS deals,
         (SELECT count(*) FROM deal_stage_changes WHERE project_id = $project) AS stage_changes,
         (SELECT count(*) FROM spend WHERE project_id = $project) AS spend_rows,
         (SELECT min(ts) FROM events WHERE project_id = $project) AS first_event,
         (SELECT max(ts) FROM events WHERE project_id = $project) AS last_event`,
      { project },
    );
    const n = (v: unknown) => Number(v ?? 0);
    const d = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    return {
      events: n(row?.events),
      persons: n(row?.persons),
      distinctIds: n(row?.distinct_ids),
      deals: n(row?.deals),
      dealStageChanges: n(row?.stage_changes),
      spendRows: n(row?.spend_rows),
      firstEvent: d(row?.first_event),
      lastEvent: d(row?.last_event),
    };
  }

  recentEvents(
    project: string,
    sinceMs: number,
    limit: number,
  ): Promise<{ events: RecentEvent[]; perMinute: { minute: string; events: number }[] }> {
    return this.exclusive(async () => {
      const params = { project, since: Math.round(sinceMs * 1000), limit };
      const rows = await this.db.rows<{
        received_at: Date;
        ts: Date;
        type: string;
        event: string;
        distinct_id: string;
        path: string | null;
      }>(
        `SELECT received_at, ts, type, event, distinct_id, path FROM events
         WHERE project_id = $project AND received_at >= make_timestamp($since)
         ORDER BY received_at DESC, ts DESC LIMIT $limit`,
        params,
      );
      const minutes = await this.db.rows<{ minute: Date; events: bigint }>(
        `SELECT date_trunc('minute', received_at) AS minute, count(*) AS events FROM events
         WHERE project_id = $project AND received_at >= make_timestamp($since)
         GROUP BY 1 ORDER BY 1`,
        { project, since: params.since },
      );
      return {
        events: rows.map((r) => ({
          receivedAt: r.received_at.toISOString(),
          ts: r.ts.toISOString(),
          type: r.type,
          event: r.event,
          distinctId: r.distinct_id,
          path: r.path,
        })),
        perMinute: minutes.map((m) => ({ minute: m.minute.toISOString(), events: Number(m.events) })),
      };
    });
  }

  channelSettings(project: string): Promise<ChannelSettings> {
    return this.exclusive(async () => {
      const text = await this.db.value<string | null>(
        'SELECT settings::VARCHAR FROM channel_settings WHERE project_id = $project',
        { project },
      );
      return text ? parseChannelSettings(text) : { rules: [], referralExclusions: [] };
    });
  }

  setChannelSettings(project: string, input: unknown): Promise<{ settings: ChannelSettings; events: number }> {
    return this.exclusive(async () => {
      const settings = parseChannelSettings(input);
      await checkRulePatterns(this.db, settings);
      await this.ensureProject(project);
      try {
        // One transaction: the settings and the events classified by them, or neither.
        await this.db.transaction(async () => {
          await storeChannelSettings(this.db, project, settings);
          await classifyChannels(this.db, 'events', project);
        });
      } finally {
        this.versions.clear();
      }
      const events = Number(
        await this.db.value<bigint>('SELECT count(*) FROM events WHERE project_id = $project', { project }),
      );
      return { settings, events };
    });
  }

  catalog(project: string): Promise<Catalog> {
    return this.exclusive(() => getCatalog(this.db, project));
  }

  projectsWithAlertRules(): Promise<string[]> {
    return this.exclusive(async () =>
      (
        await this.db.rows<{ project: string }>(`SELECT DISTINCT project_id AS project FROM alert_rules ORDER BY 1`)
      ).map((r) => r.project),
    );
  }

  listAlertRules(project: string): Promise<{ rule: AlertRule; state: AlertState }[]> {
    return this.exclusive(async () =>
      (
        await this.db.rows<{ id: string; rule: string; state: string; created: string }>(
          `SELECT rule_id AS id, CAST(rule AS VARCHAR) AS rule, CAST(state AS VARCHAR) AS state,
                  strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created
           FROM alert_rules WHERE project_id = $project ORDER BY created_at, rule_id`,
          { project },
        )
      ).map((r) => ({
        rule: { ...(JSON.parse(r.rule) as AlertRuleDefinition), id: r.id, createdAt: r.created },
        state: JSON.parse(r.state) as AlertState,
      })),
    );
  }

  addAlertRule(project: string, rule: AlertRuleDefinition): Promise<AlertRule> {
    return this.exclusive(async () => {
      await this.ensureProject(project);
      const id = randomUUID().slice(0, 8);
      const state: AlertState = { lastRunMs: null, incident: null };
      await this.db.run(
        `INSERT INTO alert_rules (project_id, rule_id, rule, state) VALUES ($project, $id, $rule, $state)`,
        { project, id, rule: JSON.stringify(rule), state: JSON.stringify(state) },
      );
      const [row] = await this.db.rows<{ created: string }>(
        `SELECT strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created FROM alert_rules
         WHERE project_id = $project AND rule_id = $id`,
        { project, id },
      );
      return { ...rule, id, createdAt: row?.created ?? '' };
    });
  }

  deleteAlertRule(project: string, id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const before = await this.db.value<bigint>(
        `SELECT count(*) FROM alert_rules WHERE project_id = $project AND rule_id = $id`,
        { project, id },
      );
      await this.db.run(`DELETE FROM alert_rules WHERE project_id = $project AND rule_id = $id`, { project, id });
      return Number(before) > 0;
    });
  }

  setAlertState(project: string, id: string, state: AlertState): Promise<void> {
    return this.exclusive(async () => {
      await this.db.run(`UPDATE alert_rules SET state = $state WHERE project_id = $project AND rule_id = $id`, {
        project,
        id,
        state: JSON.stringify(state),
      });
    });
  }

  recordAlert(project: string, entry: AlertRecord): Promise<void> {
    return this.exclusive(async () => {
      await this.db.run(
        `INSERT INTO alert_history (project_id, rule_id, fired_at, kind, message, deliveries)
         VALUES ($project, $rule, CAST($at AS TIMESTAMP), $kind, $message, $deliveries)`,
        {
          project,
          rule: entry.ruleId,
          at: entry.at.replace('Z', ''),
          kind: entry.kind,
          message: JSON.stringify(entry.message),
          deliveries: JSON.stringify(entry.deliveries),
        },
      );
    });
  }

  alertHistory(project: string, limit: number): Promise<AlertRecord[]> {
    return this.exclusive(async () =>
      (
        await this.db.rows<{ rule: string; at: string; kind: string; message: string; deliveries: string }>(
          `SELECT rule_id AS rule, strftime(fired_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS at, kind,
                  CAST(message AS VARCHAR) AS message, CAST(deliveries AS VARCHAR) AS deliveries
           FROM alert_history WHERE project_id = $project ORDER BY fired_at DESC, rowid DESC LIMIT $limit`,
          { project, limit },
        )
      ).map((r) => ({
        ruleId: r.rule,
        at: r.at,
        kind: r.kind as AlertRecord['kind'],
        message: JSON.parse(r.message) as AlertRecord['message'],
        deliveries: JSON.parse(r.deliveries) as AlertRecord['deliveries'],
      })),
    );
  }

  listGoals(project: string): Promise<Goal[]> {
    return this.exclusive(async () =>
      (
        await this.db.rows<{ id: string; goal: string; created: string }>(
          `SELECT goal_id AS id, CAST(goal AS VARCHAR) AS goal, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created
           FROM goals WHERE project_id = $project ORDER BY created_at, goal_id`,
          { project },
        )
      ).map((r) => ({ ...(JSON.parse(r.goal) as GoalDefinition), id: r.id, createdAt: r.created })),
    );
  }

  addGoal(project: string, goal: GoalDefinition): Promise<Goal> {
    return this.exclusive(async () => {
      await this.ensureProject(project);
      const id = randomUUID().slice(0, 8);
      await this.db.run(`INSERT INTO goals (project_id, goal_id, goal) VALUES ($project, $id, $goal)`, {
        project,
        id,
        goal: JSON.stringify(goal),
      });
      const [row] = await this.db.rows<{ created: string }>(
        `SELECT strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created FROM goals WHERE project_id = $project AND goal_id = $id`,
        { project, id },
      );
      return { ...goal, id, createdAt: row?.created ?? '' };
    });
  }

  deleteGoal(project: string, id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const before = await this.db.value<bigint>(
        `SELECT count(*) FROM goals WHERE project_id = $project AND goal_id = $id`,
        { project, id },
      );
      await this.db.run(`DELETE FROM goals WHERE project_id = $project AND goal_id = $id`, { project, id });
      return Number(before) > 0;
    });
  }

  saveScoringModel(project: string, name: string, model: unknown): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureProject(project);
      await this.db.run(
        `INSERT OR REPLACE INTO scoring_models (project_id, name, model, trained_at)
         VALUES ($project, $name, $model, current_timestamp)`,
        { project, name, model: JSON.stringify(model) },
      );
    });
  }

  getScoringModel(project: string, name: string): Promise<unknown | undefined> {
    return this.exclusive(async () => {
      const rows = await this.db.rows<{ model: string }>(
        `SELECT CAST(model AS VARCHAR) AS model FROM scoring_models WHERE project_id = $project AND name = $name`,
        { project, name },
      );
      return rows[0] ? (JSON.parse(rows[0].model) as unknown) : undefined;
    });
  }

  listScoringModels(project: string): Promise<{ name: string; trainedAt: string }[]> {
    return this.exclusive(async () =>
      (
        await this.db.rows<{ name: string; trained_at: string }>(
          `SELECT name, strftime(trained_at, '%Y-%m-%dT%H:%M:%SZ') AS trained_at FROM scoring_models
           WHERE project_id = $project ORDER BY trained_at DESC, name`,
          { project },
        )
      ).map((r) => ({ name: r.name, trainedAt: r.trained_at })),
    );
  }

  personTraitNames(project: string, limit: number): Promise<string[]> {
    return this.exclusive(async () =>
      (
        await this.db.rows<{ name: string }>(
          `SELECT name FROM (
             SELECT unnest(json_keys(properties)) AS name FROM events
             WHERE project_id = $project AND type = 'identify' AND json_type(properties) = 'OBJECT'
               AND NOT starts_with(message_id, 'score:'))
           GROUP BY name ORDER BY count(*) DESC, name LIMIT $limit`,
          { project, limit },
        )
      ).map((r) => r.name),
    );
  }

  listFunnels(project: string): Promise<SavedFunnel[]> {
    return this.exclusive(() => this.funnels(project, null));
  }

  saveFunnel(project: string, name: string, definition: unknown): Promise<SavedFunnel> {
    return this.exclusive(async () => {
      await this.ensureProject(project);
      const id = randomUUID();
      await this.db.run(
        `INSERT INTO saved_funnels (project_id, funnel_id, name, definition) VALUES ($project, $id, $name, $definition)`,
        { project, id, name, definition: JSON.stringify(definition) },
      );
      return (await this.funnels(project, id))[0] as SavedFunnel;
    });
  }

  updateFunnel(
    project: string,
    id: string,
    change: { name?: string; definition?: unknown },
  ): Promise<SavedFunnel | undefined> {
    return this.exclusive(async () => {
      if ((await this.funnels(project, id)).length === 0) return undefined;
      await this.db.run(
        `UPDATE saved_funnels SET name = coalesce($name, name), definition = coalesce($definition, definition),
                updated_at = current_timestamp
         WHERE project_id = $project AND funnel_id = $id`,
        {
          project,
          id,
          name: change.name ?? null,
          definition: change.definition === undefined ? null : JSON.stringify(change.definition),
        },
      );
      return (await this.funnels(project, id))[0];
    });
  }

  deleteFunnel(project: string, id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const existed = (await this.funnels(project, id)).length > 0;
      await this.db.run(`DELETE FROM saved_funnels WHERE project_id = $project AND funnel_id = $id`, { project, id });
      return existed;
    });
  }

  private async funnels(project: string, id: string | null): Promise<SavedFunnel[]> {
    const rows = await this.db.rows<{
      funnel_id: string;
      name: string;
      definition: string;
      created_at: Date;
      updated_at: Date;
    }>(
      `SELECT funnel_id, name, CAST(definition AS VARCHAR) AS definition, created_at, updated_at
       FROM saved_funnels WHERE project_id = $project AND ($id IS NULL OR funnel_id = $id)
       ORDER BY lower(name), created_at`,
      { project, id },
    );
    return rows.map((r) => ({
      id: r.funnel_id,
      name: r.name,
      definition: JSON.parse(r.definition) as unknown,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  recentImports(project: string, limit: number): Promise<ImportLogEntry[]> {
    return this.exclusive(() => this.importLog(project, limit));
  }

  private async importLog(project: string, limit: number): Promise<ImportLogEntry[]> {
    const rows = await this.db.rows<{ kind: string; file: string; imported: bigint; finished_at: Date }>(
      `SELECT kind, file, imported, finished_at FROM import_log WHERE project_id = $project AND kind <> 'erasure'
       ORDER BY import_id DESC LIMIT $limit`,
      { project, limit },
    );
    return rows.map((r) => ({
      kind: r.kind,
      file: r.file,
      imported: Number(r.imported),
      finishedAt: r.finished_at.toISOString(),
    }));
  }

  close(): Promise<void> {
    return this.exclusive(async () => this.db.close());
  }
}
