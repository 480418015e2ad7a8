import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { DictionaryColumn, EventColumns } from '../event-columns.js';
import type { RowPositions } from './queries/load-event-columns.js';

/**
 * The event columns of a project saved next to the database file (`<db>.columns/<project>.bin`), so a fresh
 * process reads them in a fraction of a second instead of re-sorting every event in SQL. A snapshot is only used
 * when its data version equals the store's current one; anything else (a missing, older, foreign or damaged file)
 * means "load from the database", never an error. It is a cache: deleting it loses nothing.
 *
 * Layout: "FSCOLS01", u32 header length, JSON header, zero padding to 8 bytes, then the arrays in header order.
 *
 * Property columns loaded on top of the rows (a stored column, an event property, a person trait) are saved the
 * same way, one file each in `<db>.columns/<project>.values/<hash of the data version>/`: "FSVALS01", header
 * (version, the column's key, its values), then the Int32 codes. Other derived data of one data version is saved
 * there as JSON (`savedJsonPath`). Writing a snapshot removes the folders of other versions.
 */
const magic = 'FSCOLS01';
const valuesMagic = 'FSVALS01';

interface Header {
  version: string;
  eventCount: number;
  personCount: number;
  eventNames: string[];
  ofEventLength: number;
  ofStageChangeLength: number;
}

export function snapshotPath(dbPath: string, project: string): string | null {
  if (dbPath === ':memory:' || dbPath === '') return null;
  return join(`${dbPath}.columns`, `${encodeURIComponent(project)}.bin`);
}

function pad8(n: number): number {
  return (8 - (n % 8)) % 8;
}

