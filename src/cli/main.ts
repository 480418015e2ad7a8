import { Command, Option } from 'commander';
import { resolveConfig } from '../config.js';
import { defaultDimensions } from '../model/diagnose-dimensions.js';
import { FunnelscopeError } from '../model/errors.js';
import { fileFormats, type ImportKind, importKinds } from '../model/import.js';
import { funnelFormats, type Output, processOutput, reportError } from './output.js';

interface GlobalFlags {
  db?: string;
  store?: string;
  project?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Builds the command tree. Each action loads its module lazily, so `--help` never loads DuckDB. */
export function buildProgram(output: Output, setExit: (code: number) => void): Command {
  const program = new Command('funnelscope')
    .description('Self-hosted sales-funnel analytics: ad spend → events → CRM deal stages → revenue')
    .version('0.1.0')
    .option(
      '--db <path>',
      'DuckDB file of the store (env FUNNELSCOPE_DB; default ./funnelscope.duckdb; :memory: allowed)',
    )
    .option(
      '--store <url>',
      'ClickHouse store instead of the DuckDB file: clickhouse://HOST:PORT[,HOST:PORT…]/DB?cluster=NAME, one HTTP address per shard (env FUNNELSCOPE_STORE)',
    )
    .option('--project <name>', 'project the command reads or writes (env FUNNELSCOPE_PROJECT; default "default")')
    .configureOutput({ writeOut: (s) => output.out(s), writeErr: (s) => output.err(s) })
    .showHelpAfterError()
    .exitOverride(); // before the subcommands, which inherit it: main() decides the exit code
  const config = () => resolveConfig(program.opts<GlobalFlags>());

  program
    .command('import')
    .description(
      'import files: events (NDJSON in the Segment spec, CSV, Parquet; .gz too), deals, deal-stages, spend (CSV)',
    )
    .addArgument(program.createArgument('<kind>', 'what the files hold').choices(importKinds))
    .argument('<files...>', 'files to import; each lands whole or not at all')
    .addOption(new Option('--format <format>', 'file format when the name does not tell').choices(fileFormats))
    .option('--skip-invalid', 'import the good rows; write the rejected ones with reasons to FILE.rejected.ndjson')
    .option('--map <field=column>', 'read a field from a differently named column (repeatable; a=b,c=d)', collect)
    .option('--set <field=value>', 'give a field the same value on every row (repeatable)', collect)
    .option('--json', 'print the summary as JSON')
    .option('--no-prepare', 'do not build the funnel column snapshot after importing (the first funnel will)')
    .action(async (kind: ImportKind, files: string[], options) => {
      const { importCommand } = await import('./commands/import.js');
      setExit(await importCommand(config(), kind, files, options, output));
    });

  const people = program.command('people').description('persons: all distinct ids of one human, merged');
  people
    .command('show')
    .description('print a person found by any of its ids: ids, traits, groups, deals, recent events')
    .argument('<id>', 'a userId, anonymousId or person id')
    .option('--json', 'print as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { peopleShowCommand } = await import('./commands/people.js');
      setExit(await peopleShowCommand(config(), id, options, output));
    });
  people
    .command('delete')
    .description('erase a person on request: all its ids, events, traits, identity links and deal links (audited)')
    .argument('<id>', 'a userId, anonymousId or person id')
    .option('--json', 'print what was removed as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { peopleDeleteCommand } = await import('./commands/people.js');
      setExit(await peopleDeleteCommand(config(), id, options, output));
    });

  program
    .command('demo')
    .description('fill the store with a generated B2B SaaS business (deterministic for a seed)')
    .option('--seed <n>', 'random seed', '42')
    .option('--visitors <n>', 'number of visitors', '50000')
    .option('--days <n>', 'days of history', '180')
    .option('--end-date <YYYY-MM-DD>', 'last day of the data (default: yesterday, UTC)')
    .option('--if-empty', 'do nothing when the project already has events')
    .option('--json', 'print the import summaries as JSON')
    .action(async (options) => {
      const { demoCommand } = await import('./commands/demo.js');
      setExit(await demoCommand(config(), options, output));
    });

  program
    .command('funnel')
    .description('run a funnel: units per step, conversion with 95% intervals, times, breakdown, trends, correlation')
    .requiredOption('--definition <file|json>', 'the funnel definition: a JSON file, or the JSON itself')
    .option('--events <files...>', 'run over these event files in a throw-away in-memory store instead of --db')
    .addOption(new Option('--format <format>', 'output format').choices(funnelFormats).default('json'))
    .action(async (options) => {
      const { funnelCommand } = await import('./commands/funnel.js');
      setExit(await funnelCommand(config(), options, output));
    });

  program
    .command('diagnose')
    .description('rank the leaks of a funnel: which segment converts worse at which step, how sure, how much it costs')
    .requiredOption('--definition <file|json>', 'the funnel definition: a JSON file, or the JSON itself')
    .option('--dimensions <list>', `event properties to segment by (default: ${defaultDimensions.join(',')})`)
    .option('--add <list>', 'more event properties to segment by, on top of --dimensions')
    .option('--pairs', 'also segment by every pair of dimensions (e.g. device_type × channel)')
    .option('--alpha <fraction>', 'false discovery rate (Benjamini–Hochberg) of the findings', '0.05')
    .option('--min-units <n>', 'fewer units at a step than this in a segment or the rest: not enough data', '30')
    .option('--top <n>', 'findings to list, the largest loss first', '10')
    .option('--instead-depth <n>', 'events after the step in the paths of the units that dropped there', '3')
    .option('--instead-top <n>', 'next events and paths listed per transition for the units that dropped', '5')
    .addOption(
      new Option('--period <period>', 'periods of the time-between-steps trend')
        .choices(['week', 'month'])
        .default('month'),
    )
    .option('--recent-periods <n>', 'latest periods the time-between-steps trend looks at', '6')
    .option('--events <files...>', 'run over these event files in a throw-away in-memory store instead of --db')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { diagnoseCommand } = await import('./commands/diagnose.js');
      setExit(await diagnoseCommand(config(), options, output));
    });

  program
    .command('paths')
    .description(
      'path explorer: what people did after (--from) or before (--to) an event, as top paths and Sankey nodes',
    )
    .option('--from <event>', 'paths after the first time each person did this event (or page, with --page-paths)')
    .option('--to <event>', 'paths leading up to the first time each person did this event')
    .option('--depth <n>', 'events after (before) the anchor, 1-10', '5')
    .option('--window <duration>', 'only events within this time of the anchor (30m, 2h, 7d, 1w)')
    .option('--exclude <events...>', 'event names (or pages) left out of the paths')
    .option('--page-paths', 'label page views by their path ($pageview /pricing)')
    .option('--repeats', 'keep an event repeated right after itself (collapsed by default)')
    .option('--identity-calls', 'keep identify, group and alias calls and experiment exposures (left out by default)')
    .option('--top <n>', 'paths listed, the most frequent first', '20')
    .option('--nodes <n>', 'nodes per Sankey column; the rest of the column is one (other) node', '10')
    .option('--date-from <date>', 'anchors on or after this day (YYYY-MM-DD, UTC)')
    .option('--date-to <date>', 'anchors on or before this day (YYYY-MM-DD, UTC)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { pathsCommand } = await import('./commands/paths.js');
      setExit(await pathsCommand(config(), options, output));
    });

  program
    .command('attribution')
    .description(
      'which channels earned the conversions and revenue: rule-based, Markov and Shapley models side by side',
    )
    .requiredOption('--conversion <event|deal_won>', 'the conversion: an event name, or deal_won (a deal entering won)')
    .option('--lookback <duration>', 'touchpoints up to this long before a conversion count (30d, 2w)', '30d')
    .option('--session-gap <duration>', 'a session (touchpoint) ends after this long without a web event', '30m')
    .option('--from <date>', 'conversions and spend from this day, YYYY-MM-DD (default: the first day of data)')
    .option('--to <date>', 'conversions and spend to this day, YYYY-MM-DD (default: the last day of data)')
    .option('--half-life <duration>', 'time decay: a touchpoint this long before counts half', '7d')
    .option('--position-based <first/middle/last>', 'position-based shares in percent', '40/20/40')
    .option('--markov-order <n>', 'order of the Markov chain, 1-4', '1')
    .option('--bootstrap <n>', 'bootstrap replicates for the intervals (0: none)', '100')
    .option('--seed <n>', 'seed of the bootstrap', '1')
    .option('--currency <code>', "the report's currency (default: the only one the data uses)")
    .option('--rates <file>', 'CSV currency,rate: one unit of each other currency in the report currency')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { attributionCommand } = await import('./commands/attribution.js');
      setExit(await attributionCommand(config(), options, output));
    });

  program
    .command('cohorts')
    .description('cohort tables: conversion to each step by entry period or property, and retention of an event')
    .requiredOption('--definition <file|json>', 'the funnel definition: a JSON file, or the JSON itself')
    .addOption(
      new Option('--period <period>', 'cohorts by the period of entry')
        .choices(['day', 'week', 'month'])
        .default('week'),
    )
    .option('--property <name>', 'cohorts by this event property instead (the first in-funnel value, e.g. channel)')
    .option('--retention <event>', 'also the retention of this returning event over the periods after the start')
    .option('--retention-periods <n>', 'retention periods 0 … n−1', '8')
    .addOption(
      new Option(
        '--retention-period <period>',
        'length of a retention period (a month is 30 days; default --period)',
      ).choices(['day', 'week', 'month']),
    )
    .addOption(
      new Option('--retention-from <start>', 'retention counted from entering or from converting')
        .choices(['entry', 'conversion'])
        .default('entry'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { cohortsCommand } = await import('./commands/cohorts.js');
      setExit(await cohortsCommand(config(), options, output));
    });

  program
    .command('kpi')
    .description(
      'unit economics: spend, visitors, leads, customers, revenue, cost per lead, CAC, ROI/ROAS, LTV, payback',
    )
    .option('--from <date>', 'first day of the period, YYYY-MM-DD (default: 89 days before --to)')
    .option('--to <date>', 'last day of the period, YYYY-MM-DD (default: today, UTC)')
    .option('--by <dimension>', 'channel, campaign, month, channel-month or total', 'channel')
    .option('--currency <code>', "the report's currency (default: the only one the data uses)")
    .option('--rates <file>', 'CSV currency,rate: one unit of each other currency in the report currency')
    .option('--gross-margin <fraction>', 'gross margin for LTV and payback, 0–1', '1')
    .option('--monthly-churn <fraction>', 'monthly churn for the LTV formula (recurring revenue)')
    .option('--revenue-period <period>', 'a won deal amount is paid once, per month or per year', 'once')
    .option(
      '--benchmarks <file>',
      'CSV name,value of visitor → lead reference rates (default: landing pages 2.35%, 5.31%)',
    )
    .option('--min-count <n>', 'fewer than this in a rate prints n<N', '10')
    .option('--funnel <file|json>', 'a funnel definition whose conversion per step (e.g. by device) joins the report')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { kpiCommand } = await import('./commands/kpi.js');
      setExit(await kpiCommand(config(), options, output));
    });

  program
    .command('pipeline')
    .description(
      'the deals pipeline: win rates, stage conversion, deal size, sales cycle, time in stage, aging deals, velocity',
    )
    .option('--by <dimension>', 'owner, pipeline, channel (source channel), month (created) or property:NAME')
    .option('--stages <list>', 'the open stages in order, comma-separated (default: derived from the histories)')
    .option('--as-of <date>', 'the day whose end is "now" for the age of open deals (default: now)')
    .option('--min-count <n>', 'fewer deals than this in a figure print n<N instead of a rate', '10')
    .option('--stage-map <list>', 'deal stage → funnel stage, e.g. lead=interest,demo=intent (over the default rules)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { pipelineCommand } = await import('./commands/pipeline.js');
      setExit(await pipelineCommand(config(), options, output));
    });

  program
    .command('serve')
    .description('the server: Segment / PostHog / GA4 ingestion, pixel and snippet, health and metrics, on one port')
    .option('--port <n>', 'port to listen on', '8080')
    .option('--host <address>', 'address to bind (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--flush-ms <n>', 'how often logged events are moved into the store, in ms', '1000')
    .option('--max-backlog <n>', 'accepted events waiting to be stored beyond which requests get 503', '1000000')
    .option('--log-level <level>', 'pino log level: fatal, error, warn, info, debug, trace, silent', 'info')
    .option('--alerts-every-ms <ms>', 'how often the alert rules are checked', '60000')
    .option(
      '--geoip <file>',
      "a MaxMind DB country database (GeoLite2-Country, DB-IP Lite): the visitor's country from its address, which is not stored",
    )
    .option(
      '--trust-proxy <addresses>',
      'reverse proxies whose X-Forwarded-Proto/-For count, comma-separated addresses or CIDRs (default: loopback)',
    )
    .option(
      '--ingest-dir <dir>',
      'folder of the write-ahead log of accepted events (default: beside the DuckDB file; ./funnelscope.ingest with --store)',
    )
    .action(async (options) => {
      const { serveCommand } = await import('./commands/serve.js');
      setExit(await serveCommand(config(), options, output));
    });

  const projects = program.command('projects').description('projects and their API keys');
  projects
    .command('create')
    .description('create a project (when new) and print a fresh write key (ingest only) and read key')
    .argument('<name>', 'project name')
    .option('--json', 'print {"name","writeKey","readKey"}')
    .action(async (name: string, options: { json?: boolean }) => {
      const { projectsCreateCommand } = await import('./commands/projects.js');
      setExit(await projectsCreateCommand(config(), name, options, output));
    });

  program
    .command('backup')
    .description('a consistent copy of the whole store in a new DuckDB file, checked (--server: from a running server)')
    .argument('<out>', 'the backup file to write (must not exist)')
    .option('--server <url>', 'take it from a running server (needs a server-wide admin key)')
    .option('--key <key>', 'the server-wide admin key (env FUNNELSCOPE_KEY)')
    .option('--json', 'print the check as JSON')
    .action(async (out: string, options: { server?: string; key?: string; json?: boolean }) => {
      const { backupCommand } = await import('./commands/backup.js');
      setExit(await backupCommand(config(), out, options, output));
    });
  program
    .command('restore')
    .description('check a backup and put it in place as the --db file (the server stopped)')
    .argument('<backup>', 'a file made by funnelscope backup')
    .option('--force', 'replace the --db file when it exists')
    .option('--json', 'print the check as JSON')
    .action(async (backup: string, options: { force?: boolean; json?: boolean }) => {
      const { restoreCommand } = await import('./commands/backup.js');
      setExit(await restoreCommand(config(), backup, options, output));
    });
  program
    .command('check')
    .description('the integrity check of the --db file: every table read whole, schema and project rows checked')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const { checkCommand } = await import('./commands/backup.js');
      setExit(await checkCommand(config(), options, output));
    });

  const retention = program
    .command('retention')
    .description('how long the --project keeps its events (docs/privacy.md)');
  retention
    .command('show')
    .description('the retention of the --project')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const { retentionShowCommand } = await import('./commands/retention.js');
      setExit(await retentionShowCommand(config(), options, output));
    });
  retention
    .command('set')
    .description('remove events older than DAYS days (off: keep them); serve applies it hourly')
    .argument('<days>', 'whole days, or off')
    .action(async (days: string) => {
      const { retentionSetCommand } = await import('./commands/retention.js');
      setExit(await retentionSetCommand(config(), days, output));
    });
  retention
    .command('apply')
    .description('remove the events older than the retention now')
    .option('--json', 'print what was removed as JSON')
    .action(async (options: { json?: boolean }) => {
      const { retentionApplyCommand } = await import('./commands/retention.js');
      setExit(await retentionApplyCommand(config(), options, output));
    });

  const users = program.command('users').description('dashboard users and their roles (docs/access.md)');
  users
    .command('add')
    .description('add a user, or change the role, projects and password of one (asks for the password)')
    .argument('<email>', "the user's email (their name at sign-in)")
    .requiredOption('--role <role>', 'admin (everything), analyst (reports and saved things) or viewer (reports)')
    .option('--projects <names>', 'comma-separated projects the user may use (default: every project)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--json', 'print the user as JSON')
    .action(
      async (email: string, options: { role: string; projects?: string; passwordStdin?: boolean; json?: boolean }) => {
        const { usersAddCommand } = await import('./commands/access.js');
        setExit(await usersAddCommand(config(), email, options, output));
      },
    );
  users
    .command('list')
    .description('the users with their roles and projects')
    .option('--json', 'print {"users": […]}')
    .action(async (options: { json?: boolean }) => {
      const { usersListCommand } = await import('./commands/access.js');
      setExit(await usersListCommand(config(), options, output));
    });
  users
    .command('remove')
    .description('remove a user (not the last admin)')
    .argument('<email>', "the user's email")
    .action(async (email: string) => {
      const { usersRemoveCommand } = await import('./commands/access.js');
      setExit(await usersRemoveCommand(config(), email, output));
    });

  const keys = program.command('keys').description('API keys of a project (--project): write, read or admin');
  keys
    .command('create')
    .description('a new key of the project, shown once (stored hashed)')
    .requiredOption('--role <role>', 'write (send events only), read (reports) or admin (everything in the project)')
    .option('--label <text>', 'what the key is for')
    .option('--server-wide', 'a key over every project (read or admin), e.g. for backups and /metrics')
    .option('--json', 'print the key and its listing as JSON')
    .action(async (options: { role: string; label?: string; serverWide?: boolean; json?: boolean }) => {
      const { keysCreateCommand } = await import('./commands/access.js');
      setExit(await keysCreateCommand(config(), options, output));
    });
  keys
    .command('list')
    .description("the project's keys, live and revoked (ids and prefixes, never the keys)")
    .option('--server-wide', 'the server-wide keys')
    .option('--json', 'print {"keys": […]}')
    .action(async (options: { serverWide?: boolean; json?: boolean }) => {
      const { keysListCommand } = await import('./commands/access.js');
      setExit(await keysListCommand(config(), options, output));
    });
  keys
    .command('revoke')
    .description('revoke a key by its id (from keys list)')
    .argument('<id>', "the key's id")
    .option('--server-wide', 'a server-wide key')
    .action(async (id: string, options: { serverWide?: boolean }) => {
      const { keysRevokeCommand } = await import('./commands/access.js');
      setExit(await keysRevokeCommand(config(), id, options, output));
    });

  program
    .command('audit')
    .description("the audit log of the project (--all: every project and the server's own entries), newest first")
    .option('--all', 'every project and server-wide entries (users)')
    .option('--limit <n>', 'at most this many entries', '100')
    .option('--json', 'print {"entries": […]}')
    .action(async (options: { all?: boolean; limit: string; json?: boolean }) => {
      const { auditCommand } = await import('./commands/access.js');
      setExit(await auditCommand(config(), options, output));
    });

  const experiment = program
    .command('experiment')
    .description("A/B tests: an experiment's result (ID --goal EVENT), or planning one (plan) (docs/experiments.md)")
    .argument('[id]', 'the experiment: experiment_id of Experiment Viewed events, or the $feature_flag')
    .option('--goal <event>', 'the goal event, reached within the window after the first exposure')
    .option('--window <duration>', 'time after the first exposure in which the goal counts (7d, 2w)', '14d')
    .option('--control <variant>', 'the control variant (default: control, else the first by name)')
    .option('--property <name>', 'read the variant from this event property instead (the experiment is its name)')
    .option('--include-multiple', 'keep units that saw several variants, at their first (left out by default)')
    .option('--alpha <level>', 'significance level', '0.05')
    .option('--tau <difference>', "the sequential test's τ: the absolute difference worth detecting", '0.01')
    .option('--correction <method>', 'over several variants: holm or bh', 'holm')
    .option('--split <shares>', 'planned split for the sample-ratio check, e.g. control=50,new=50 (default: equal)')
    .option('--funnel <file|json>', 'also this funnel per variant, its steps after the exposure (docs/funnels.md)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (id: string | undefined, options) => {
      if (!id) {
        experiment.help();
        return;
      }
      const { experimentCommand } = await import('./commands/experiment.js');
      setExit(await experimentCommand(config(), id, options, output));
    });
  experiment
    .command('plan')
    .description('units per arm and days to detect a change from a baseline conversion to a target')
    .requiredOption('--baseline <rate>', "the control's conversion, e.g. 1.9% or 0.019")
    .option('--target <rate>', 'the conversion to detect, e.g. 2.35%')
    .option('--mde <share>', 'or the minimum detectable effect relative to the baseline, e.g. 20%')
    .option(
      '--benchmark <name>',
      'or a benchmark as the target: landing-average (2.35%) or landing-top-quartile (5.31%)',
    )
    .option('--alpha <level>', 'significance level (two-sided)', '0.05')
    .option('--power <power>', 'power of the fixed-horizon test', '0.8')
    .option('--arms <n>', 'arms, control included', '2')
    .option('--traffic <units>', 'units entering the test per day (all arms), for the duration')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { experimentPlanCommand } = await import('./commands/experiment.js');
      setExit(experimentPlanCommand(withParentFlags(experiment, options, ['alpha', 'format']), output));
    });

  const forecast = program
    .command('forecast')
    .description('forecast revenue, deals won, leads or conversions by month or week (ETS by AICc, with a backtest)')
    .option('--metric <metric>', 'revenue, deals_won, leads or conversions', 'revenue')
    .option('--event <name>', 'the event conversions count')
    .option('--by <period>', 'month or week', 'month')
    .option('--horizon <n>', 'periods to forecast', '6')
    .option('--backtest <n>', 'rolling-origin backtest over the last n periods (0: none)', '6')
    .option('--currency <code>', "the report's currency (default: the only one the data uses)")
    .option('--rates <file>', 'CSV currency,rate: one unit of each other currency in the report currency')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { forecastCommand } = await import('./commands/forecast.js');
      setExit(await forecastCommand(config(), options, output));
    });
  forecast
    .command('pipeline')
    .description('what the open deals will bring in per month: Monte Carlo P10/P50/P90 next to the weighted pipeline')
    .option('--as-of <date>', 'the day whose end is "now" (default: the last deal record)')
    .option('--months <n>', 'months to forecast', '3')
    .option('--simulations <n>', 'Monte Carlo runs', '10000')
    .option('--seed <n>', 'seed of the simulation', '1')
    .option('--backtest <n>', 'replay the next month as of the last n month starts (0: none)', '6')
    .option('--currency <code>', "the report's currency (default: the only one the data uses)")
    .option('--rates <file>', 'CSV currency,rate: one unit of each other currency in the report currency')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { pipelineForecastCommand } = await import('./commands/forecast.js');
      setExit(
        await pipelineForecastCommand(
          config(),
          withParentFlags(forecast, options, ['backtest', 'currency', 'rates', 'format']),
          output,
        ),
      );
    });

  const score = program
    .command('score')
    .description('lead scoring: train a model of P(target within a window), score the leads, explain a score');
  score
    .command('train')
    .description(
      'train on past snapshots of the leads; logistic regression or boosted trees, by cross-validated log loss',
    )
    .option('--model <name>', 'the name the model is saved under', 'default')
    .option('--entry <step>', 'what makes a person a lead: an event, "deal: STAGE" or a step as JSON', 'Signed Up')
    .requiredOption('--target <step>', 'what a lead converts to: an event, "deal: STAGE" or a step as JSON')
    .option('--window <duration>', 'the time a lead has to reach the target', '30d')
    .option('--lookback <duration>', 'leads are those who entered within this time before the as-of time', '90d')
    .option('--snapshots <n>', 'as-of times to learn from', '8')
    .option('--every <duration>', 'time between the snapshots', '7d')
    .option('--as-of <date>', 'the last snapshot day (default: the last whose window is over)')
    .option('--traits <names>', 'person traits to use, comma-separated (default: chosen from the most set)')
    .option('--max-rows <n>', 'lead snapshots to learn from at most (a uniform sample beyond)', '100000')
    .option('--seed <n>', 'seed of the cross-validation folds and the sample', '1')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { scoreTrainCommand } = await import('./commands/score.js');
      setExit(await scoreTrainCommand(config(), options, output));
    });
  score
    .command('apply')
    .description('score the leads of now (or a day), list the top ones, write the scores back as person traits')
    .option('--model <name>', 'the model', 'default')
    .option('--as-of <date>', 'score as of the end of this day (default: the end of the data)')
    .option('--trait <name>', 'the person trait that gets the score', 'lead_score')
    .option('--top <n>', 'leads to list', '20')
    .option('--dry-run', 'score and list without writing the traits')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { scoreApplyCommand } = await import('./commands/score.js');
      setExit(await scoreApplyCommand(config(), options, output));
    });
  score
    .command('explain')
    .description("one lead's score split over its features (signed contributions to the log-odds)")
    .argument('<person>', 'a person id or one of its distinct ids')
    .option('--model <name>', 'the model', 'default')
    .option('--as-of <date>', 'as of the end of this day (default: the end of the data)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (person: string, options) => {
      const { scoreExplainCommand } = await import('./commands/score.js');
      setExit(await scoreExplainCommand(config(), person, options, output));
    });

  program
    .command('anomalies')
    .description("days out of line in a daily series: conversions, leads, deals won, spend, or a funnel's conversion")
    .option(
      '--metric <metric>',
      'conversions, leads, deals_won, spend, cac or funnel (default: funnel with --definition)',
    )
    .option('--event <name>', 'the event conversions count')
    .option('--definition <file|json>', 'the funnel whose conversion by entry day is judged (docs/funnels.md)')
    .option('--days <n>', 'days to show, the latest last', '30')
    .option('--z <sd>', 'half-width of the band in standard deviations', '3.5')
    .option('--min-expected <n>', 'counts: an expected value below this is not judged', '10')
    .option('--min-trials <n>', 'rates: fewer trials than this are not judged', '30')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { anomaliesCommand } = await import('./commands/anomalies.js');
      setExit(await anomaliesCommand(config(), options, output));
    });

  const goals = program
    .command('goals')
    .description('targets on KPIs and funnel steps, judged over their period (docs/goals.md)');
  goals
    .command('add')
    .description('a target: leads ≥ 600 a month, CAC ≤ 400, MQL → SQL ≥ 30% …')
    .requiredOption('--name <name>', 'what the goal is called')
    .option(
      '--metric <metric>',
      'spend, visitors, leads, customers, revenue, visitor_to_lead, lead_to_customer, funnel_step, cost_per_lead, cac, roi, roas, ltv_to_cac or payback_months',
      'leads',
    )
    .requiredOption('--target <value>', 'the target (rates as 30% or 0.3)')
    .option('--direction <direction>', 'at_least or at_most (default: at most for costs and spend)')
    .option('--period <period>', 'week, month or quarter', 'month')
    .option('--channel <channel>', "only this channel's figures")
    .option('--team <team>', 'marketing, sales or shared', 'shared')
    .option('--definition <file|json>', 'funnel_step: the funnel (docs/funnels.md)')
    .option('--from-step <n>', 'funnel_step: the step the conversion is measured from (1-based)', '1')
    .option('--to-step <n>', 'funnel_step: the step it is measured to (default: the last)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { goalsAddCommand } = await import('./commands/goals.js');
      setExit(await goalsAddCommand(config(), options, output));
    });
  goals
    .command('list')
    .description('every goal with its value, pacing and status (on-track, at-risk, off-track)')
    .option('--as-of <date>', 'judge as of this day (default: the last day of the data)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { goalsListCommand } = await import('./commands/goals.js');
      setExit(await goalsListCommand(config(), options, output));
    });
  goals
    .command('rm')
    .description('delete a goal')
    .argument('<id>', 'the goal id (goals list shows it)')
    .action(async (id: string) => {
      const { goalsRemoveCommand } = await import('./commands/goals.js');
      setExit(await goalsRemoveCommand(config(), id, output));
    });

  const alerts = program
    .command('alerts')
    .description('alert rules on goals and anomalies: webhooks and e-mail, one alert per incident (docs/alerts.md)');
  alerts
    .command('add')
    .description('a rule: a goal in a status, or an anomaly in a daily series, checked on a schedule')
    .requiredOption('--name <name>', 'what the rule is called')
    .option('--digest', 'send the weekly digest (docs/digest.md) at each tick instead (default schedule Monday 08:00)')
    .option('--goal <id>', 'alert on this goal (goals list shows the ids)')
    .option('--when <statuses>', 'the goal statuses that alert, comma-separated', 'off-track')
    .option('--metric <metric>', 'anomalies in: conversions, leads, deals_won, spend, cac or funnel', 'conversions')
    .option('--event <name>', 'the event whose daily conversions are watched')
    .option('--definition <file|json>', "the funnel whose conversion is watched (metric funnel), or the digest's")
    .option('--direction <direction>', 'low, high or both', 'low')
    .option('--webhook <urls>', 'webhook URLs (JSON POST), comma-separated')
    .option('--slack', "send Slack's incoming-webhook payload ({text}) to the webhooks")
    .option('--email <addresses>', 'e-mail addresses (via FUNNELSCOPE_SMTP_URL), comma-separated')
    .option('--schedule <cron>', 'when to check, cron in UTC (default 0 8 * * *; digests 0 8 * * 1)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { alertsAddCommand } = await import('./commands/alerts.js');
      setExit(await alertsAddCommand(config(), options, output));
    });
  alerts
    .command('list')
    .description('the rules, their schedules, where they send, open incidents')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { alertsListCommand } = await import('./commands/alerts.js');
      setExit(await alertsListCommand(config(), options, output));
    });
  alerts
    .command('rm')
    .description('delete a rule (its history stays)')
    .argument('<id>', 'the rule id')
    .action(async (id: string) => {
      const { alertsRemoveCommand } = await import('./commands/alerts.js');
      setExit(await alertsRemoveCommand(config(), id, output));
    });
  alerts
    .command('history')
    .description('what fired and resolved, newest first, with each delivery')
    .option('--limit <n>', 'entries to show', '50')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { alertsHistoryCommand } = await import('./commands/alerts.js');
      setExit(await alertsHistoryCommand(config(), options, output));
    });
  alerts
    .command('run')
    .description('check the rules due now once (serve does this every minute)')
    .option('--now <time>', 'the time to check as of (ISO), instead of the clock')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options) => {
      const { alertsRunCommand } = await import('./commands/alerts.js');
      setExit(await alertsRunCommand(config(), options, output));
    });

  program
    .command('report')
    .description('the weekly digest: the funnel against the week before, goals, top friction, KPIs by channel')
    .option('--out <file>', 'write the HTML page here (default: print it)')
    .option('--pdf <file>', 'also print it as a PDF (needs Chromium)')
    .option('--csv <folder>', 'also write each table as CSV there (funnel.csv, goals.csv, kpi.csv)')
    .option('--definition <file|json>', 'the funnel (default: the first saved funnel)')
    .option('--as-of <date>', 'report the last whole week up to this day (default: the last day of the data)')
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'json']).default('html'))
    .action(async (options) => {
      const { reportCommand } = await import('./commands/report.js');
      setExit(await reportCommand(config(), options, output));
    });

  const channels = program
    .command('channels')
    .description("the project's channel grouping: rules before the defaults, referral exclusions (docs/channels.md)");
  channels
    .command('show')
    .description('the rules and referral exclusions of the project')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const { channelsShowCommand } = await import('./commands/channels.js');
      setExit(await channelsShowCommand(config(), options, output));
    });
  channels
    .command('set')
    .description('replace them ({"rules": [...], "referralExclusions": [...]}) and classify stored events again')
    .argument('<file|json>', 'the settings: a JSON file, or the JSON itself')
    .action(async (given: string) => {
      const { channelsSetCommand } = await import('./commands/channels.js');
      setExit(await channelsSetCommand(config(), given, output));
    });
  channels
    .command('test')
    .description('the channel, source and medium a page view with this URL and referrer gets in the project')
    .option('--url <url>', 'the page URL (with its UTM tags or click ids)')
    .option('--referrer <url>', 'the referrer')
    .option('--property <name=value...>', 'more event properties (e.g. channel=Partners)')
    .option('--json', 'print as JSON')
    .action(async (options: { url?: string; referrer?: string; property?: string[]; json?: boolean }) => {
      const { channelsTestCommand } = await import('./commands/channels.js');
      setExit(await channelsTestCommand(config(), options, output));
    });

  program
    .command('migrate')
    .description('copy every project of a DuckDB store into a ClickHouse store (run again to resume)')
    .requiredOption('--from <file>', 'the DuckDB store: duckdb://FILE or FILE')
    .requiredOption('--to <url>', 'the ClickHouse store: clickhouse://HOST:PORT[,HOST:PORT…]/DB?cluster=NAME')
    .option(
      '--events-only',
      'copy events, identities and saved records only: leave deals, stage changes and spend behind',
    )
    .option('--batch-rows <n>', 'events per batch (a stopped migration resumes after its last whole batch)', '500000')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { from: string; to: string; eventsOnly?: boolean; batchRows?: string; json?: boolean }) => {
      const { migrateCommand } = await import('./commands/migrate.js');
      setExit(await migrateCommand(config(), options, output));
    });

  program
    .command('status')
    .description('what the store holds: events, persons, deals, spend, and the last imports')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const { statusCommand } = await import('./commands/status.js');
      setExit(await statusCommand(config(), options, output));
    });

  return program;
}

