import { DomainError } from '../errors.js';

/**
 * @deprecated Left only for src/providers until it throws DomainError (issue 13): the status argument
 * is ignored, the table in ./error-status.ts decides (the error-code test checks they agree).
 */
export class ApiError extends DomainError {
  constructor(_status: number, code: string, message: string, entities: unknown[] = []) {
    super(code, message, entities);
  }
}

/** @deprecated Statuses live in ./error-status.ts; a no-op until src/providers stops calling it. */
export function registerErrorStatuses(_statuses: Record<string, number>): void {}
