import { PROVIDER_ERROR_STATUSES } from './provider-error-statuses.js';

/** An error that the HTTP layer turns into the envelope with the given status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly ecode: string,
    message: string,
    readonly entities: unknown[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface FieldError {
  path: string;
  message: string;
}

export const badRequest = (ecode: string, message: string, entities: unknown[] = []) => new ApiError(400, ecode, message, entities);
export const validationFailed = (errors: FieldError[]) =>
  new ApiError(400, 'INVALID_REQUEST', `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
export const unauthorized = (message = 'Authentication is required.') =>
  new ApiError(401, 'UNAUTHORIZED', message, [], { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (ecode: string, message: string) => new ApiError(403, ecode, message);
export const notFound = (what: string, id: string) => new ApiError(404, `${what.toUpperCase()}_NOT_FOUND`, `No ${what} with id ${id}.`);
export const conflict = (ecode: string, message: string) => new ApiError(409, ecode, message);

/**
 * Modules whose errors carry a stable `code` (fill, office, pdf, …) register the HTTP status for each
 * code; the error handler then answers them in the envelope with that status and code.
 */
const codedErrorStatuses = new Map<string, number>(Object.entries(PROVIDER_ERROR_STATUSES));

export function registerErrorStatuses(statuses: Record<string, number>): void {
  for (const [code, status] of Object.entries(statuses)) codedErrorStatuses.set(code, status);
}

interface CodedError {
  code?: unknown;
  message?: string;
  errors?: unknown[];
  /** A DomainError's. */
  details?: unknown[];
}

/** An ApiError for a registered coded error, or undefined. */
export function fromCodedError(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const coded = error as CodedError;
  const status = typeof coded.code === 'string' ? codedErrorStatuses.get(coded.code) : undefined;
  if (status === undefined) return undefined;
  const headers: Record<string, string> = status === 503 ? { 'Retry-After': '2' } : {};
  return new ApiError(status, coded.code as string, coded.message ?? (coded.code as string), Array.isArray(coded.errors) ? coded.errors : Array.isArray(coded.details) ? coded.details : [], headers);
}
