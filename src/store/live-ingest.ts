import type { LiveMessage } from '../ingest/segment.js';
import { FunnelscopeError } from '../model/errors.js';
import { IngestLog, type Segment } from './ingest-log.js';
import type { Store } from './store.js';

export interface LiveIngestOptions {
  /** Folder of the write-ahead log (default: beside the database file, `<db>.ingest`). */
  dir: string;
  /** How often the writer moves logged messages into the store (default 1000 ms). */
  flushMs?: number;
  /** Logged but not yet stored messages beyond which new requests are refused for a while (default 1,000,000). */
  maxUnstoredEvents?: number;
  /** Called after each stored segment (metrics, logs). */
  onStored?: (report: StoredReport) => void;
  /** Called when storing a segment failed; the writer retries it on its next round. */
  onError?: (error: unknown, segment: Segment) => void;
}

export interface StoredReport {
  project: string;
  events: number;
  imported: number;
  duplicates: number;
  rejected: number;
  seconds: number;
  rejectsFile?: string;
}

/**
 * Live ingestion over a store: `append` returns once the messages are in the write-ahead log on disk (the moment
 * a request may be acknowledged); a writer loop moves the log into the store every `flushMs`, segment by segment,
 * through the store's NDJSON import (the same normaliser, dedupe on messageId and identity merging as files).
 * A segment the import stored is deleted; a crash before that only means it is imported again, storing nothing
 * twice. Memory stays bounded: the log is on disk, and past `maxUnstoredEvents` the caller is told to back off.
 */
export class LiveIngest {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastRound: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    private readonly log: IngestLog,
    private readonly options: LiveIngestOptions,
  ) {}

  /** Opens the log; segments a previous run left are stored first, by the writer's first round. */
  static async start(store: Store, options: LiveIngestOptions): Promise<LiveIngest> {
    const log = await IngestLog.openDir(options.dir);
    const ingest = new LiveIngest(store, log, options);
    ingest.schedule(0);
    return ingest;
  }

  /** Messages logged and not yet in the store. */
  get backlog(): number {
    return this.log.unimportedEvents;
  }

  /** Whether new messages should be refused for now (the writer is behind). */
  get overloaded(): boolean {
    return this.log.unimportedEvents >= (this.options.maxUnstoredEvents ?? 1_000_000);
  }

  /** Resolves when the messages are durable (in the log, flushed to disk). */
  async append(project: string, messages: readonly LiveMessage[]): Promise<void> {
    if (this.stopped) throw new FunnelscopeError('unavailable', 'the server is stopping; retry shortly');
    if (messages.length === 0) return;
    let text = '';
    for (const m of messages) text += `${JSON.stringify(m)}\n`;
    await this.log.append(project, text, messages.length);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.storeLogged().finally(() => {
        this.running = null;
        this.schedule(this.options.flushMs ?? 1000);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One writer round: seal the open segments and store every sealed one, oldest first (rounds never overlap). */
  storeLogged(): Promise<void> {
    const round = this.lastRound.then(() => this.storeSealed());
    this.lastRound = round.catch(() => undefined);
    return round;
  }

  private async storeSealed(): Promise<void> {
    for (const segment of await this.log.seal()) {
      if (segment.bytes === 0) {
        await this.log.imported(segment);
        continue;
      }
      try {
        const summary = await this.store.importFile('events', segment.path, {
          project: segment.project,
          format: 'ndjson',
          // Messages were checked when they arrived; a line the importer still refuses is set aside with its
          // reason (FILE.rejected.ndjson beside the log) rather than holding back the whole segment.
          skipInvalid: true,
        });
        await this.log.imported(segment);
        this.options.onStored?.({
          project: segment.project,
          events: summary.rowsRead,
          imported: summary.imported,
          duplicates: summary.duplicates,
          rejected: summary.rejected,
          seconds: summary.seconds,
          ...(summary.rejectsFile ? { rejectsFile: summary.rejectsFile } : {}),
        });
      } catch (error) {
        this.options.onError?.(error, segment);
        return; // keep the order: later segments wait for this one
      }
    }
  }

  /**
   * Stops the writer after a last round (what is logged and not stored stays in the log for the next start). With
   * `drain`, what the log holds is stored first; a round that fails (the store busy or short of memory for a moment)
   * is tried again, up to five times a second apart. Resolves to the messages still only in the log (0: all
   * stored).
   */
  async stop(options: { drain?: boolean } = {}): Promise<number> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.log.close();
    if (options.drain) {
      for (let attempt = 0; attempt < 6 && this.log.unimportedEvents > 0; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
        await this.storeLogged();
      }
    }
    return this.log.unimportedEvents;
  }
}
