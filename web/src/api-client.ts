/** The JSON API (docs/api.md) as the dashboard calls it: errors come back as their message, in words. */
import type { AttributionReport } from '../../src/analysis/attribution/run-attribution.js';
import type { CohortsReport } from '../../src/analysis/cohorts/run-cohorts.js';
import type { DiagnoseReport } from '../../src/analysis/diagnose/run-diagnose.js';
import type { ExperimentPlan } from '../../src/analysis/experiments/plan.js';
import type { ExperimentReport } from '../../src/analysis/experiments/run-experiment.js';
import type { ForecastReport } from '../../src/analysis/forecast/run-forecast.js';
import type { PipelineForecastReport } from '../../src/analysis/forecast/run-pipeline-forecast.js';
import type { FunnelReport } from '../../src/analysis/funnel/report.js';
import type { Goal } from '../../src/analysis/goals/goals.js';
import type { GoalsReport } from '../../src/analysis/goals/run-goals.js';
import type { KpiReport } from '../../src/analysis/kpi/report.js';
import type { PathsResult } from '../../src/analysis/paths/paths.js';
import type { PipelineReport } from '../../src/analysis/pipeline/report.js';
import type { ScoreApplyReport, ScoreTrainReport } from '../../src/analysis/scoring/run-scoring.js';
import type { Catalog } from '../../src/model/catalog.js';
import type { ApiKeyInfo, AuditEntry, RecentEvent, SavedFunnel, UserRecord } from '../../src/store/store.js';

export type { Figure, KpiRow } from '../../src/analysis/kpi/report.js';
// The reports' types are the server's own (one definition, type-only imports: nothing of src is bundled).
export type {
  ApiKeyInfo,
  AttributionReport,
  AuditEntry,
  Catalog,
  CohortsReport,
  DiagnoseReport,
  ExperimentPlan,
  ExperimentReport,
  ForecastReport,
  FunnelReport,
  Goal,
  GoalsReport,
  KpiReport,
  PipelineForecastReport,
  PipelineReport,
  SavedFunnel,
  ScoreApplyReport,
  ScoreTrainReport,
  UserRecord,
};
export type TimeToConvert = NonNullable<FunnelReport['timeToConvert']>;
export type TrendPoint = NonNullable<FunnelReport['trends']>[number];
export type Heatmap = CohortsReport['heatmap'];
export type SankeyData = Pick<PathsResult, 'nodes' | 'links'>;

export interface LiveReport {
  minutes: number;
  since: string;
  waiting: number;
  events: RecentEvent[];
  perMinute: { minute: string; events: number }[];
}

export interface EventName {
  event: string;
  events: number;
}

/** An error answer of the API: its message in words and its HTTP status. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Who is signed in (GET /auth/session): the server is open (no users, this machine only), a user, or neither. */
export interface SessionState {
  open: boolean;
  user: { email: string; role: 'admin' | 'analyst' | 'viewer'; projects: string[] | null } | null;
  csrfToken: string | null;
}

/** The session's CSRF token, sent with every request (the server needs it on changes). */
let csrfToken: string | null = null;

/** Told when a request finds the session over (401), so the page can ask to sign in again. */
export const signedOut = new EventTarget();

async function call<T>(path: string, body?: unknown, method?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 401 && !path.startsWith('/auth/')) signedOut.dispatchEvent(new Event('signed-out'));
  if (response.status === 204) return undefined as T;
  const json = (await response.json()) as T & { error?: { message: string } };
  if (!response.ok)
    throw new ApiError(json.error?.message ?? `${response.status} ${response.statusText}`, response.status);
  return json;
}

const projectQuery = (project: string) => `?project=${encodeURIComponent(project)}`;

