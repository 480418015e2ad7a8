import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { FunnelscopeError } from '../../model/errors.js';
import { chString } from './clickhouse-sql.js';
import type { ClickHouseTarget } from './clickhouse-url.js';

/**
 * The HTTP connections to a ClickHouse cluster, one per shard (the first also takes the cluster-wide writes through
 * the `Distributed` tables). Every failure names the shard it came from, so an operator knows which server to look
 * at; a shard that does not answer fails the call within the connect timeout instead of hanging.
 */
export class ClickHouseShards {
  /** Each shard's native address (host:tcp port) as the cluster knows it; empty without a cluster. */
  private nativeAddresses: string[] = [];

  private constructor(
    readonly target: ClickHouseTarget,
    private readonly clients: ClickHouseClient[],
  ) {}

  /**
   * `clients` replaces the HTTP connections, one per shard (an in-process engine: chdb's connection for
   * `@clickhouse/client`, which the tests use to run the store on current ClickHouse).
   */
  static async connect(
    target: ClickHouseTarget,
    options: { requestTimeoutMs?: number; clients?: ClickHouseClient[] } = {},
  ): Promise<ClickHouseShards> {
    const clients =
      options.clients ??
      target.shards.map((s) =>
        createClient({
          url: `http://${s.host}:${s.port}`,
          username: target.user,
          password: target.password,
          request_timeout: options.requestTimeoutMs ?? 300_000,
          log: { level: ClickHouseLogLevel.OFF },
          clickhouse_settings: {},
        }),
      );
    const shards = new ClickHouseShards(target, clients);
    try {
      await Promise.all(target.shards.map((_, i) => shards.text(i, 'SELECT 1')));
      if (target.cluster !== null) await shards.checkCluster(target.cluster);
    } catch (error) {
      await shards.close();
      throw error;
    }
    return shards;
  }

  get count(): number {
    return this.clients.length;
  }

  /** "shard 2 (127.0.0.1:8124)". */
  name(index: number): string {
    const s = this.target.shards[index];
    return `shard ${index + 1} (${s?.host}:${s?.port})`;
  }

  /**
   * A failure of a call made to shard `index`. A query through a Distributed table that could not reach another
   * shard names that shard's native address (host:tcp port, from system.clusters): the error names that shard.
   */
  private fail(called: number, error: unknown): never {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code;
    const other = this.nativeAddresses.findIndex(
      (address, i) => i !== called && address !== '' && message.includes(address),
    );
    const index = other >= 0 ? other : called;
    const down =
      code === 'ECONNREFUSED' ||
      code === 'ECONNRESET' ||
      code === 'EHOSTUNREACH' ||
      code === 'ETIMEDOUT' ||
      /ECONNREFUSED|ECONNRESET|socket hang up|Timeout error|All connection tries failed|Connection refused|Connection reset by peer/i.test(
        message,
      ) ||
      // ClickHouse's own network errors, relayed by a shard that lost another mid-query or mid-insert:
      // SOCKET_TIMEOUT, NETWORK_ERROR, ALL_CONNECTION_TRIES_FAILED.
      /\bCode: (209|210|279)\b/.test(message);
    throw new FunnelscopeError(
      down ? 'unavailable' : 'store_error',
      down
        ? `ClickHouse ${this.name(index)} is unreachable: ${message.split('\n')[0]}`
        : `ClickHouse ${this.name(index)}: ${message.split('\n')[0]}`,
      { shard: index + 1, host: `${this.target.shards[index]?.host}:${this.target.shards[index]?.port}` },
      { cause: error },
    );
  }

  /** Runs a statement without a result (DDL, ALTER) on one shard. */
  async command(index: number, sql: string, settings: Record<string, string | number> = {}): Promise<void> {
    try {
      await (this.clients[index] as ClickHouseClient).command({ query: sql, clickhouse_settings: settings });
    } catch (error) {
      this.fail(index, error);
    }
  }

  /** Runs a statement on every shard (ClickHouse 18.16 without ZooKeeper has no ON CLUSTER). */
  async onEach(sql: string): Promise<void> {
    for (let i = 0; i < this.count; i += 1) await this.command(i, sql);
  }

  /** The whole TabSeparated result of a query on one shard. */
  async text(
    index: number,
    sql: string,
    settings: Record<string, string | number> = {},
    format: 'TabSeparated' | 'JSONEachRow' = 'TabSeparated',
  ): Promise<string> {
    try {
      const result = await (this.clients[index] as ClickHouseClient).query({
        query: sql,
        format,
        clickhouse_settings: settings,
      });
      return await result.text();
    } catch (error) {
      this.fail(index, error);
    }
  }