/**
 * A subcommand's options with the flags its parent command also defines taken from the parent when the user gave
 * them there: commander hands a flag after the subcommand's name to the parent when both define it (`forecast
 * pipeline --backtest 4` sets forecast's --backtest).
 */
function withParentFlags<T extends Record<string, unknown>>(parent: Command, options: T, keys: readonly string[]): T {
  const merged: Record<string, unknown> = { ...options };
  for (const key of keys) {
    if (parent.getOptionValueSource(key) === 'cli') merged[key] = parent.opts()[key];
  }
  return merged as T;
}

/** The `--format` value as one string (`--format=x` or `--format x`), for choosing how errors print. */
function formatFlag(argv: readonly string[]): string {
  const i = argv.findIndex((a) => a === '--format' || a.startsWith('--format='));
  if (i < 0) return '';
  const arg = argv[i] as string;
  return arg.includes('=') ? arg : `${arg}=${argv[i + 1] ?? ''}`;
}

/** The command's name: the first word that is not a global option (`--db PATH`, `--store URL`, `--project NAME`) or its value. */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--db' || arg === '--store' || arg === '--project') i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Errors print as JSON with --json, and for `funnel` unless its output is a table or CSV. */
function wantsJsonErrors(argv: readonly string[]): boolean {
  if (argv.includes('--json') || formatFlag(argv) === '--format=json') return true;
  return commandName(argv) === 'funnel' && !/^--format=(table|csv)$/.test(formatFlag(argv));
}

/** Runs the CLI; resolves to the process exit code (0 ok, 2 a FunnelscopeError, 1 a bug). */
export async function main(argv: string[], output: Output = processOutput): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(output, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    const commanderError = error as { code?: string; exitCode?: number };
    if (typeof commanderError.code === 'string' && commanderError.code.startsWith('commander.')) {
      // --help and --version exit 0; a usage error is bad input like any other: exit 2 (and JSON with --json).
      if ((commanderError.exitCode ?? 1) === 0) return 0;
      if (wantsJsonErrors(argv)) {
        const message = String((error as Error).message).replace(/^error: /, '');
        output.out(JSON.stringify(new FunnelscopeError('invalid_argument', message).toJSON()));
      }
      return 2;
    }
    return reportError(error, output, wantsJsonErrors(argv), resolveConfig({}).debug);
  }
}