export const api = {
  funnels: (project: string) => call<{ funnels: SavedFunnel[] }>(`/api/funnels${projectQuery(project)}`),
  saveFunnel: (project: string, name: string, definition: unknown) =>
    call<SavedFunnel>(`/api/funnels${projectQuery(project)}`, { name, definition }),
  renameFunnel: (project: string, id: string, name: string) =>
    call<SavedFunnel>(`/api/funnels/${encodeURIComponent(id)}${projectQuery(project)}`, { name }, 'PATCH'),
  deleteFunnel: (project: string, id: string) =>
    call<void>(`/api/funnels/${encodeURIComponent(id)}${projectQuery(project)}`, undefined, 'DELETE'),
  funnel: (definition: unknown, project: string) =>
    call<FunnelReport>(`/api/funnel?project=${encodeURIComponent(project)}`, definition),
  diagnose: (request: unknown, project: string) =>
    call<DiagnoseReport>(`/api/diagnose?project=${encodeURIComponent(project)}`, request),
  cohorts: (request: unknown, project: string) =>
    call<CohortsReport>(`/api/cohorts?project=${encodeURIComponent(project)}`, request),
  kpi: (project: string, query: Record<string, string>) =>
    call<KpiReport>(`/api/kpi?${new URLSearchParams({ project, ...query })}`),
  pipeline: (project: string, query: Record<string, string>) =>
    call<PipelineReport>(`/api/pipeline?${new URLSearchParams({ project, ...query })}`),
  attribution: (project: string, query: Record<string, string>) =>
    call<AttributionReport>(`/api/attribution?${new URLSearchParams({ project, ...query })}`),
  experiment: (project: string, id: string, query: Record<string, string>) =>
    call<ExperimentReport>(`/api/experiments/${encodeURIComponent(id)}?${new URLSearchParams({ project, ...query })}`),
  plan: (query: Record<string, string>) => call<ExperimentPlan>(`/api/experiments/plan?${new URLSearchParams(query)}`),
  forecast: (project: string, query: Record<string, string>) =>
    call<ForecastReport>(`/api/forecast?${new URLSearchParams({ project, ...query })}`),
  pipelineForecast: (project: string, query: Record<string, string>) =>
    call<PipelineForecastReport>(`/api/forecast/pipeline?${new URLSearchParams({ project, ...query })}`),
  scores: (project: string, query: Record<string, string>) =>
    call<ScoreApplyReport>(`/api/scores?${new URLSearchParams({ project, ...query })}`),
  scoreModels: (project: string) =>
    call<{ models: { name: string; trainedAt: string }[] }>(`/api/scores/models${projectQuery(project)}`),
  trainScores: (project: string, request: Record<string, string>) =>
    call<ScoreTrainReport>(`/api/scores/train${projectQuery(project)}`, request),
  applyScores: (project: string, request: Record<string, string>) =>
    call<ScoreApplyReport>(`/api/scores/apply${projectQuery(project)}`, request),
  goals: (project: string) => call<GoalsReport>(`/api/goals${projectQuery(project)}`),
  addGoal: (project: string, goal: Record<string, unknown>) => call<Goal>(`/api/goals${projectQuery(project)}`, goal),
  deleteGoal: (project: string, id: string) =>
    call<void>(`/api/goals/${encodeURIComponent(id)}${projectQuery(project)}`, undefined, 'DELETE'),
  live: (project: string) => call<LiveReport>(`/api/live?${new URLSearchParams({ project })}`),
  catalog: (project: string) => call<Catalog>(`/api/catalog?project=${encodeURIComponent(project)}`),
  events: (project: string) => call<{ events: EventName[] }>(`/api/events?project=${encodeURIComponent(project)}`),
  keys: (project: string) => call<{ keys: ApiKeyInfo[] }>(`/api/keys${projectQuery(project)}`),
  createKey: (project: string, role: string, label: string) =>
    call<ApiKeyInfo & { key: string }>(`/api/keys${projectQuery(project)}`, { role, ...(label ? { label } : {}) }),
  revokeKey: (project: string, id: string) =>
    call<void>(`/api/keys/${encodeURIComponent(id)}${projectQuery(project)}`, undefined, 'DELETE'),
  retention: (project: string) => call<{ days: number | null }>(`/api/retention${projectQuery(project)}`),
  setRetention: (project: string, days: number | null) =>
    call<{ days: number | null }>(`/api/retention${projectQuery(project)}`, { days }, 'PUT'),
  audit: (project: string) => call<{ entries: AuditEntry[] }>(`/api/audit${projectQuery(project)}&limit=50`),
  users: () => call<{ users: UserRecord[] }>('/api/users'),
  addUser: (user: { email: string; role: string; password: string; projects?: string[] }) =>
    call<UserRecord>('/api/users', user),
};

export const auth = {
  session: async () => {
    const state = await call<SessionState>('/auth/session');
    csrfToken = state.csrfToken;
    return state;
  },
  login: async (email: string, password: string) => {
    const state = await call<{ user: SessionState['user']; csrfToken: string }>('/auth/login', { email, password });
    csrfToken = state.csrfToken;
    return state;
  },
  logout: async () => {
    await call<void>('/auth/logout', undefined, 'POST');
    csrfToken = null;
  },
};
