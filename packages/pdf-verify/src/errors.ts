/** The input is not a PDF this verifier can read (no header, no cross-reference data, ...). */
export class PdfParseError extends Error {
  readonly code: string = 'PDF_UNREADABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PdfParseError';
  }
}

/**
 * The input needs more work than the verifier's limits allow (see limits.ts). A PdfParseError, so
 * callers that only know "unreadable" still answer correctly; `limit` names the bound.
 */
export class PdfLimitError extends PdfParseError {
  override readonly code = 'PDF_LIMIT_EXCEEDED';

  constructor(
    readonly limit: string,
    readonly max: number,
    message: string,
  ) {
    super(`${message} (${limit} = ${max})`);
    this.name = 'PdfLimitError';
  }
}

/** Rethrows limit errors from inside a `catch` that otherwise treats an error as "unreadable". */
export function rethrowLimit(error: unknown): void {
  if (error instanceof PdfLimitError) throw error;
}
