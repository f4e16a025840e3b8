import { ApiError, conflict } from '../http/errors.js';
import type { PushHub } from '../push/hub.js';
import type { Seal, Signature } from '../signature/schema.js';
import type { SignatureService } from '../signature/service.js';
import type { FileStore } from '../store/files.js';
import { ALLOWED_MIME } from '../store/sniff.js';
import type { ExportPipeline, ExportStage } from './pipeline.js';
import { newVerificationCode } from '../proof/codes.js';
import { type DocumentProof, markRequest } from '../proof/marks.js';

/**
 * Signatures whose document is generated from a Word template and form data: either at creation
 * (`POST /signature {template, data}`), or later when the user first clicks to stamp
 * (`POST /signature/:id/document {data}`), with progress pushed on the signature's channel.
 */
export class DocumentService {
  constructor(
    private readonly pipeline: ExportPipeline,
    private readonly signatures: SignatureService,
    private readonly files: FileStore,
    private readonly hub: PushHub,
    /** Verification marks and the audit entry of a generated document (absent: neither). */
    private readonly proof?: DocumentProof,
  ) {}

  async createFromTemplate(input: { name?: string; template: string; data?: Record<string, unknown>; seals?: Partial<Seal>[]; generate?: boolean; verificationMark?: unknown }): Promise<Signature> {
    if (input.generate === false) {
      const template = await this.pipeline.templateInfo(input.template);
      const signature = await this.signatures.createPending({ name: input.name ?? `${template.title}.pdf`, template: input.template, seals: input.seals ?? template.seals });
      // The code is reserved now and drawn when the document is generated.
      const mark = markRequest(input.verificationMark ?? template.verificationMark);
      if (mark && this.proof) await this.proof.register(signature.id, newVerificationCode(), mark);
      return signature;
    }
    // Rendering first: a template or data error leaves nothing behind.
    const { pdf: rendered, template } = await this.pipeline.renderPdf(input.template, input.data ?? {});
    const mark = this.proof ? markRequest(input.verificationMark ?? template.verificationMark) : undefined;
    const marked = mark ? await this.proof!.mark(rendered) : undefined;
    const pdf = marked?.pdf ?? rendered;
    const name = input.name ?? `${template.title}.pdf`;
    const file = await this.files.putBytes(pdf, { name, mime: ALLOWED_MIME.pdf });
    const signature = await this.signatures.create({ name, fileId: file.id, seals: input.seals ?? template.seals, template: input.template });
    if (marked && mark) await this.proof!.register(signature.id, marked.code, mark);
    this.proof?.recordGenerated(signature.id, input.template, input.data, pdf, marked?.code);
    return signature;
  }

  /** (Re)generates the document of a Signature from its template; refused once any seal is applied. */
  async generate(signatureId: string, data: Record<string, unknown>): Promise<Signature> {
    const signature = await this.signatures.get(signatureId);
    const template = signature.template || signature.seals.find((seal) => seal.template)?.template;
    if (!template) throw new ApiError(409, 'NO_TEMPLATE', 'This Signature has no Word template to generate its document from.');
    if (signature.seals.some((seal) => seal.signature)) {
      throw conflict('DOCUMENT_LOCKED', 'A seal has already been applied; the document can no longer be regenerated.');
    }
    const progress = (stage: ExportStage) => this.hub.publish(signatureId, { type: 'progress', signatureId, stage });
    const { pdf: rendered } = await this.pipeline.renderPdf(template, data, progress);
    const code = await this.proof?.pendingCode(signatureId);
    const pdf = code ? (await this.proof!.mark(rendered, code)).pdf : rendered;
    const file = await this.files.putBytes(pdf, { name: signature.name || 'document.pdf', mime: ALLOWED_MIME.pdf });
    progress('stored');
    const updated = await this.signatures.update(signatureId, { uri: `/file/${file.id}` }, 'document');
    this.proof?.recordGenerated(signatureId, template, data, pdf, code);
    return updated;
  }
}
