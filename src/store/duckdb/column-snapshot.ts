import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventColumns } from '../event-columns.js';
import type { RowPositions } from './queries/load-event-columns.js';

/**
 * The event columns of a project saved next to the database file (`<db>.columns/<project>.bin`), so a fresh
 * process reads them in a fraction of a second instead of re-sorting every event in SQL. A snapshot is only used
 * when its data version equals the store's current one; anything else (a missing, older, foreign or damaged file)
 * means "load from the database", never an error. It is a cache: deleting it loses nothing.
 *
 * Layout: "FSCOLS01", u32 header length, JSON header, zero padding to 8 bytes, then the arrays in header order.
 */
const magic = 'FSCOLS01';

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

export function writeSnapshot(path: string, version: string, columns: EventColumns, positions: RowPositions): void {
  const header: Header = {
    version,
    eventCount: columns.eventCount,
    personCount: columns.personCount,
    eventNames: columns.eventNames,
    ofEventLength: positions.ofEvent.length,
    ofStageChangeLength: positions.ofStageChange.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(magic.length + 4);
  prefix.write(magic, 0, 'ascii');
  prefix.writeUInt32LE(json.length, magic.length);
  const padding = Buffer.alloc(pad8(prefix.length + json.length));
  // Float64 arrays first, so every array starts on an 8-byte boundary.
  const arrays = [columns.tsUs, columns.personStarts, columns.eventCode, positions.ofEvent, positions.ofStageChange];
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

/** The header of an open snapshot and where its arrays start; null when the file is not a snapshot. */
function readHeader(fd: number): { header: Header; dataStart: number } | null {
  const prefix = Buffer.alloc(magic.length + 4);
  if (readSync(fd, prefix, 0, prefix.length, 0) !== prefix.length) return null;
  if (prefix.toString('ascii', 0, magic.length) !== magic) return null;
  const length = prefix.readUInt32LE(magic.length);
  const json = Buffer.alloc(length);
  if (readSync(fd, json, 0, length, prefix.length) !== length) return null;
  const end = prefix.length + length;
  return { header: JSON.parse(json.toString('utf8')) as Header, dataStart: end + pad8(end) };
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
  return withSnapshotFile(path, (fd) => readHeader(fd)?.header.version ?? null);
}

/** The snapshot's columns if it exists and holds `version`; otherwise null. */
export function readSnapshot(path: string, version: string): { columns: EventColumns; positions: RowPositions } | null {
  return withSnapshotFile(path, (fd) => {
    const found = readHeader(fd);
    if (!found) throw new Error('not a snapshot');
    const { header } = found;
    if (header.version !== version) return null;
    let offset = found.dataStart;
    // Each array is read straight into shared memory (for worker threads), never through a whole-file buffer.
    const take = <T extends Float64Array | Int32Array>(
      Kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
      n: number,
    ): T => {
      const bytes = n * Kind.BYTES_PER_ELEMENT;
      const out = new Kind(new SharedArrayBuffer(bytes));
      const view = new Uint8Array(out.buffer);
      for (let done = 0; done < bytes; ) {
        const read = readSync(fd, view, done, Math.min(bytes - done, 1 << 30), offset + done);
        if (read <= 0) throw new Error('truncated');
        done += read;
      }
      offset += bytes;
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
