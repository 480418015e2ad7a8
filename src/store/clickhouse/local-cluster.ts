import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away ClickHouse cluster on this machine: one `clickhouse-server` process per shard, each with its own data
 * directory under a temp dir and its own ports on 127.0.0.1, all knowing one cluster (`remote_servers`) of that
 * many single-replica shards. For tests and benchmarks (Debian's clickhouse-server; no ZooKeeper, so no replicas
 * and no ON CLUSTER DDL: the store creates its tables on each shard itself).
 */
export interface LocalCluster {
  /** The store URL: every shard's HTTP address, the database and the cluster name. */
  url: string;
  cluster: string;
  shards: { httpPort: number; tcpPort: number }[];
  dir: string;
  /** Kills one shard's server (SIGKILL: a crash, not a clean stop). */
  killShard(index: number): Promise<void>;
  /** Starts a killed shard again on the same ports and data. */
  startShard(index: number): Promise<void>;
  stop(): Promise<void>;
}

export const clickhouseServerBinary = '/usr/sbin/clickhouse-server';

/** Whether Debian's clickhouse-server is installed here. */
export function clickhouseInstalled(): boolean {
  return existsSync(clickhouseServerBinary);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function configXml(dir: string, httpPort: number, tcpPort: number, interPort: number, remote: string): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <interserver_http_port>${interPort}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <remote_servers>${remote}</remote_servers>
</yandex>
`;
}

const usersXml = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage><connect_timeout_with_failover_ms>1000</connect_timeout_with_failover_ms></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function waitForPing(port: number, child: ChildProcess, dir: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = existsSync(join(dir, 'server.err.log')) ? readFileSync(join(dir, 'server.err.log'), 'utf8') : '';
  throw new Error(`clickhouse-server on port ${port} did not start: ${log.split('\n').slice(-5).join('\n')}`);
}

export async function startLocalCluster(
  options: { shards?: number; database?: string; cluster?: string } = {},
): Promise<LocalCluster> {
  if (!clickhouseInstalled()) {
    throw new Error('clickhouse-server is not installed (apt-get install -y clickhouse-server)');
  }
  const count = options.shards ?? 2;
  const cluster = options.cluster ?? 'funnelscope';
  const database = options.database ?? 'funnelscope';
  const dir = mkdtempSync(join(tmpdir(), 'funnelscope-clickhouse-'));
  const shards: { httpPort: number; tcpPort: number; interPort: number }[] = [];
  for (let i = 0; i < count; i += 1) {
    shards.push({ httpPort: await freePort(), tcpPort: await freePort(), interPort: await freePort() });
  }
  const remote = `<${cluster}>${shards
    .map((s) => `<shard><replica><host>127.0.0.1</host><port>${s.tcpPort}</port></replica></shard>`)
    .join('')}</${cluster}>`;
  const children: (ChildProcess | null)[] = [];
  const start = async (index: number) => {
    const shard = shards[index] as (typeof shards)[number];
    const shardDir = join(dir, `shard${index + 1}`);
    mkdirSync(join(shardDir, 'data'), { recursive: true });
    mkdirSync(join(shardDir, 'tmp'), { recursive: true });
    writeFileSync(join(shardDir, 'users.xml'), usersXml);
    writeFileSync(
      join(shardDir, 'config.xml'),
      configXml(shardDir, shard.httpPort, shard.tcpPort, shard.interPort, remote),
    );
    const child = spawn(clickhouseServerBinary, [`--config-file=${join(shardDir, 'config.xml')}`], {
      stdio: 'ignore',
    });
    children[index] = child;
    await waitForPing(shard.httpPort, child, shardDir);
  };
  const kill = async (index: number) => {
    const child = children[index];
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    children[index] = null;
  };
  try {
    await Promise.all(shards.map((_, i) => start(i)));
  } catch (error) {
    await Promise.all(shards.map((_, i) => kill(i)));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `clickhouse://${shards.map((s) => `127.0.0.1:${s.httpPort}`).join(',')}/${database}?cluster=${cluster}`,
    cluster,
    shards: shards.map((s) => ({ httpPort: s.httpPort, tcpPort: s.tcpPort })),
    dir,
    killShard: kill,
    startShard: start,
    async stop() {
      await Promise.all(shards.map((_, i) => kill(i)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
