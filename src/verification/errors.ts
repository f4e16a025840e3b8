import { DomainError } from '../errors.js';

export type VerifyErrorCode =
  'PDF_UNREADABLE' | 'PDF_LIMIT_EXCEEDED' | 'VERIFY_TIMEOUT' | 'VERIFY_QUEUE_FULL' | 'VERIFY_FAILED' | 'VERIFY_POOL_CLOSED';

/** Why a PDF could not be verified; `message` is for people, `details` names the limit (if any). */
export class VerifyError extends DomainError<VerifyErrorCode> {
  constructor(code: VerifyErrorCode, message: string, limit?: { limit: string; max: number }) {
    super(code, message, limit ? [limit] : []);
  }
}
