/**
 * The one error model of the service. Domain code (pdf, export, providers, seals, signing, …) throws a
 * DomainError, or a subclass that adds nothing but a name, with a stable `code`; it knows nothing of
 * HTTP. The HTTP layer maps every code to a status in one table (`src/http/error-status.ts`).
 */
export class DomainError<Code extends string = string> extends Error {
  constructor(
    /** Stable, upper-snake machine code, e.g. SEAL_NOT_FOUND; the envelope's `ecode`. */
    readonly code: Code,
    message: string,
    /** Structured details for the caller, e.g. field errors; the envelope's `entities`. */
    readonly details: unknown[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // A subclass adds nothing but its name (`class MfaError extends DomainError<MfaCode> {}`).
    this.name = new.target.name;
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/**
 * A failure another service answered (the engine), relayed with that service's code: the code is
 * theirs, not ours, so the HTTP layer answers it as a bad gateway rather than by its code.
 */
export class RelayedError extends DomainError {
  constructor(
    code: string,
    message: string,
    /** Which service answered (e.g. `engine`) and with what status (0 when it never answered). */
    readonly upstream: { source: string; status: number },
    details: unknown[] = [],
  ) {
    super(code, message, details);
  }
}

/** A field-level validation problem, reported in `details`. */
export interface FieldError {
  path: string;
  message: string;
}

export const invalidRequest = (errors: FieldError[]) =>
  new DomainError('INVALID_REQUEST', `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);

/** What `notFound` can name; listed so every `<WHAT>_NOT_FOUND` code is known (and has a status). */
export const NOT_FOUND_SUBJECTS = ['signature', 'file', 'seal'] as const;
export type NotFoundSubject = (typeof NOT_FOUND_SUBJECTS)[number];

export const notFoundCode = (what: NotFoundSubject) => `${what.toUpperCase() as Uppercase<NotFoundSubject>}_NOT_FOUND` as const;

export const notFound = (what: NotFoundSubject, id: string) => new DomainError(notFoundCode(what), `No ${what} with id ${id}.`);

export const unauthorized = (message = 'Authentication is required.') => new DomainError('UNAUTHORIZED', message);
