import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runAttribution } from '../../analysis/attribution/run-attribution.js';
import { runCohorts } from '../../analysis/cohorts/run-cohorts.js';
import { runDiagnose } from '../../analysis/diagnose/run-diagnose.js';
import { planExperiment } from '../../analysis/experiments/plan.js';
import { runExperiment } from '../../analysis/experiments/run-experiment.js';
import { runForecast } from '../../analysis/forecast/run-forecast.js';
import { runPipelineForecast } from '../../analysis/forecast/run-pipeline-forecast.js';
import { runFunnel } from '../../analysis/funnel/run-funnel.js';
import { evaluateGoals, removeGoal } from '../../analysis/goals/run-goals.js';
import { kpiReport } from '../../analysis/kpi/kpi-report.js';
import { runAnomalies } from '../../analysis/monitoring/run-anomalies.js';
import { runPaths } from '../../analysis/paths/run-paths.js';
import { runPipeline } from '../../analysis/pipeline/run-pipeline.js';
import { applyLeadScoring, explainLeadScore, trainLeadScoring } from '../../analysis/scoring/run-scoring.js';
import { ColumnCache, personBatches } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import {
  alertRuleOf,
  anomaliesSpec,
  attributionSpec,
  cohortsSpec,
  diagnoseSpec,
  experimentPlanSpec,
  experimentSpec,
  forecastSpec,
  goalDefinitionOf,
  jsonName,
  kpiSpec,
  pathsSpec,
  pipelineForecastSpec,
  pipelineSpec,
  type RequestValues,
  scoreApplySpec,
  scoreExplainSpec,
  scoreTrainSpec,
} from '../../model/report-requests.js';
import type { EventColumnSource } from '../../store/event-columns.js';
import type { Store } from '../../store/store.js';

export interface ApiOptions {
  columns: EventColumnSource;
  /** Spend, deals and their stage histories (the kpi and pipeline reports). */
  store: Pick<
    Store,
    | 'spendAndDeals'
    | 'dealRecords'
    | 'listFunnels'
    | 'saveFunnel'
    | 'updateFunnel'
    | 'deleteFunnel'
    | 'recentEvents'
    | 'catalog'
    | 'channelSettings'
    | 'setChannelSettings'
    | 'getPerson'
    | 'importFile'
    | 'saveScoringModel'
    | 'getScoringModel'
    | 'listScoringModels'
    | 'personTraitNames'
    | 'listGoals'
    | 'addGoal'
    | 'deleteGoal'
    | 'listAlertRules'
    | 'addAlertRule'
    | 'deleteAlertRule'
    | 'alertHistory'
  >;
  /** Accepted events not yet in the store (the live view says so). */
  backlog?: () => number;
  /** Thread settings of the runs (FUNNELSCOPE_THREADS, FUNNELSCOPE_PARALLEL_MIN_EVENTS). */
  run?: { threads?: number; parallelMinEvents?: number };
}

/** The project of the request, as the access check authorised it (`?project=NAME`, else the caller's own). */
function projectOf(request: FastifyRequest): string {
  if (request.project === undefined) throw new FunnelscopeError('internal', 'the route was not authorised');
  return request.project;
}

// What each route needs (docs/access.md): reports read; saved things are edited; channel rules are an admin's.
const read = { config: { access: 'read' } } as const;
const edit = { config: { access: 'edit' } } as const;
const admin = { config: { access: 'admin' } } as const;

function objectBody(body: unknown, route: string): RequestValues {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new FunnelscopeError('invalid_argument', `${route}: the body must be a JSON object`, { field: 'body' });
  }
  return body as RequestValues;
}

/** The definition of a report request: `definition` in the body. */
function definitionOf(values: RequestValues) {
  if (values.definition === undefined) {
    throw new FunnelscopeError('invalid_definition', 'definition: the request names no funnel definition', {
      field: 'definition',
    });
  }
  return parseFunnelDefinition(values.definition);
}

/**
 * The JSON API (DESIGN §5, docs/api.md): each report the CLI prints as JSON, from the same functions with the same
 * options, over one column cache kept warm between requests.
 */
