import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics (`GET /metrics`), one registry per server so tests can run several. */
export interface ServerMetrics {
  registry: Registry;
  /** Messages in requests, by source (segment, posthog, ga4, pixel). */
  received: Counter<'source'>;
  /** Messages written to the ingest log and acknowledged. */
  accepted: Counter<'source'>;
  /** Messages refused, by the field at fault (or the request-level reason: auth, size, overload). */
  rejected: Counter<'reason'>;
  /** Messages the writer moved into the store (new ones; duplicates are counted apart). */
  stored: Counter;
  duplicates: Counter;
  /** Seconds from a request's messages entering the log to their flush to disk (the acknowledgement). */
  ackSeconds: Histogram;
  /** Seconds the writer took to store one log segment. */
  writeSeconds: Histogram;
}

export function createMetrics(backlog: () => number): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'funnelscope_process_' });
  const metrics: ServerMetrics = {
    registry,
    received: new Counter({
      name: 'funnelscope_events_received_total',
      help: 'Messages received, by source',
      labelNames: ['source'],
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'funnelscope_events_accepted_total',
      help: 'Messages durable in the ingest log and acknowledged, by source',
      labelNames: ['source'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'funnelscope_events_rejected_total',
      help: 'Messages refused, by reason (the field at fault, or auth / size / overload)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    stored: new Counter({
      name: 'funnelscope_events_stored_total',
      help: 'Messages stored by the writer',
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'funnelscope_events_duplicate_total',
      help: 'Messages the writer found stored already (same messageId)',
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: 'funnelscope_ingest_ack_seconds',
      help: 'Seconds from a request entering the ingest log to its flush to disk',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    writeSeconds: new Histogram({
      name: 'funnelscope_store_write_seconds',
      help: 'Seconds to store one ingest log segment',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'funnelscope_ingest_queue_events',
    help: 'Messages in the ingest log not yet stored',
    registers: [registry],
    collect() {
      this.set(backlog());
    },
  });
  return metrics;
}
