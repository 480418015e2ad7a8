import type { FastifyInstance } from 'fastify';
import type { LiveIngest } from '../../store/live-ingest.js';
import type { Store } from '../../store/store.js';
import type { ServerMetrics } from '../metrics.js';

/**
 * `/health` (the process answers), `/ready` (it takes events now): public; `/metrics` (Prometheus text format):
 * server admins (an admin key works, as a Prometheus bearer token).
 */
export async function opsRoutes(
  app: FastifyInstance,
  options: { store: Store; ingest: LiveIngest; metrics: ServerMetrics },
): Promise<void> {
  app.get('/health', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { access: 'public' } }, async (_request, reply) => {
    const backlog = options.ingest.backlog;
    if (options.ingest.overloaded) {
      return reply.status(503).send({ status: 'overloaded', backlog });
    }
    return reply.send({ status: 'ready', backlog });
  });
  app.get('/metrics', { config: { access: 'metrics' } }, async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.header('Content-Type', options.metrics.registry.contentType).send(text);
  });
}
