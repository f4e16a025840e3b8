import { DomainError } from '../errors.js';

/** The `ecode` and message an item's failure is reported with, whatever layer threw it. */
export function errorCodeOf(error: unknown): { ecode: string; message: string } {
  if (error instanceof DomainError) return { ecode: error.code, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { ecode: typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) ? code : 'INTERNAL_ERROR', message: message.slice(0, 500) };
}
