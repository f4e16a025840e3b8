import { DomainError } from '../../errors.js';
/** Codes of the errors the LibreOffice pool raises (HTTP statuses are registered in ../errors.ts). */
export type OfficeErrorCode = 'CONVERT_QUEUE_FULL' | 'CONVERT_TIMEOUT' | 'CONVERT_FAILED' | 'POOL_CLOSED';

/** An error with a stable `code`; `message` is for the end user, `detail` (if any) is the technical cause for logs. */
export class OfficeError extends DomainError<OfficeErrorCode> {
  readonly detail?: string;

  constructor(code: OfficeErrorCode, message: string, detail?: string) {
    super(code, message);
    if (detail !== undefined) this.detail = detail;
  }
}

export const queueFull = (detail?: string) =>
  new OfficeError('CONVERT_QUEUE_FULL', 'The PDF converter is busy right now; please try again in a moment.', detail);

export const timedOut = (ms: number) =>
  new OfficeError('CONVERT_TIMEOUT', `The document could not be converted to PDF within ${formatSeconds(ms)} s; please try again.`);

export const crashed = (detail?: string) =>
  new OfficeError('CONVERT_FAILED', 'The PDF converter stopped unexpectedly while converting the document; please try again.', detail);

export const notConvertible = (detail?: string) =>
  new OfficeError('CONVERT_FAILED', 'The document could not be converted to PDF: it does not look like a valid Word document.', detail);

export const conversionFailed = (detail?: string) =>
  new OfficeError(
    'CONVERT_FAILED',
    'The document could not be converted to PDF; please check that it is a valid Word document and try again.',
    detail,
  );

export const poolClosed = () => new OfficeError('POOL_CLOSED', 'The PDF converter is shutting down; please try again shortly.');

export const unavailable = (detail?: string) =>
  new OfficeError('CONVERT_FAILED', 'The PDF converter could not be started; please contact the administrator.', detail);

/** Any failure of a conversion as an OfficeError: a stable code for the user, the cause in `detail`. */
export const asOfficeError = (error: unknown): OfficeError => (error instanceof OfficeError ? error : conversionFailed(String(error)));

/** The converter's output, refused unless it is a PDF. */
export function pdfOutput(bytes: Buffer): Buffer {
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw conversionFailed('the output is not a PDF');
  return bytes;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}