  /** Rows of a TabSeparated result, split into fields (escapes left for the caller: tsvField). */
  async rows(index: number, sql: string, settings: Record<string, string | number> = {}): Promise<string[][]> {
    const text = await this.text(index, sql, settings);
    if (text === '') return [];
    return text
      .slice(0, text.endsWith('\n') ? -1 : undefined)
      .split('\n')
      .map((line) => line.split('\t'));
  }

  /**
   * Lines of a TabSeparated result as they arrive, a batch per network chunk (the caller parses each as it comes,
   * so a large result is never held whole). A shard failing mid-stream ends the iteration with its named error.
   */
  async *lineBatches(
    index: number,
    sql: string,
    settings: Record<string, string | number> = {},
  ): AsyncGenerator<string[]> {
    let stream: Readable;
    try {
      const result = await (this.clients[index] as ClickHouseClient).exec({
        query: `${sql} FORMAT TabSeparated`,
        clickhouse_settings: settings,
      });
      stream = result.stream;
    } catch (error) {
      this.fail(index, error);
    }
    let rest = '';
    try {
      stream.setEncoding('utf8');
      for await (const chunk of stream as AsyncIterable<string>) {
        const text = rest + chunk;
        const lines = text.split('\n');
        rest = lines.pop() as string;
        if (lines.length > 0) yield lines;
      }
    } catch (error) {
      this.fail(index, error);
    }
    if (rest !== '') {
      // ClickHouse reports an error after a partial result in the body itself.
      this.fail(index, new Error(rest.includes('Exception') ? rest : `truncated result: ${rest.slice(0, 200)}`));
    }
  }

  /** Lines of a TabSeparated result as they arrive (lineBatches, one line at a time). */
  async *lines(index: number, sql: string, settings: Record<string, string | number> = {}): AsyncGenerator<string> {
    for await (const batch of this.lineBatches(index, sql, settings)) yield* batch;
  }

  /**
   * Where new events go: the Distributed table of a cluster, with a synchronous insert (the call returns once they
   * are on their shards), or a single server's own table.
   */
  eventsInsert(database: string): { table: string; settings: Record<string, number> } {
    return this.target.cluster === null
      ? { table: `${database}.events_local`, settings: {} }
      : { table: `${database}.events`, settings: { insert_distributed_sync: 1 } };
  }

  /** Inserts a stream of JSON lines into a table (on the first shard: through a Distributed table, all shards). */
  async insertJsonLines(
    table: string,
    body: Readable,
    settings: Record<string, string | number> = {},
    index = 0,
  ): Promise<void> {
    try {
      const result = await (this.clients[index] as ClickHouseClient).exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: body,
        clickhouse_settings: settings,
      });
      // The (empty) response must be read, or its socket stays taken and later calls wait for a free one.
      for await (const _ of result.stream) {
        // nothing to read but the end
      }
    } catch (error) {
      this.fail(index, error);
    }
  }

  /**
   * Runs `body` with `values` in a scratch table on the first shard (`${database}.scratch_…`, one String column
   * `value`), dropped afterwards: a query takes them with `GLOBAL IN (SELECT value FROM table)`, so a set of any
   * size costs one scan, shipped to every shard once (18.16 has no query parameters, and a literal list of
   * thousands is parsed on every call).
   */
  async withValues<T>(database: string, values: readonly string[], body: (table: string) => Promise<T>): Promise<T> {
    const table = `${database}.scratch_${randomUUID().replaceAll('-', '')}`;
    await this.command(0, `CREATE TABLE ${table} (value String) ENGINE = Log`);
    try {
      await this.insertJsonLines(table, Readable.from(values.map((value) => `${JSON.stringify({ value })}\n`)));
      return await body(table);
    } finally {
      await this.command(0, `DROP TABLE IF EXISTS ${table}`);
    }
  }

  /** Every shard named in the URL is a shard of the cluster, in the cluster's order. */
  private async checkCluster(cluster: string): Promise<void> {
    const rows = await this.rows(
      0,
      `SELECT shard_num, any(host_address), any(port) FROM system.clusters WHERE cluster = ${chString(cluster)}
       GROUP BY shard_num ORDER BY shard_num`,
    );
    if (rows.length === 0) {
      throw new FunnelscopeError(
        'invalid_argument',
        `--store: ClickHouse has no cluster "${cluster}" (remote_servers)`,
        {
          field: 'store',
        },
      );
    }
    if (rows.length !== this.count) {
      throw new FunnelscopeError(
        'invalid_argument',
        `--store: cluster "${cluster}" has ${rows.length} shards but the URL names ${this.count} addresses (one per shard)`,
        { field: 'store' },
      );
    }
    this.nativeAddresses = rows.map((r) => `${r[1]}:${r[2]}`);
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
