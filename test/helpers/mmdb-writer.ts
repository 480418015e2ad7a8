/**
 * A small MaxMind DB (MMDB 2.0) writer for tests: IPv4 networks → values, 24-bit records. No published package
 * writes the format (the readers are many), and the real country databases may not be shipped, so tests build
 * their own from the specification (https://maxmind.github.io/MaxMind-DB/).
 */
type Value = string | number | bigint | Value[] | { [key: string]: Value };

function control(type: number, size: number): number[] {
  let sizeBits: number;
  let extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) [sizeBits, extra] = [29, [size - 29]];
  else if (size < 65_821) [sizeBits, extra] = [30, [(size - 285) >> 8, (size - 285) & 0xff]];
  else [sizeBits, extra] = [31, [(size - 65_821) >> 16, ((size - 65_821) >> 8) & 0xff, (size - 65_821) & 0xff]];
  return type <= 7 ? [(type << 5) | sizeBits, ...extra] : [sizeBits, type - 7, ...extra];
}

function unsigned(type: number, value: bigint): number[] {
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return [...control(type, bytes.length), ...bytes];
}

/** Strings, maps and arrays as they are; whole numbers below 2^16 as uint16, below 2^32 as uint32; bigint as uint64. */
function encode(value: Value): number[] {
  if (typeof value === 'string') {
    const bytes = [...Buffer.from(value, 'utf8')];
    return [...control(2, bytes.length), ...bytes];
  }
  if (typeof value === 'bigint') return unsigned(9, value);
  if (typeof value === 'number') return unsigned(value < 65_536 ? 5 : 6, BigInt(value));
  if (Array.isArray(value)) return [...control(11, value.length), ...value.flatMap(encode)];
  const entries = Object.entries(value);
  return [...control(7, entries.length), ...entries.flatMap(([k, v]) => [...encode(k), ...encode(v)])];
}

type TreeRecord = { node: number } | { data: number } | null;

/** An IPv4 database: each `cidr` ("203.0.113.0/24") to its value. */
export function writeMmdb(networks: { cidr: string; value: Value }[], databaseType = 'Test-Country'): Buffer {
  const data: number[] = [];
  const nodes: [TreeRecord, TreeRecord][] = [[null, null]];
  for (const { cidr, value } of networks) {
    const offset = data.length;
    data.push(...encode(value));
    const [address, length] = cidr.split('/') as [string, string];
    const ip = address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
    const prefix = Number(length);
    let node = 0;
    for (let depth = 0; depth < prefix; depth += 1) {
      const bit = Math.floor(ip / 2 ** (31 - depth)) % 2;
      const at = nodes[node] as [TreeRecord, TreeRecord];
      if (depth === prefix - 1) {
        at[bit] = { data: offset };
        break;
      }
      const next = at[bit] as TreeRecord;
      if (next && 'node' in next) node = next.node;
      else {
        nodes.push([next, next]);
        at[bit] = { node: nodes.length - 1 };
        node = nodes.length - 1;
      }
    }
  }
  const count = nodes.length;
  const recordValue = (r: TreeRecord) => (r === null ? count : 'node' in r ? r.node : count + 16 + r.data);
  const tree: number[] = [];
  for (const [left, right] of nodes) {
    for (const r of [left, right]) {
      const v = recordValue(r);
      tree.push((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
    }
  }
  const metadata = encode({
    node_count: count,
    record_size: 24,
    ip_version: 4,
    database_type: databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(Math.floor(Date.UTC(2026, 0, 1) / 1000)),
    description: { en: 'funnelscope test database' },
  });
  return Buffer.from([
    ...tree,
    ...new Array(16).fill(0),
    ...data,
    0xab,
    0xcd,
    0xef,
    ...Buffer.from('MaxMind.com', 'ascii'),
    ...metadata,
  ]);
}
