import { describe, expect, it } from 'vitest';
import { parseClickHouseUrl } from '../../src/store/clickhouse/clickhouse-url.js';

describe('clickhouse:// store URLs', () => {
  it('reads one address per shard, the database and the cluster', () => {
    expect(parseClickHouseUrl('clickhouse://10.0.0.1:8123,10.0.0.2/analytics?cluster=prod')).toEqual({
      shards: [
        { host: '10.0.0.1', port: 8123 },
        { host: '10.0.0.2', port: 8123 },
      ],
      database: 'analytics',
      cluster: 'prod',
      user: 'default',
      password: '',
      batchEvents: 20_000_000,
    });
    expect(parseClickHouseUrl('clickhouse://h/db?batch_events=500').batchEvents).toBe(500);
    expect(parseClickHouseUrl('clickhouse://bob:s%40cret@db.local:9999')).toMatchObject({
      shards: [{ host: 'db.local', port: 9999 }],
      database: 'funnelscope',
      cluster: null,
      user: 'bob',
      password: 's@cret',
    });
  });

  it('refuses names it would have to splice, and says which part is wrong', () => {
    const error = (url: string) => {
      try {
        parseClickHouseUrl(url);
      } catch (e) {
        return e as { code: string; message: string; details: { field: string } };
      }
      throw new Error(`accepted ${url}`);
    };
    expect(error('clickhouse://h:8123/db;DROP?cluster=c').message).toMatch(/database "db;DROP"/);
    expect(error('clickhouse://h:8123/db?cluster=a b').message).toMatch(/cluster "a b"/);
    expect(error('clickhouse://h:8123,h2:8123/db').message).toMatch(/several addresses need \?cluster=NAME/);
    expect(error('clickhouse://h:99999/db').message).toMatch(/port 99999/);
    expect(error('clickhouse://h/db?shards=2').message).toMatch(/unknown option "shards"/);
    expect(error('clickhouse://h/db?cluster=x-y').details.field).toBe('store');
    expect(error('clickhouse://h/db?batch_events=1e6').message).toMatch(/batch_events "1e6" is not a whole number/);
  });
});
