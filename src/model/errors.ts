/** Where in the input an error was found: at least one of these is set whenever the input has a place. */
export interface ErrorDetails {
  file?: string;
  line?: number;
  row?: number;
  field?: string;
  value?: string;
  [key: string]: unknown;
}

/** Stable error codes: tests and API clients match on these, never on message text. */
export type ErrorCode =
  | 'invalid_argument'
  | 'invalid_input'
  | 'invalid_definition'
  | 'invalid_exclusion'
  | 'invalid_breakdown_attribution'
  | 'file_not_found'
  | 'unsupported_format'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'too_many_requests'
  | 'storage_full'
  | 'payload_too_large'
  | 'unavailable'
  | 'store_too_new'
  | 'store_error'
  | 'internal';

const statusByCode: Record<ErrorCode, number> = {
  invalid_argument: 400,
  invalid_input: 400,
  invalid_definition: 400,
  invalid_exclusion: 400,
  invalid_breakdown_attribution: 400,
  file_not_found: 404,
  unsupported_format: 415,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  too_many_requests: 429,
  storage_full: 507,
  payload_too_large: 413,
  unavailable: 503,
  store_too_new: 409,
  store_error: 500,
  internal: 500,
};

/** The one error type of funnelscope: a stable code, a message naming the place, an HTTP status. */
export class FunnelscopeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FunnelscopeError';
    this.code = code;
    this.status = statusByCode[code];
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string; status: number; details: ErrorDetails } } {
    return { error: { code: this.code, message: this.message, status: this.status, details: this.details } };
  }
}

export function isFunnelscopeError(error: unknown): error is FunnelscopeError {
  return error instanceof FunnelscopeError;
}

/** Whether an error says the disk (or the user's quota) is full: Node's ENOSPC/EDQUOT, or DuckDB's message. */
export function isDiskFull(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'storage_full') return true;
  if (typeof e.message === 'string' && /No space left on device|Disk quota exceeded/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isDiskFull(e.cause);
}

/** The error a full disk gets: what failed, that nothing of it was kept, what to do. */
export function diskFullError(what: string, cause: unknown): FunnelscopeError {
  return new FunnelscopeError(
    'storage_full',
    `${what}: the disk is full (${(cause as Error).message}); nothing of it was kept. Free space and retry`,
    {},
    { cause },
  );
}
