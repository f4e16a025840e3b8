/**
 * The one error model of the service. Domain code (pdf, export, providers, seals, signing, …) throws a
 * DomainError, or a subclass that adds nothing but a name, with a stable `code`; it knows nothing of
 * HTTP. The HTTP layer maps every code to a status in one table (`src/http/error-status.ts`).
 */
export class DomainError extends Error {
  constructor(
    /** Stable, upper-snake machine code, e.g. SEAL_NOT_FOUND; the envelope's `ecode`. */
    readonly code: string,
    message: string,
    /** Structured details for the caller, e.g. field errors; the envelope's `entities`. */
    readonly details: unknown[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** A field-level validation problem, reported in `details`. */
export interface FieldError {
  path: string;
  message: string;
}

export const invalidRequest = (errors: FieldError[]) =>
  new DomainError('INVALID_REQUEST', `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);

export const notFound = (what: string, id: string) => new DomainError(`${what.toUpperCase()}_NOT_FOUND`, `No ${what} with id ${id}.`);
