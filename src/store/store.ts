import type { KeyRole, UserRole } from '../access/roles.js';
import type { AlertMessage, AlertRule, AlertRuleDefinition, AlertState } from '../analysis/alerts/alerts.js';
import type { Goal, GoalDefinition } from '../analysis/goals/goals.js';
import type { Catalog } from '../model/catalog.js';
import type { ChannelSettings } from '../model/channel-settings.js';
import type { DealRecords } from '../model/deals.js';
import type { ImportKind, ImportOptions, ImportSummary } from '../model/import.js';
import type { SpendAndDeals } from '../model/kpi-inputs.js';
import type { PersonReport } from '../model/person.js';

export interface StoreCounts {
  events: number;
  persons: number;
  distinctIds: number;
  deals: number;
  dealStageChanges: number;
  spendRows: number;
  firstEvent: string | null;
  lastEvent: string | null;
}

export interface ImportLogEntry {
  kind: string;
  file: string;
  imported: number;
  finishedAt: string;
}

export type { KeyRole, UserRole };

/** An API key as listed (the key itself is never kept, only its hash). */
export interface ApiKeyInfo {
  /** The first 16 hex digits of the key's hash: names the key in lists, the audit log and `keys revoke`. */
  id: string;
  project: string;
  role: KeyRole;
  /** The key's first characters (its kind and a few random ones), to recognise it. */
  prefix: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** A live key's grant. */
export interface KeyOwner {
  id: string;
  project: string;
  role: KeyRole;
}

export interface UserRecord {
  /** Lower case; the user's name at sign-in. */
  email: string;
  role: UserRole;
  /** The projects the user may use; null: every project. */
  projects: string[] | null;
  createdAt: string;
  updatedAt: string;
}

export interface StoredUser extends UserRecord {
  passwordHash: string;
}

/** A change made through access control or privacy (who did what to what), kept for the record. */
export interface AuditEntry {
  at: string;
  /** The project it concerned; null for the whole server (users). */
  project: string | null;
  /** A user's email, `key:<id>`, `local` (the server bound to this machine, no users) or `cli:<os user>`. */
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** An event as the live view lists it. */
export interface RecentEvent {
  receivedAt: string;
  ts: string;
  type: string;
  event: string;
  distinctId: string;
  path: string | null;
}

/** A funnel kept by name (the dashboard's saved funnels). */
export interface SavedFunnel {
  id: string;
  name: string;
  /** The definition as given (parsed again when run). */
  definition: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectKeys {
  project: string;
  writeKey: string;
  readKey: string;
}

/** What erasing a person removed (docs/privacy.md). */
export interface PersonErasure {
  /** The person's distinct ids (and person id) that were looked for. */
  distinctIds: number;
  events: number;
  identityLinks: number;
  personMap: number;
  /** Deals whose link to the person (user id, e-mail) was cleared; the deals stay. */
  dealsUnlinked: number;
}

/** An alert that fired or resolved, and each delivery's outcome. */
export interface AlertRecord {
  ruleId: string;
  at: string;
  kind: AlertMessage['kind'];
  message: AlertMessage;
  deliveries: { channel: string; ok: boolean; error: string | null }[];
}

/** The one storage interface: DuckDB (embedded) and ClickHouse (a server or cluster, docs/clickhouse.md) implement it. */
export interface Store {
  /** Creates the project when it is new and a fresh write key and read key for it (shown only now). */
  createProjectKeys(project: string): Promise<ProjectKeys>;
  /** Makes a key of a role for the project (creating the project when new); the key is shown only now. */
  createApiKey(project: string, role: KeyRole, label: string | null): Promise<{ key: string; info: ApiKeyInfo }>;
  /** The project's keys, live and revoked, oldest first. */
  listApiKeys(project: string): Promise<ApiKeyInfo[]>;
  /** Revokes a key by its id; false when the project has no live key of that id. */
  revokeApiKey(project: string, id: string): Promise<boolean>;
  /** Whose a live key is; undefined for an unknown or revoked key. */
  keyOwner(key: string): Promise<KeyOwner | undefined>;
  /** Whether the project has a live key of this role. */
  hasKey(project: string, role: KeyRole): Promise<boolean>;
  /** The users, by email (no password hashes). */
  listUsers(): Promise<UserRecord[]>;
  /** A user with its password hash; undefined when there is none of that email. */
  getUser(email: string): Promise<StoredUser | undefined>;
  /** Adds a user or replaces one of that email (keeping when it was made). */
  putUser(user: Omit<StoredUser, 'createdAt' | 'updatedAt'>): Promise<UserRecord>;
  /** Removes a user; false when there was none. */
  removeUser(email: string): Promise<boolean>;
  /** Appends to the audit log. */
  recordAudit(entry: AuditEntry): Promise<void>;
  /** The audit log, newest first (at most `limit`): one project's entries, or every entry when null. */
  auditLog(project: string | null, limit: number): Promise<AuditEntry[]>;
  /** Imports one file, all-or-nothing unless `skipInvalid`. */
  importFile(kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary>;
  /** A person found by any of its distinct ids (or its person id); undefined when unknown. */
  getPerson(project: string, id: string): Promise<PersonReport | undefined>;
  /**
   * Erases a person (all its distinct ids, events, traits, identity links, deal links) from every table and the
   * caches beside the store; undefined when no record knows the id.
   */
  deletePerson(project: string, id: string): Promise<PersonErasure | undefined>;
  /** The project's retention (docs/privacy.md): events older than this many days go; null keeps them all. */
  retentionDays(project: string): Promise<number | null>;
  setRetentionDays(project: string, days: number | null): Promise<void>;
  /** Projects with a retention set (the server applies each hourly). */
  projectsWithRetention(): Promise<string[]>;
  /** Removes the project's events before `before` (ISO time) and the caches holding them; how many went. */
  deleteEventsBefore(project: string, before: string): Promise<number>;
  counts(project: string): Promise<StoreCounts>;
  /** Every deal of the project and its stage history (the pipeline analysis's input). */
  dealRecords(project: string): Promise<DealRecords>;
  /** Spend rows, and deals with their stage history (the unit-economics report's input from the store). */
  spendAndDeals(project: string): Promise<SpendAndDeals>;
  /** Events stored since `sinceMs` (by arrival), the newest `limit` of them, and the count per minute of arrival. */
  recentEvents(
    project: string,
    sinceMs: number,
    limit: number,
  ): Promise<{ events: RecentEvent[]; perMinute: { minute: string; events: number }[] }>;
  /** The project's own channel rules and referral exclusions (docs/channels.md). */
  channelSettings(project: string): Promise<ChannelSettings>;
  /** Replaces them and classifies the project's stored events again; how many events that covered. */
  setChannelSettings(project: string, settings: unknown): Promise<{ settings: ChannelSettings; events: number }>;
  /** Property names and deal stages of the project (the funnel builder's pick lists). */
  catalog(project: string): Promise<Catalog>;
  /** The project's saved funnels, by name. */
  listFunnels(project: string): Promise<SavedFunnel[]>;
  /** Saves a new funnel (a fresh id) and returns it. */
  saveFunnel(project: string, name: string, definition: unknown): Promise<SavedFunnel>;
  /** Renames and/or replaces the definition of a saved funnel; undefined when there is no such funnel. */
  updateFunnel(
    project: string,
    id: string,
    change: { name?: string; definition?: unknown },
  ): Promise<SavedFunnel | undefined>;
  /** Deletes a saved funnel; false when there was none. */
  deleteFunnel(project: string, id: string): Promise<boolean>;
  /** Keeps a lead-scoring model under a name (replacing one of that name). */
  saveScoringModel(project: string, name: string, model: unknown): Promise<void>;
  /** A saved lead-scoring model as it was kept; undefined when there is none of that name. */
  getScoringModel(project: string, name: string): Promise<unknown | undefined>;
  /** Names of the saved lead-scoring models with when they were trained, newest first. */
  listScoringModels(project: string): Promise<{ name: string; trainedAt: string }[]>;
  /**
   * Trait names set by identify calls, the most used first (at most `limit`); not those of lead scoring's own
   * write-backs (message ids starting `score:`).
   */
  personTraitNames(project: string, limit: number): Promise<string[]>;
  /** The project's goals, oldest first. */
  listGoals(project: string): Promise<Goal[]>;
  /** Saves a new goal (a fresh id) and returns it. */
  addGoal(project: string, goal: GoalDefinition): Promise<Goal>;
  /** Deletes a goal; false when there was none. */
  deleteGoal(project: string, id: string): Promise<boolean>;
  /** Projects that have alert rules (the scheduler checks each). */
  projectsWithAlertRules(): Promise<string[]>;
  /** The project's alert rules with their state, oldest first. */
  listAlertRules(project: string): Promise<{ rule: AlertRule; state: AlertState }[]>;
  /** Saves a new alert rule (a fresh id, no check yet) and returns it. */
  addAlertRule(project: string, rule: AlertRuleDefinition): Promise<AlertRule>;
  /** Deletes an alert rule (its history stays); false when there was none. */
  deleteAlertRule(project: string, id: string): Promise<boolean>;
  /** Records a rule's state after a check. */
  setAlertState(project: string, id: string, state: AlertState): Promise<void>;
  /** Keeps what fired or resolved and how each delivery went. */
  recordAlert(project: string, entry: AlertRecord): Promise<void>;
  /** What fired and resolved, newest first (at most `limit`). */
  alertHistory(project: string, limit: number): Promise<AlertRecord[]>;
  /** The most recent committed imports, newest first. */
  recentImports(project: string, limit: number): Promise<ImportLogEntry[]>;
  /**
   * A consistent copy of the whole store (every project, users, keys) in a new DuckDB file at `path`, taken while
   * the store serves (docs/privacy.md); whoever keeps the file checks it.
   */
  backup(path: string): Promise<void>;
  close(): Promise<void>;
}
