import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/log.js';
import type { FileStore } from '../store/files.js';
import type { FileUris } from '../store/file-uri.js';
import { type VerificationCodes, newVerificationCode } from './codes.js';
import { drawVerificationMark } from './mark.js';

export interface MarkRequest {
  shareable: boolean;
}

/** `true` or `{shareable}` from a request or a template; undefined when no mark is asked for. */
export function markRequest(value: unknown): MarkRequest | undefined {
  if (value === true) return { shareable: false };
  if (value && typeof value === 'object') return { shareable: (value as { shareable?: unknown }).shareable === true };
  return undefined;
}

/**
 * Verification marks and what happens when a document is generated: the QR code and code drawn on
 * the PDF, the code registered for the Signature, and the audit entry with template and data hash.
 */
export class DocumentProof {
  constructor(
    private readonly codes: VerificationCodes,
    private readonly files: FileStore,
    private readonly uris: FileUris,
    private readonly audit: AuditLog,
  ) {}

  verifyUrl(code: string): string {
    return `${this.uris.publicUrl}/v/${code}`;
  }

  /** Draws a new code's mark on the PDF; register it once the Signature exists. */
  async mark(pdf: Uint8Array, code = newVerificationCode()): Promise<{ pdf: Uint8Array; code: string }> {
    return { pdf: await drawVerificationMark(pdf, { code, url: this.verifyUrl(code) }), code };
  }

  /** An uploaded PDF with the mark drawn, stored as a new file. */
  async markFile(fileId: string): Promise<{ fileId: string; code: string } | undefined> {
    const file = await this.files.get(fileId);
    if (!file || file.mime !== 'application/pdf') return undefined;
    const marked = await this.mark(await this.files.readBytes(file));
    const stored = await this.files.putBytes(marked.pdf, { name: file.name, mime: file.mime });
    return { fileId: stored.id, code: marked.code };
  }

  async register(signatureId: string, code: string, request: MarkRequest): Promise<void> {
    await this.codes.register(signatureId, request.shareable, code);
  }

  /** The code to print when the document of this Signature is (re)generated later, if one was asked for. */
  async pendingCode(signatureId: string): Promise<string | undefined> {
    return (await this.codes.ofSignature(signatureId)).find((code) => code.withdrawnTime === null)?.code;
  }

  recordGenerated(signatureId: string, template: string, data: unknown, pdf: Uint8Array, code?: string): void {
    const sha = (value: string | Uint8Array) => createHash('sha256').update(value).digest('hex');
    void this.audit.record(signatureId, {
      type: 'document.generated',
      actor: 'service',
      data: { template, dataSha256: sha(JSON.stringify(data ?? {})), pdfSha256: sha(pdf), ...(code ? { verificationMark: true } : {}) },
    });
  }
}