export async function apiRoutes(app: FastifyInstance, options: ApiOptions): Promise<void> {
  const cache = new ColumnCache(options.columns);
  const run = options.run ?? {};

  // Answers kept per project until its data version changes (new events, merges, deals).
  const answers = new Map<string, { version: string; answer: Promise<unknown> }>();
  const perVersion = async <T>(what: string, project: string, make: () => Promise<T>): Promise<T> => {
    const version = await options.columns.dataVersion(project);
    const key = JSON.stringify([what, project]);
    const known = answers.get(key);
    if (known?.version === version) return known.answer as Promise<T>;
    const answer = make();
    answers.set(key, { version, answer });
    answer.catch(() => {
      if (answers.get(key)?.answer === answer) answers.delete(key);
    });
    return answer;
  };

  // The event names of the project, the most frequent first (the funnel builder's pick list): one pass over the
  // persons, batch by batch when the store streams the project.
  app.get('/api/events', read, async (request) => {
    const project = projectOf(request);
    const events = await perVersion('events', project, async () => {
      const { eventNames, batches } = await personBatches(cache, project, { eventValues: [], personValues: [] });
      const counts = new Float64Array(eventNames.length);
      for await (const batch of batches) {
        const { eventCode, eventCount } = batch.columns;
        for (let i = 0; i < eventCount; i += 1) {
          const code = eventCode[i] as number;
          counts[code] = (counts[code] as number) + 1;
        }
      }
      return eventNames
        .map((event, code) => ({ event, events: counts[code] as number }))
        .filter((e) => e.events > 0)
        .sort((a, b) => b.events - a.events || a.event.localeCompare(b.event));
    });
    return { events };
  });

  // Property names and deal stages (the builder's filter, breakdown and deal-stage pick lists).
  app.get('/api/catalog', read, async (request) => {
    const project = projectOf(request);
    return perVersion('catalog', project, () => options.store.catalog(project));
  });

  app.post('/api/funnel', read, async (request) => {
    return runFunnel(cache, projectOf(request), parseFunnelDefinition(request.body), run);
  });

  app.post('/api/diagnose', read, async (request) => {
    const values = objectBody(request.body, 'diagnose');
    return runDiagnose(cache, projectOf(request), diagnoseSpec(definitionOf(values), values, jsonName), run);
  });

  app.post('/api/cohorts', read, async (request) => {
    const values = objectBody(request.body, 'cohorts');
    return runCohorts(cache, projectOf(request), cohortsSpec(definitionOf(values), values, jsonName), run);
  });

  // Live view: what arrived in the last minutes (stored events, by arrival), and what waits to be stored.
  app.get('/api/live', read, async (request) => {
    const query = request.query as Record<string, string>;
    const minutes = query.minutes === undefined ? 15 : Number(query.minutes);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new FunnelscopeError('invalid_argument', 'minutes: expected an integer from 1 to 1440', {
        field: 'minutes',
      });
    }
    const since = Date.now() - minutes * 60_000;
    const recent = await options.store.recentEvents(projectOf(request), since, 50);
    return { minutes, since: new Date(since).toISOString(), waiting: options.backlog?.() ?? 0, ...recent };
  });

  // Saved funnels (the dashboard's list): the definition is checked when saved and kept as given.
  const funnelName = (value: unknown): string => {
    if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
      throw new FunnelscopeError('invalid_argument', 'name: expected a name of 1 to 200 characters', { field: 'name' });
    }
    return value.trim();
  };
  const missing = (id: string) =>
    new FunnelscopeError('not_found', `no saved funnel ${JSON.stringify(id)} in this project`, { field: 'id' });
  app.get('/api/funnels', read, async (request) => ({ funnels: await options.store.listFunnels(projectOf(request)) }));
  app.post('/api/funnels', edit, async (request, reply) => {
    const values = objectBody(request.body, 'funnels');
    const name = funnelName(values.name);
    definitionOf(values);
    const saved = await options.store.saveFunnel(projectOf(request), name, values.definition);
    return reply.status(201).send(saved);
  });
  app.patch<{ Params: { id: string } }>('/api/funnels/:id', edit, async (request) => {
    const values = objectBody(request.body, 'funnels');
    const change: { name?: string; definition?: unknown } = {};
    if (values.name !== undefined) change.name = funnelName(values.name);
    if (values.definition !== undefined) {
      definitionOf(values);
      change.definition = values.definition;
    }
    const saved = await options.store.updateFunnel(projectOf(request), request.params.id, change);
    if (!saved) throw missing(request.params.id);
    return saved;
  });
  app.delete<{ Params: { id: string } }>('/api/funnels/:id', edit, async (request, reply) => {
    if (!(await options.store.deleteFunnel(projectOf(request), request.params.id))) {
      throw missing(request.params.id);
    }
    return reply.status(204).send();
  });

  // GET takes the options as query parameters (text, read as the CLI reads its flags); POST as a JSON body.
  const queryValues = (query: unknown): RequestValues => {
    const { project: _, ...values } = query as Record<string, string>;
    return values;
  };

  const kpi = async (project: string, values: RequestValues) => {
    const funnel = values.funnel === undefined ? null : parseFunnelDefinition(values.funnel);
    return kpiReport(options.store, cache, kpiSpec(project, values, jsonName, Date.now()), funnel, run);
  };
  app.get('/api/kpi', read, async (request) => kpi(projectOf(request), queryValues(request.query)));
  app.post('/api/kpi', read, async (request) => kpi(projectOf(request), objectBody(request.body, 'kpi')));

  const pipeline = async (project: string, values: RequestValues) =>
    runPipeline(await options.store.dealRecords(project), pipelineSpec(project, values, jsonName, Date.now()));
  app.get('/api/pipeline', read, async (request) => pipeline(projectOf(request), queryValues(request.query)));
  app.post('/api/pipeline', read, async (request) =>
    pipeline(projectOf(request), objectBody(request.body, 'pipeline')),
  );

  // The project's channel grouping: its rules and referral exclusions (docs/channels.md).
  app.get('/api/channels', read, async (request) => options.store.channelSettings(projectOf(request)));
  app.put('/api/channels', admin, async (request) => {
    const result = await options.store.setChannelSettings(projectOf(request), request.body ?? {});
    return result;
  });

  // An experiment's result (docs/experiments.md): GET /api/experiments/ID?goal=EVENT (or the options in a POST body).
  const experiment = async (project: string, id: string, values: RequestValues) =>
    runExperiment(cache, experimentSpec(project, id, values, jsonName));
  // Planning a test (no data read): GET /api/experiments/plan?baseline=1.9%&target=2.35%&traffic=2000.
  app.get('/api/experiments/plan', read, async (request) =>
    planExperiment(experimentPlanSpec(queryValues(request.query), jsonName)),
  );
  app.get<{ Params: { id: string } }>('/api/experiments/:id', read, async (request) =>
    experiment(projectOf(request), request.params.id, queryValues(request.query)),
  );
  app.post<{ Params: { id: string } }>('/api/experiments/:id', read, async (request) =>
    experiment(projectOf(request), request.params.id, objectBody(request.body, 'experiment')),
  );

  const attribution = async (project: string, values: RequestValues) =>
    runAttribution(cache, options.store, attributionSpec(project, values, jsonName));
  app.get('/api/attribution', read, async (request) => attribution(projectOf(request), queryValues(request.query)));
  app.post('/api/attribution', read, async (request) =>
    attribution(projectOf(request), objectBody(request.body, 'attribution')),
  );

  const paths = async (project: string, values: RequestValues) => runPaths(cache, project, pathsSpec(values, jsonName));
  app.post('/api/paths', read, async (request) => paths(projectOf(request), objectBody(request.body, 'paths')));
  app.get('/api/paths', read, async (request) => paths(projectOf(request), queryValues(request.query)));

  // Forecasts (docs/forecasting.md): GET /api/forecast?metric=revenue&by=month&horizon=6 and the pipeline's.
  const forecast = async (project: string, values: RequestValues) =>
    runForecast(cache, options.store, forecastSpec(project, values, jsonName));
  app.get('/api/forecast', read, async (request) => forecast(projectOf(request), queryValues(request.query)));
  app.post('/api/forecast', read, async (request) =>
    forecast(projectOf(request), objectBody(request.body, 'forecast')),
  );
  const pipelineForecast = async (project: string, values: RequestValues) =>
    runPipelineForecast(options.store, pipelineForecastSpec(project, values, jsonName));
  app.get('/api/forecast/pipeline', read, async (request) =>
    pipelineForecast(projectOf(request), queryValues(request.query)),
  );
  app.post('/api/forecast/pipeline', read, async (request) =>
    pipelineForecast(projectOf(request), objectBody(request.body, 'forecast pipeline')),
  );

  // Lead scoring (docs/scoring.md): train (POST), the scored leads (GET: nothing written; POST …/apply writes the
  // traits), one lead's explanation, the saved models.
  app.post('/api/scores/train', edit, async (request) =>
    trainLeadScoring(
      cache,
      options.store,
      scoreTrainSpec(projectOf(request), objectBody(request.body, 'scores/train'), jsonName),
    ),
  );
  app.get('/api/scores', read, async (request) =>
    applyLeadScoring(
      cache,
      options.store,
      scoreApplySpec(projectOf(request), queryValues(request.query), jsonName),
      false,
    ),
  );
  app.post('/api/scores/apply', edit, async (request) =>
    applyLeadScoring(
      cache,
      options.store,
      scoreApplySpec(projectOf(request), objectBody(request.body ?? {}, 'scores/apply'), jsonName),
      true,
    ),
  );
  app.get('/api/scores/models', read, async (request) => ({
    models: await options.store.listScoringModels(projectOf(request)),
  }));
  app.get<{ Params: { id: string } }>('/api/scores/people/:id', read, async (request) =>
    explainLeadScore(
      cache,
      options.store,
      scoreExplainSpec(projectOf(request), request.params.id, queryValues(request.query), jsonName),
    ),
  );

  // Anomalies in a daily series (docs/monitoring.md): GET /api/anomalies?metric=conversions&event=… or a POST body
  // (with `definition` for a funnel's conversion).
  const anomalies = async (project: string, values: RequestValues) => {
    const definition = values.definition === undefined ? null : parseFunnelDefinition(values.definition);
    return runAnomalies(cache, options.store, anomaliesSpec(project, definition, values, jsonName));
  };
  app.get('/api/anomalies', read, async (request) => anomalies(projectOf(request), queryValues(request.query)));
  app.post('/api/anomalies', read, async (request) =>
    anomalies(projectOf(request), objectBody(request.body, 'anomalies')),
  );

  // Goals (docs/goals.md): each judged over its current period; add one (201), delete one (204, or 404).
  app.get('/api/goals', read, async (request) => {
    const asOf = (request.query as { asOf?: string }).asOf;
    return evaluateGoals(cache, options.store, projectOf(request), asOf ?? null);
  });
  app.post('/api/goals', edit, async (request, reply) => {
    const goal = goalDefinitionOf(objectBody(request.body, 'goals'), jsonName);
    const saved = await options.store.addGoal(projectOf(request), goal);
    return reply.status(201).send(saved);
  });
  app.delete<{ Params: { id: string } }>('/api/goals/:id', edit, async (request, reply) => {
    await removeGoal(options.store, projectOf(request), request.params.id);
    return reply.status(204).send();
  });

  // Alert rules (docs/alerts.md): list, add (201), delete (204, or 404), and what fired.
  app.get('/api/alerts', read, async (request) => ({ rules: await options.store.listAlertRules(projectOf(request)) }));
  app.post('/api/alerts', edit, async (request, reply) => {
    const project = projectOf(request);
    const goals = await options.store.listGoals(project);
    const rule = alertRuleOf(
      objectBody(request.body, 'alerts'),
      jsonName,
      goals.map((g) => g.id),
    );
    return reply.status(201).send(await options.store.addAlertRule(project, rule));
  });
  app.delete<{ Params: { id: string } }>('/api/alerts/:id', edit, async (request, reply) => {
    const project = projectOf(request);
    if (!(await options.store.deleteAlertRule(project, request.params.id))) {
      throw new FunnelscopeError('not_found', `alert rule: no rule "${request.params.id}" in project ${project}`, {
        field: 'id',
      });
    }
    return reply.status(204).send();
  });
  app.get('/api/alerts/history', read, async (request) => ({
    history: await options.store.alertHistory(projectOf(request), 200),
  }));
}
