import type { FastifyInstance } from 'fastify';
import { normaliseEmail } from '../../access/accounts.js';
import { FunnelscopeError } from '../../model/errors.js';
import { type AccessControl, checkOrigin, secureCookie, setSessionCookie } from '../access.js';

/**
 * Dashboard sign-in (docs/access.md): `POST /auth/login` sets the session cookie and returns the CSRF token the
 * page sends with each change; `POST /auth/logout` ends it; `GET /auth/session` says who is signed in (or that the
 * server is open to this machine, with no users).
 */
export async function authRoutes(app: FastifyInstance, options: { control: AccessControl }): Promise<void> {
  const { control } = options;

  app.get('/auth/session', { config: { access: 'public' } }, async (request) => {
    const signedIn = await control.signedIn(request);
    if (signedIn) {
      const { session, user } = signedIn;
      return {
        open: false,
        user: { email: user.email, role: user.role, projects: user.projects },
        csrfToken: session.csrfToken,
      };
    }
    return { open: await control.open(), user: null, csrfToken: null };
  });

  app.post('/auth/login', { config: { access: 'public' }, bodyLimit: 8 * 1024 }, async (request, reply) => {
    const body = (request.body ?? {}) as { email?: unknown; password?: unknown };
    const email = normaliseEmail(body.email);
    if (typeof body.password !== 'string' || body.password === '') {
      throw new FunnelscopeError('invalid_argument', 'password: expected a string', { field: 'password' });
    }
    // A sign-in cookie set over plain HTTP off this machine would travel in clear text: refuse rather than leak it.
    if (request.protocol !== 'https' && secureCookie(request)) {
      throw new FunnelscopeError(
        'forbidden',
        'sign-in over plain HTTP is refused off this machine: serve funnelscope over HTTPS (a reverse proxy that sets X-Forwarded-Proto: https)',
        { field: 'protocol' },
      );
    }
    checkOrigin(request);
    let signedIn: Awaited<ReturnType<AccessControl['signIn']>>;
    try {
      signedIn = await control.signIn(email, body.password, request.ip);
    } catch (error) {
      if (error instanceof FunnelscopeError && error.code === 'too_many_requests') {
        void reply.header('Retry-After', String(error.details.retryAfterSeconds));
      }
      throw error;
    }
    const { session, user } = signedIn;
    setSessionCookie(request, reply, session);
    return { user: { email: user.email, role: user.role, projects: user.projects }, csrfToken: session.csrfToken };
  });

  app.post('/auth/logout', { config: { access: 'signed-in' } }, async (request, reply) => {
    if (request.session) control.sessions.end(request.session.id);
    setSessionCookie(request, reply, null);
    return reply.status(204).send();
  });
}