/** Writes `magic`, the JSON header and the arrays to `path` atomically (a temporary file renamed over it). */
function writeParts(path: string, fileMagic: string, header: object, arrays: ArrayBufferView[]): void {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(fileMagic.length + 4);
  prefix.write(fileMagic, 0, 'ascii');
  prefix.writeUInt32LE(json.length, fileMagic.length);
  const padding = Buffer.alloc(pad8(prefix.length + json.length));
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    for (const part of [prefix, json, padding, ...arrays]) {
      const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
      // writeSync may write less than asked (and at most 2 GiB at once): loop until it is all out.
      for (let done = 0; done < bytes.length; )
        done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

export function writeSnapshot(path: string, version: string, columns: EventColumns, positions: RowPositions): void {
  // Data derived from other versions goes (property columns line up with the old rows); this version's stays.
  const current = shortHash(version);
  try {
    for (const entry of readdirSync(valuesFolder(path))) {
      if (entry !== current) rmSync(join(valuesFolder(path), entry), { recursive: true, force: true });
    }
  } catch {
    // No folder yet.
  }
  const header: Header = {
    version,
    eventCount: columns.eventCount,
    personCount: columns.personCount,
    eventNames: columns.eventNames,
    ofEventLength: positions.ofEvent.length,
    ofStageChangeLength: positions.ofStageChange.length,
  };
  // Float64 arrays first, so every array starts on an 8-byte boundary.
  writeParts(path, magic, header, [
    columns.tsUs,
    columns.personStarts,
    columns.eventCode,
    positions.ofEvent,
    positions.ofStageChange,
  ]);
}

/** The header of an open file and where its arrays start; null when the file does not start with `fileMagic`. */
function readHeader<H>(fd: number, fileMagic = magic): { header: H; dataStart: number } | null {
  const prefix = Buffer.alloc(fileMagic.length + 4);
  if (readSync(fd, prefix, 0, prefix.length, 0) !== prefix.length) return null;
  if (prefix.toString('ascii', 0, fileMagic.length) !== fileMagic) return null;
  const length = prefix.readUInt32LE(fileMagic.length);
  const json = Buffer.alloc(length);
  if (readSync(fd, json, 0, length, prefix.length) !== length) return null;
  const end = prefix.length + length;
  return { header: JSON.parse(json.toString('utf8')) as H, dataStart: end + pad8(end) };
}

/** Reads `n` elements at `offset` straight into shared memory (for worker threads), never through a file buffer. */
function readShared<T extends Float64Array | Int32Array>(
  fd: number,
  Kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
  offset: number,
): T {
  const bytes = n * Kind.BYTES_PER_ELEMENT;
  const out = new Kind(new SharedArrayBuffer(bytes));
  const view = new Uint8Array(out.buffer);
  for (let done = 0; done < bytes; ) {
    const read = readSync(fd, view, done, Math.min(bytes - done, 1 << 30), offset + done);
    if (read <= 0) throw new Error('truncated');
    done += read;
  }
  return out;
}

/** Runs `read` on the open file; null when it cannot be opened or read (a snapshot is only a cache). */
function withSnapshotFile<T>(path: string, read: (fd: number) => T | null): T | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    return read(fd);
  } catch {
    rmSync(path, { force: true }); // damaged: the next load writes a good one
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The data version a snapshot holds (reading only its header), or null when there is none. */
export function readSnapshotVersion(path: string): string | null {
  return withSnapshotFile(path, (fd) => readHeader<Header>(fd)?.header.version ?? null);
}

/** The snapshot's columns if it exists and holds `version`; otherwise null. */
export function readSnapshot(path: string, version: string): { columns: EventColumns; positions: RowPositions } | null {
  return withSnapshotFile(path, (fd) => {
    const found = readHeader<Header>(fd);
    if (!found) throw new Error('not a snapshot');
    const { header } = found;
    if (header.version !== version) return null;
    let offset = found.dataStart;
    const take = <T extends Float64Array | Int32Array>(
      Kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
      n: number,
    ): T => {
      const out = readShared(fd, Kind, n, offset);
      offset += out.byteLength;
      return out;
    };
    const tsUs = take(Float64Array, header.eventCount);
    const personStarts = take(Int32Array, header.personCount + 1);
    const eventCode = take(Int32Array, header.eventCount);
    const ofEvent = take(Int32Array, header.ofEventLength);
    const ofStageChange = take(Int32Array, header.ofStageChangeLength);
    return {
      columns: {
        eventCount: header.eventCount,
        personCount: header.personCount,
        personStarts,
        tsUs,
        eventCode,
        eventNames: header.eventNames,
      },
      positions: { eventCount: header.eventCount, personCount: header.personCount, ofEvent, ofStageChange },
    };
  });
}

interface ValuesHeader {
  version: string;
  key: string;
  length: number;
  values: (string | null)[];
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** The folder of the data derived from the snapshot at `snapshot`: one subfolder per data version. */
function valuesFolder(snapshot: string): string {
  return snapshot.replace(/\.bin$/, '.values');
}

/** Deletes a project's snapshot and everything derived from it (after an erasure: they hold copies of events). */
export function removeSnapshot(snapshot: string): void {
  rmSync(snapshot, { force: true });
  rmSync(valuesFolder(snapshot), { recursive: true, force: true });
}

function versionFolder(snapshot: string, version: string): string {
  return join(valuesFolder(snapshot), shortHash(version));
}

/** Where the property column `key` of data version `version` is saved. */
export function valuesPath(snapshot: string, version: string, key: string): string {
  return join(versionFolder(snapshot, version), `${shortHash(key)}.bin`);
}

export function writeValues(path: string, version: string, key: string, column: DictionaryColumn): void {
  const header: ValuesHeader = { version, key, length: column.codes.length, values: column.values };
  writeParts(path, valuesMagic, header, [column.codes]);
}

/** The saved property column `key` when it holds `version` and `length` codes; otherwise null. */
export function readValues(path: string, version: string, key: string, length: number): DictionaryColumn | null {
  return withSnapshotFile(path, (fd) => {
    const found = readHeader<ValuesHeader>(fd, valuesMagic);
    if (!found) throw new Error('not a value column');
    const { header } = found;
    if (header.version !== version || header.key !== key || header.length !== length) return null;
    return { codes: readShared(fd, Int32Array, length, found.dataStart), values: header.values };
  });
}

/** Where the derived data `name` (a plain file name) of data version `version` is saved as JSON. */
export function savedJsonPath(snapshot: string, version: string, name: string): string {
  return join(versionFolder(snapshot, version), `${name}.json`);
}

export function writeSavedJson(path: string, version: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ version, value }));
  renameSync(temporary, path);
}

/** The saved value when the file exists, parses and holds `version`; otherwise null (it is only a cache). */
export function readSavedJson<T>(path: string, version: string): T | null {
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; value?: unknown };
    return saved.version === version && saved.value !== undefined ? (saved.value as T) : null;
  } catch {
    return null;
  }
}
