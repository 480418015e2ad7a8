/**
 * Project isolation at the store layer (docs/access.md). The server runs each request's handler inside the scope
 * of the projects its caller was granted; the store and the event columns it reads through are wrapped so that a
 * call naming any other project throws, whatever the route code asked for. Work outside a request (the CLI, the
 * ingestion writer, the alert scheduler) runs with no scope and is not limited.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { FunnelscopeError } from '../model/errors.js';
import type { EventColumnSource } from './event-columns.js';
import type { Store } from './store.js';

export interface ProjectScope {
  /** The projects the caller may reach; 'all' for an admin over every project. */
  projects: 'all' | readonly string[];
  /** Who (in the error message). */
  actor: string;
}

const current = new AsyncLocalStorage<ProjectScope>();

/** Runs `body` (and everything it awaits) inside the scope. */
export function withProjectScope<T>(scope: ProjectScope, body: () => T): T {
  return current.run(scope, body);
}

/** Where a method names its project: the index of that argument, `options.project` of the argument at an index, or
 * `server` for server-wide records (users, the audit log across projects), which need a scope over every project. */
type ProjectPlace = number | { options: number } | 'server' | 'none';

function checkProject(method: string, place: ProjectPlace, args: unknown[]): void {
  const scope = current.getStore();
  if (!scope || scope.projects === 'all' || place === 'none') return;
  let project: unknown;
  if (place === 'server') project = undefined;
  else if (typeof place === 'number') project = args[place];
  else project = (args[place.options] as { project?: unknown } | undefined)?.project;
  // auditLog(null, …) reads every project's entries: a server-wide read.
  if (typeof project === 'string' && scope.projects.includes(project)) return;
  throw new FunnelscopeError(
    'forbidden',
    typeof project === 'string'
      ? `${scope.actor} has no access to project ${project} (store.${method})`
      : `${scope.actor} may not read server-wide records (store.${method})`,
    { field: 'project', ...(typeof project === 'string' ? { value: project } : {}) },
  );
}

function guard<T extends object>(target: T, places: Record<string, ProjectPlace>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const place = places[property];
      // A method the table does not know (a new one) is refused inside a scope, so it cannot slip past.
      // Every method of both interfaces returns a promise, so a refusal is a rejected one (as a store error is).
      return (...args: unknown[]) => {
        try {
          checkProject(property, place ?? 'server', args);
        } catch (error) {
          return Promise.reject(error);
        }
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

/** Every Store method and where its project is; a new method must be added here (the type says so). */
const storePlaces: Record<keyof Store, ProjectPlace> = {
  createProjectKeys: 0,
  createApiKey: 0,
  listApiKeys: 0,
  revokeApiKey: 0,
  keyOwner: 'none',
  hasKey: 0,
  listUsers: 'server',
  getUser: 'server',
  putUser: 'server',
  removeUser: 'server',
  recordAudit: { options: 0 },
  auditLog: 0,
  importFile: { options: 2 },
  getPerson: 0,
  deletePerson: 0,
  retentionDays: 0,
  setRetentionDays: 0,
  projectsWithRetention: 'server',
  deleteEventsBefore: 0,
  counts: 0,
  dealRecords: 0,
  spendAndDeals: 0,
  recentEvents: 0,
  channelSettings: 0,
  setChannelSettings: 0,
  catalog: 0,
  listFunnels: 0,
  saveFunnel: 0,
  updateFunnel: 0,
  deleteFunnel: 0,
  saveScoringModel: 0,
  getScoringModel: 0,
  listScoringModels: 0,
  personTraitNames: 0,
  listGoals: 0,
  addGoal: 0,
  deleteGoal: 0,
  projectsWithAlertRules: 'server',
  listAlertRules: 0,
  addAlertRule: 0,
  deleteAlertRule: 0,
  setAlertState: 0,
  recordAlert: 0,
  alertHistory: 0,
  recentImports: 0,
  backup: 'server',
  close: 'server',
};

const columnPlaces: Record<keyof EventColumnSource, ProjectPlace> = {
  dataVersion: 0,
  loadEventColumns: 0,
  loadEventValues: 0,
  loadPersonKeys: 0,
  loadPersonValues: 0,
  streamPersons: 0,
};

/** The store, refusing inside a request's scope any call about a project the caller was not granted. */
export function scopedStore<T extends Store>(store: T): T {
  return guard(store, storePlaces);
}

/** The event columns likewise (the column cache reads through this). */
export function scopedColumns<T extends EventColumnSource>(columns: T): T {
  return guard(columns, columnPlaces);
}
