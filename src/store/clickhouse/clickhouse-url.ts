import { FunnelscopeError } from '../../model/errors.js';

/**
 * Where a ClickHouse store lives: `clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE?cluster=NAME`, each address an
 * HTTP interface (port 8123 by default), one per shard in the cluster's shard order. With one address and no
 * cluster the store is a single server. `user` and `password` may be given as URL credentials. `batch_events=N`
 * sets the most events a funnel holds in memory at once: a larger project is streamed in batches of persons.
 */
export interface ClickHouseTarget {
  shards: { host: string; port: number }[];
  database: string;
  cluster: string | null;
  user: string;
  password: string;
  /** Above this many events a project's funnels run streaming, in batches of about this many (docs/clickhouse.md). */
  batchEvents: number;
}

/** The default of `batch_events`: about 0.5 GB of event columns on the coordinator. */
export const defaultBatchEvents = 20_000_000;

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A database or cluster name as ClickHouse takes it unquoted; anything else is refused, never spliced. */
export function checkIdentifier(name: string, what: string): string {
  if (!identifierPattern.test(name)) {
    throw new FunnelscopeError('invalid_argument', `--store: the ${what} "${name}" must be letters, digits and _`, {
      field: 'store',
      value: name,
    });
  }
  return name;
}

export function isClickHouseUrl(text: string): boolean {
  return text.startsWith('clickhouse://');
}

export function parseClickHouseUrl(text: string): ClickHouseTarget {
  const fail = (why: string): never => {
    throw new FunnelscopeError(
      'invalid_argument',
      `--store ${text}: ${why} (expected clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE?cluster=NAME)`,
      { field: 'store', value: text },
    );
  };
  const match = /^clickhouse:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(text);
  if (!match) return fail('not a clickhouse:// URL');
  const [, user, password, hosts, path, query] = match;
  const shards = (hosts as string).split(',').map((address) => {
    const at = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(address);
    if (!at) return fail(`"${address}" is not HOST:PORT`);
    const port = at[2] === undefined ? 8123 : Number(at[2]);
    if (port < 1 || port > 65_535) return fail(`port ${port} is out of range`);
    return { host: at[1] as string, port };
  });
  const params = new URLSearchParams(query ?? '');
  for (const key of params.keys()) {
    if (key !== 'cluster' && key !== 'batch_events') fail(`unknown option "${key}"`);
  }
  const batchText = params.get('batch_events');
  if (batchText !== null && !/^\d{1,12}$/.test(batchText)) {
    fail(`batch_events "${batchText}" is not a whole number of events`);
  }
  const database = checkIdentifier(decodeURIComponent(path || 'funnelscope'), 'database');
  const clusterName = params.get('cluster');
  const cluster = clusterName === null ? null : checkIdentifier(clusterName, 'cluster');
  if (cluster === null && shards.length > 1) fail('several addresses need ?cluster=NAME');
  return {
    shards,
    database,
    cluster,
    user: decodeURIComponent(user || 'default'),
    password: decodeURIComponent(password ?? ''),
    batchEvents: batchText === null ? defaultBatchEvents : Number(batchText),
  };
}
