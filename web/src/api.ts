/** The JSON API (docs/api.md) as the dashboard calls it: errors come back as their message, in words. */

export interface StepReport {
  index: number;
  name: string;
  count: number;
  conversionRate: number | null;
  conversionRateInterval: { lower: number; upper: number } | null;
  conversionFromPrevious: number | null;
  dropOff: number;
  medianTimeToConvertSeconds: number | null;
}

export interface BreakdownEntry {
  value: string | string[];
  steps: StepReport[];
}

export interface TimeToConvert {
  fromStep: number;
  toStep: number;
  converters: number;
  bins: { start: number; count: number }[];
  averageSeconds: number | null;
  survival: {
    conversionInWindow: number | null;
    medianSeconds: number | null;
    curve: { seconds: number; conversion: number; lower: number | null; upper: number | null }[];
  } | null;
}

export interface TrendPoint {
  periodStart: string;
  entered: number;
  converted: number;
  rate: number;
  rateInterval: { lower: number; upper: number } | null;
}

export interface FunnelReport {
  unit: string;
  steps: StepReport[];
  breakdown: BreakdownEntry[] | null;
  timeToConvert: TimeToConvert | null;
  trends: TrendPoint[] | null;
  stageRollup:
    | {
        stage: string;
        section: string;
        firstStep: number;
        count: number;
        conversionFromPrevious: number | null;
        conversionFromPreviousInterval: { lower: number; upper: number } | null;
      }[]
    | null;
  stats: { eventsScanned: number; units: number; elapsedMs: number };
}

export interface DiagnoseReport {
  dimensions: string[];
  leaks: {
    alpha: number;
    cellsTested: number;
    summary: string[];
    findings: {
      segment: string;
      fromName: string;
      toName: string;
      segmentRate: number;
      restRate: number;
      lostFinalConversions: number;
      sentence: string;
    }[];
  };
  durations: { summary: string[] };
  instead: {
    fromName: string;
    toName: string;
    dropped: number;
    nextEvents: { event: string; units: number; share: number }[];
    sankey: SankeyData;
  }[];
}

export interface SankeyData {
  nodes: { id: string; name: string; position: number; units: number }[];
  links: { source: string; target: string; units: number }[];
}

export interface Heatmap {
  x: string[];
  y: string[];
  data: [number, number, number | null][];
}

export interface CohortsReport {
  cohorts: { cohort: string; units: number; steps: { count: number; rate: number | null }[] }[];
  heatmap: Heatmap;
}

export interface Figure {
  value: number | null;
  note: string | null;
}

export interface Rate {
  rate: number | null;
  interval: { lower: number; upper: number } | null;
}

export interface KpiRow {
  key: string;
  spend: number;
  visitors: number;
  leads: number;
  customers: number;
  revenue: number;
  visitorToLead: Rate;
  costPerLead: Figure;
  cac: Figure;
  ltv: Figure;
  ltvToCac: Figure;
  paybackMonths: Figure;
  roi: Figure;
  roas: Figure;
}

export interface KpiReport {
  from: string;
  to: string;
  currency: string | null;
  total: KpiRow;
  rows: KpiRow[];
  benchmarks: { name: string; value: number; yours: number | null; verdict: string }[];
}

export interface PipelineReport {
  summary: {
    winRate: Rate;
    dealSize: { mean: number | null; median: number | null } | null;
    salesCycleDays: { median: number | null; mean: number | null };
  };
}

export interface LiveReport {
  minutes: number;
  since: string;
  waiting: number;
  events: { receivedAt: string; ts: string; type: string; event: string; distinctId: string; path: string | null }[];
  perMinute: { minute: string; events: number }[];
}

export interface EventName {
  event: string;
  events: number;
}

export interface SavedFunnel {
  id: string;
  name: string;
  definition: unknown;
  createdAt: string;
  updatedAt: string;
}

async function call<T>(path: string, body?: unknown, method?: string): Promise<T> {
  const response = await fetch(path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const json = (await response.json()) as T & { error?: { message: string } };
  if (!response.ok) throw new Error(json.error?.message ?? `${response.status} ${response.statusText}`);
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
  live: (project: string) => call<LiveReport>(`/api/live?${new URLSearchParams({ project })}`),
  events: (project: string) => call<{ events: EventName[] }>(`/api/events?project=${encodeURIComponent(project)}`),
};
