import { diskFullError, type ErrorCode, FunnelscopeError, isDiskFull, isFunnelscopeError } from '../model/errors.js';

/** Fastify's own failures (body too large, bad JSON, bad gzip) in our error shape. */
const byFastifyCode: Record<string, { code: ErrorCode; message: (e: Error) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'payload_too_large',
    message: () => 'request body is larger than this route takes',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_format',
    message: () => 'Content-Type must be application/json or text/plain',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_input', message: () => 'body: empty; expected a JSON object' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_input', message: (e) => `body: not valid JSON (${e.message})` },
};

/** Any error thrown while handling a request, as a FunnelscopeError (status and stable code). */
export function toFunnelscopeError(error: unknown): FunnelscopeError {
  if (isFunnelscopeError(error) && error.code !== 'store_error') return error;
  if (isDiskFull(error)) return diskFullError('the request', error);
  if (isFunnelscopeError(error)) return error;
  const e = error as Error & { code?: string; statusCode?: number };
  const known = e.code ? byFastifyCode[e.code] : undefined;
  if (known) return new FunnelscopeError(known.code, known.message(e), { field: 'body' });
  if (e instanceof SyntaxError || e.code === 'invalid_json') {
    return new FunnelscopeError('invalid_input', `body: not valid JSON (${e.message})`, { field: 'body' });
  }
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') {
    return new FunnelscopeError('invalid_input', `body: not valid gzip (${e.message})`, { field: 'body' });
  }
  if (e.statusCode === 413) return new FunnelscopeError('payload_too_large', e.message, { field: 'body' });
  if (e.statusCode === 415) return new FunnelscopeError('unsupported_format', e.message, { field: 'Content-Encoding' });
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new FunnelscopeError('invalid_input', e.message, { field: 'body' });
  }
  return new FunnelscopeError('internal', 'internal error', {}, { cause: error });
}
