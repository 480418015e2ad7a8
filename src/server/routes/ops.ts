import type { FastifyInstance } from 'fastify';
import type { LiveIngest } from '../../store/live-ingest.js';
import type { Store } from '../../store/store.js';
import type { ServerMetrics } from '../metrics.js';

/** `/health` (the process answers), `/ready` (it takes events now), `/metrics` (Prometheus text format). */
export async function opsRoutes(
  app: FastifyInstance,
  options: { store: Store; ingest: LiveIngest; metrics: ServerMetrics },
): Promise<void> {
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    const backlog = options.ingest.backlog;
    if (options.ingest.overloaded) {
      return reply.status(503).send({ status: 'overloaded', backlog });
    }
    return reply.send({ status: 'ready', backlog });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.header('Content-Type', options.metrics.registry.contentType).send(text);
  });
}
