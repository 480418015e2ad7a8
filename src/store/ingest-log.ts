import { mkdirSync, readdirSync } from 'node:fs';
import { type FileHandle, open, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The write-ahead log of live ingestion: accepted messages are appended to a segment file (NDJSON, one file per
 * project at a time) and flushed to disk (fdatasync) before the request is acknowledged, so an acknowledged event
 * survives a crash a moment later. Requests that arrive while a flush runs share the next one (group commit).
 * The store's writer seals the open segments now and then, imports each sealed one as an NDJSON file (dedupe on
 * messageId makes a repeated import harmless) and removes it; segments left by a crash are imported at start.
 */

export interface Segment {
  /** Order of creation across projects. */
  seq: number;
  project: string;
  path: string;
  /** Messages appended (known for segments of this run; counted from the file for those of an earlier run). */
  events: number;
  bytes: number;
}

interface OpenSegment extends Segment {
  handle: FileHandle;
}

interface Pending {
  project: string;
  text: string;
  events: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const segmentName = /^(\d{12})-([0-9a-f]*)\.ndjson$/;

export class IngestLog {
  private readonly open = new Map<string, OpenSegment>();
  private readonly sealed: Segment[] = [];
  private pending: Pending[] = [];
  /** Every flush and seal runs on this chain, one after another. */
  private chain: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private nextSeq: number;
  /** Messages appended and not yet imported (open and sealed segments). */
  unimportedEvents = 0;

  private constructor(
    readonly dir: string,
    left: Segment[],
  ) {
    this.sealed.push(...left);
    this.nextSeq = 1 + Math.max(0, ...left.map((s) => s.seq));
    for (const s of left) {
      this.unimportedEvents += s.events;
    }
  }

  /** Opens the log in `dir` (created if missing); segments found there are sealed, waiting to be imported. */
  static async openDir(dir: string): Promise<IngestLog> {
    mkdirSync(dir, { recursive: true });
    const left: Segment[] = [];
    for (const file of readdirSync(dir).sort()) {
      const match = segmentName.exec(file);
      if (!match) continue;
      const path = join(dir, file);
      const bytes = await completeLines(path);
      left.push({
        seq: Number(match[1]),
        project: Buffer.from(match[2] ?? '', 'hex').toString('utf8'),
        path,
        events: -1,
        bytes,
      });
    }
    for (const s of left) s.events = await countLines(s.path);
    return new IngestLog(dir, left);
  }

  /** Appends NDJSON text (whole lines) of `events` messages; resolves once it is on disk. */
  append(project: string, text: string, events: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ project, text, events, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        this.run(() => this.flush());
      }
    });
  }

  private run(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    try {
      const byProject = new Map<string, Pending[]>();
      for (const p of group) {
        const list = byProject.get(p.project);
        if (list) list.push(p);
        else byProject.set(p.project, [p]);
      }
      const touched: OpenSegment[] = [];
      for (const [project, items] of byProject) {
        const segment = await this.segmentFor(project);
        touched.push(segment);
        const data = Buffer.from(items.map((i) => i.text).join(''), 'utf8');
        for (let at = 0; at < data.length; ) {
          at += (await segment.handle.write(data, at, data.length - at)).bytesWritten;
        }
        const events = items.reduce((n, i) => n + i.events, 0);
        segment.events += events;
        segment.bytes += data.length;
        this.unimportedEvents += events;
      }
      await Promise.all(touched.map((s) => s.handle.datasync()));
      for (const p of group) p.resolve();
    } catch (error) {
      for (const p of group) p.reject(error);
      // A failed write may have left half a line: later appends go to a new segment, not after it (the import
      // skips the broken line; nothing in it was acknowledged).
      await this.closeOpen().catch(() => undefined);
    }
  }

  private async closeOpen(): Promise<void> {
    for (const segment of this.open.values()) {
      this.open.delete(segment.project);
      const { handle, ...sealed } = segment;
      this.sealed.push(sealed);
      await handle.close();
    }
  }

  private async segmentFor(project: string): Promise<OpenSegment> {
    let segment = this.open.get(project);
    if (!segment) {
      const seq = this.nextSeq++;
      const path = join(
        this.dir,
        `${String(seq).padStart(12, '0')}-${Buffer.from(project, 'utf8').toString('hex')}.ndjson`,
      );
      const handle = await open(path, 'a');
      segment = { seq, project, path, events: 0, bytes: 0, handle };
      this.open.set(project, segment);
    }
    return segment;
  }

  /** Closes the open segments (after the appends already queued) and returns every sealed, unimported segment. */
  async seal(): Promise<Segment[]> {
    await this.run(() => this.closeOpen());
    return [...this.sealed].sort((a, b) => a.seq - b.seq);
  }

  /** A sealed segment is in the store: remove its file. */
  async imported(segment: Segment): Promise<void> {
    const i = this.sealed.findIndex((s) => s.seq === segment.seq);
    if (i >= 0) this.sealed.splice(i, 1);
    this.unimportedEvents -= Math.max(0, segment.events);
    await rm(segment.path, { force: true });
  }

  /** Waits for queued appends, then closes the files (the segments stay for the next start to import). */
  async close(): Promise<void> {
    await this.seal();
  }
}

/**
 * The length of a segment up to its last complete line, cutting off a line a crash left half-written (it was
 * never acknowledged: acknowledgement follows the flush of whole lines).
 */
async function completeLines(path: string): Promise<number> {
  const { size } = await stat(path);
  if (size === 0) return 0;
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) {
        const keep = start + at + 1;
        if (keep < size) await truncate(path, keep);
        return keep;
      }
      end = start;
    }
    await truncate(path, 0);
    return 0;
  } finally {
    await handle.close();
  }
}

async function countLines(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    let lines = 0;
    const chunk = Buffer.alloc(1 << 20);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) return lines;
      for (let i = 0; i < bytesRead; i += 1) if (chunk[i] === 0x0a) lines += 1;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
