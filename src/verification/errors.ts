import { registerErrorStatuses } from '../http/errors.js';

export type VerifyErrorCode = 'PDF_UNREADABLE' | 'PDF_LIMIT_EXCEEDED' | 'VERIFY_TIMEOUT' | 'VERIFY_QUEUE_FULL' | 'VERIFY_FAILED' | 'VERIFY_POOL_CLOSED';

/** Why a PDF could not be verified; `message` is for people, `errors` names the limit (if any). */
export class VerifyError extends Error {
  readonly errors: { limit: string; max: number }[];

  constructor(
    readonly code: VerifyErrorCode,
    message: string,
    limit?: { limit: string; max: number },
  ) {
    super(message);
    this.name = 'VerifyError';
    this.errors = limit ? [limit] : [];
  }
}

registerErrorStatuses({
  PDF_UNREADABLE: 422,
  PDF_LIMIT_EXCEEDED: 422,
  VERIFY_TIMEOUT: 422,
  VERIFY_QUEUE_FULL: 503,
  VERIFY_POOL_CLOSED: 503,
  VERIFY_FAILED: 500,
});
