import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { FunnelscopeError } from '../../model/errors.js';
import type { Documents } from './documents.js';

/**
 * One writer at a time per project of a ClickHouse database. The writer hands out the project's event seqs (an
 * import continues after the largest), so two processes importing into one project at once could give two events
 * one seq. A DuckDB file is locked by its process; here a lease stands in for the lock: a document of the project
 * naming the writer and until when it holds.
 *
 * A write takes the lease, or renews it when it is its own, and keeps renewing it while it runs. A lease another
 * process holds and has renewed recently refuses the write with a message naming that process. ClickHouse has no
 * compare-and-set, so two writers starting in the same instant are told apart by reading the lease back after a
 * pause (the later version wins, the other backs off). A lease its holder stopped renewing expires, so a crashed
 * writer never blocks the next.
 */
export interface Lease {
  writer: string;
  host: string;
  pid: number;
  untilMs: number;
}

const leaseMs = 30_000;
const renewEveryMs = 10_000;

export class WriterLease {
  private readonly writer = randomUUID();

  constructor(
    private readonly documents: Documents,
    private readonly settleMs = 150,
  ) {}

  private readonly held = new Set<string>();

  private async current(project: string): Promise<Lease | undefined> {
    return (await this.documents.get(project, 'writer_lease', 'writer'))?.body as Lease | undefined;
  }

  private async write(project: string): Promise<void> {
    const lease: Lease = { writer: this.writer, host: hostname(), pid: process.pid, untilMs: Date.now() + leaseMs };
    await this.documents.put(project, 'writer_lease', 'writer', lease);
    this.held.add(project);
  }

  private refuse(holder: Lease): never {
    throw new FunnelscopeError(
      'unavailable',
      `another funnelscope process (pid ${holder.pid} on ${holder.host}) is writing to this project of the ClickHouse database; ` +
        'one writer at a time (send events to its server, or try again when it is done)',
      { holder: `${holder.host}:${holder.pid}` },
    );
  }

  /** Takes or renews the project's lease; refuses while another live writer holds it. */
  async acquire(project: string): Promise<void> {
    const held = await this.current(project);
    if (held && held.writer !== this.writer && held.untilMs > Date.now()) this.refuse(held);
    if (held?.writer === this.writer) {
      await this.write(project);
      return;
    }
    await this.write(project);
    await new Promise((r) => setTimeout(r, this.settleMs));
    const after = await this.current(project);
    if (after && after.writer !== this.writer) {
      this.held.delete(project);
      this.refuse(after);
    }
  }

  /** Runs a write to a project holding its lease, renewed while it runs. */
  async hold<T>(project: string, write: () => Promise<T>): Promise<T> {
    await this.acquire(project);
    let renewal: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      renewal = renewal.then(() => this.write(project)).catch(() => undefined);
    }, renewEveryMs);
    try {
      return await write();
    } finally {
      clearInterval(timer);
      await renewal;
    }
  }

  /** Gives up at once (a clean close) the leases this process took that are still its own. */
  async release(): Promise<void> {
    for (const project of this.held) {
      const held = await this.current(project);
      if (held?.writer === this.writer) await this.documents.remove(project, 'writer_lease', 'writer');
    }
    this.held.clear();
  }
}
