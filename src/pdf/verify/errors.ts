/** The input is not a PDF this verifier can read (no header, no cross-reference data, ...). */
export class PdfParseError extends Error {
  readonly code = 'PDF_UNREADABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PdfParseError';
  }
}
