import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { FunnelscopeError } from '../../model/errors.js';
import { openStore } from '../open-store.js';
import type { Output } from '../output.js';

export interface ServeOptions {
  /** The write-ahead log's folder (default beside the DuckDB file). */
  ingestDir?: string;
  port: string;
  host: string;
  flushMs?: string;
  maxBacklog?: string;
  logLevel: string;
  /** Milliseconds between checks of the alert rules (default 60,000). */
  alertsEveryMs?: string;
  /** Reverse proxies whose X-Forwarded-* headers count (comma-separated addresses or CIDRs; default loopback). */
  trustProxy?: string;
  /** A MaxMind DB country database: the visitor's country from its address (the address is not stored). */
  geoip?: string;
}

/**
 * `funnelscope serve`: ingestion (Segment, PostHog, GA4, pixel), operations routes, later the API and dashboard,
 * on one port over the store. Runs until SIGINT/SIGTERM, then stops taking requests, stores what the log holds and
 * closes the store.
 */
export async function serveCommand(config: Config, options: ServeOptions, output: Output): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new FunnelscopeError('invalid_argument', `--port: expected 0–65535, got ${options.port}`, {
      field: '--port',
    });
  }
  const flushMs = options.flushMs === undefined ? 1000 : Number(options.flushMs);
  if (!Number.isFinite(flushMs) || flushMs < 10) {
    throw new FunnelscopeError('invalid_argument', `--flush-ms: expected at least 10, got ${options.flushMs}`, {
      field: '--flush-ms',
    });
  }
  const maxBacklog = options.maxBacklog === undefined ? 1_000_000 : Number(options.maxBacklog);
  if (!Number.isInteger(maxBacklog) || maxBacklog < 1) {
    throw new FunnelscopeError(
      'invalid_argument',
      `--max-backlog: expected a positive integer, got ${options.maxBacklog}`,
      {
        field: '--max-backlog',
      },
    );
  }
  const [
    { buildApp },
    { createMetrics },
    { LiveIngest },
    { runAlerts },
    { ColumnCache },
    { networkDeliverer },
    { AccessControl, isLoopbackAddress },
    { applyRetention },
  ] = await Promise.all([
    import('../../server/app.js'),
    import('../../server/metrics.js'),
    import('../../store/live-ingest.js'),
    import('../../analysis/alerts/run-alerts.js'),
    import('../../engine/column-cache.js'),
    import('../../notify/network-deliverer.js'),
    import('../../server/access.js'),
    import('../../privacy/retention.js'),
  ]);
  const alertsEveryMs = options.alertsEveryMs === undefined ? 60_000 : Number(options.alertsEveryMs);
  if (!Number.isFinite(alertsEveryMs) || alertsEveryMs < 100) {
    throw new FunnelscopeError(
      'invalid_argument',
      `--alerts-every-ms: expected at least 100, got ${options.alertsEveryMs}`,
      {
        field: '--alerts-every-ms',
      },
    );
  }
  const loopback = isLoopbackAddress(options.host);
  const countryOfIp = options.geoip
    ? await (await import('../../ingest/geoip.js')).openCountryDatabase(options.geoip)
    : undefined;
  const store = await openStore(config);
  // Off this machine, only people who sign in (or hold a key) may read: refuse to start until an admin exists.
  const users = await store.listUsers();
  if (!loopback && !users.some((u) => u.role === 'admin' && u.projects === null)) {
    await store.close();
    throw new FunnelscopeError(
      'invalid_argument',
      `--host ${options.host}: refusing to listen beyond this machine until an admin exists; run \`funnelscope users add EMAIL --role admin\` first (docs/access.md)`,
      { field: '--host', value: options.host },
    );
  }
  const access = new AccessControl({ store, loopback });
  let newKeys = null;
  if (!(await store.hasKey(config.project, 'write'))) newKeys = await store.createProjectKeys(config.project);
  const dir =
    options.ingestDir ??
    (config.dbPath === ':memory:'
      ? mkdtempSync(join(tmpdir(), 'funnelscope-ingest-'))
      : config.dbPath.startsWith('clickhouse://')
        ? './funnelscope.ingest'
        : `${config.dbPath}.ingest`);
  let metrics: ReturnType<typeof createMetrics> | undefined;
  const ingest = await LiveIngest.start(store, {
    dir,
    flushMs,
    maxUnstoredEvents: maxBacklog,
    onStored: (r) => {
      metrics?.stored.inc(r.imported);
      metrics?.duplicates.inc(r.duplicates);
      metrics?.writeSeconds.observe(r.seconds);
      app.log.debug({ ...r }, 'stored ingest log segment');
      if (r.rejected > 0) app.log.warn({ ...r }, 'the store refused messages the receiver had accepted');
    },
    onError: (error, segment) => app.log.error({ err: error, segment: segment.path }, 'storing a log segment failed'),
  });
  metrics = createMetrics(() => ingest.backlog);
  const run = {
    ...(config.threads !== undefined ? { threads: Math.max(1, config.threads) } : {}),
    ...(config.parallelMinEvents !== undefined ? { parallelMinEvents: config.parallelMinEvents } : {}),
  };
  const app = buildApp({
    store,
    ingest,
    metrics,
    columns: store,
    run,
    access,
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    ...(countryOfIp ? { countryOfIp } : {}),
    logger: { level: options.logLevel },
  });
  const address = await app.listen({ port, host: options.host });
  output.out(`funnelscope serving ${config.dbPath} (project ${config.project}) at ${address}`);
  output.out(
    users.length === 0
      ? '  no users: open to this machine only (`funnelscope users add EMAIL --role admin` turns sign-in on)'
      : `  sign-in required (${users.length} user${users.length === 1 ? '' : 's'}); API keys in Authorization: Bearer …`,
  );
  if (newKeys) {
    output.out(`  write key of project ${newKeys.project}: ${newKeys.writeKey}`);
    output.out(`  read key of project ${newKeys.project}:  ${newKeys.readKey}`);
    output.out('  (shown once; `funnelscope projects create NAME` makes keys for other projects)');
  }

  // Alert rules (docs/alerts.md): every minute, the rules whose schedule ticked since their last check.
  const deliverer = networkDeliverer({ smtpUrl: config.smtpUrl, from: config.smtpFrom });
  const alertColumns = new ColumnCache(store);
  const checkAlerts = async () => {
    for (const project of await store.projectsWithAlertRules()) {
      // One project's failure does not keep the others from their checks.
      const records = await runAlerts(alertColumns, store, project, Date.now(), deliverer).catch((error) => {
        app.log.error({ err: error, project }, 'checking alert rules failed');
        return [];
      });
      for (const record of records) {
        app.log.info(
          { project, rule: record.ruleId, kind: record.kind, deliveries: record.deliveries },
          record.message.summary,
        );
      }
    }
  };
  const alerts = repeat(checkAlerts, alertsEveryMs, (error) =>
    app.log.error({ err: error }, 'checking alert rules failed'),
  );

  // Retention (docs/privacy.md): each project's old events go, at start and then hourly.
  const retainAll = async () => {
    for (const project of await store.projectsWithRetention()) {
      const run = await applyRetention(store, project, Date.now(), 'server').catch((error) => {
        app.log.error({ err: error, project }, 'applying the retention failed');
        return null;
      });
      if (run && run.deleted > 0) app.log.info({ ...run }, 'removed events older than the retention');
    }
  };
  const retention = repeat(
    retainAll,
    3_600_000,
    (error) => app.log.error({ err: error }, 'applying the retention failed'),
    {
      now: true,
    },
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await alerts.stop();
  await retention.stop();
  await app.close();
  const left = await ingest.stop({ drain: true });
  await store.close();
  if (left > 0) {
    output.err(
      `funnelscope: ${left.toLocaleString('en-US')} accepted events could not be stored before stopping; they stay in ${dir} and are stored at the next start`,
    );
    return 1;
  }
  return 0;
}

/**
 * Runs `task` every `everyMs` (and at once with `now`), never two rounds at once: a round still running when the
 * next is due lets it pass. Failures go to `onError`. `stop` ends the timer and waits for a running round.
 */
function repeat(
  task: () => Promise<void>,
  everyMs: number,
  onError: (error: unknown) => void,
  options: { now?: boolean } = {},
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const round = () => {
    if (running) return;
    running = task()
      .catch(onError)
      .finally(() => {
        running = null;
      });
  };
  if (options.now) round();
  const timer = setInterval(round, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
