import { DomainError } from '../errors.js';
import type { SealInput, Signature } from '../signature/schema.js';
import type { SignatureService } from '../signature/service.js';
import type { FileStore } from '../store/files.js';
import { ALLOWED_MIME } from '../store/sniff.js';
import type { ExportPipeline, ExportStage } from './pipeline.js';
import { newVerificationCode } from '../proof/codes.js';
import { type DocumentProof, markRequest } from '../proof/marks.js';

/** Where export progress goes (the ws hub): a port, so the export layer knows nothing of WebSockets. */
export interface ProgressPublisher {
  publish(signatureId: string, event: { type: 'progress'; signatureId: string; stage: ExportStage }): void;
}

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
    private readonly hub: ProgressPublisher,
    /** Verification marks and the audit entry of a generated document (absent: neither). */
    private readonly proof?: DocumentProof,
  ) {}

  async createFromTemplate(input: {
    name?: string;
    template: string;
    data?: Record<string, unknown>;
    seals?: SealInput[];
    generate?: boolean;
    verificationMark?: unknown;
  }): Promise<Signature> {
    if (input.generate === false) {
      const template = await this.pipeline.templateInfo(input.template);
      const signature = await this.signatures.createPending({
        name: input.name ?? `${template.title}.pdf`,
        template: input.template,
        seals: input.seals ?? template.seals,
      });
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
    const signature = await this.signatures.create({
      name,
      fileId: file.id,
      seals: input.seals ?? template.seals,
      template: input.template,
    });
    if (marked && mark) await this.proof!.register(signature.id, marked.code, mark);
    this.proof?.recordGenerated(signature.id, input.template, input.data, pdf, marked?.code);
    return signature;
  }

  /**
   * (Re)generates the document of a Signature from its template. Refused once any seal is applied or
   * pending at a provider, and written only if the Signature is still at the version the generation
   * started from: a stamp that lands while LibreOffice converts wins, the regenerated PDF is dropped.
   * `fromEndUser`: the data comes from a ticket holder, who may set only the template's declared fields.
   */
  async generate(signatureId: string, data: Record<string, unknown>, options: { fromEndUser?: boolean } = {}): Promise<Signature> {
    const signature = await this.signatures.get(signatureId);
    const template = signature.template || signature.seals.find((seal) => seal.template)?.template;
    if (!template) throw new DomainError('NO_TEMPLATE', 'This Signature has no Word template to generate its document from.');
    assertUnlocked(signature);
    if (options.fromEndUser) await this.assertEndUserData(template, data);
    const progress = (stage: ExportStage) => this.hub.publish(signatureId, { type: 'progress', signatureId, stage });
    const { pdf: rendered } = await this.pipeline.renderPdf(template, data, progress, signatureId);
    const code = await this.proof?.pendingCode(signatureId);
    const pdf = code ? (await this.proof!.mark(rendered, code)).pdf : rendered;
    const file = await this.files.putBytes(pdf, { name: signature.name || 'document.pdf', mime: ALLOWED_MIME.pdf });
    progress('stored');
    try {
      const updated = await this.signatures.update(signatureId, { version: signature.version, uri: `/file/${file.id}` }, 'document');
      this.proof?.recordGenerated(signatureId, template, data, pdf, code);
      return updated;
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VERSION_CONFLICT') throw error;
      assertUnlocked(await this.signatures.get(signatureId));
      throw new DomainError(
        'DOCUMENT_CHANGED',
        'The Signature changed while its document was being generated; nothing was replaced. Fetch it and try again.',
      );
    }
  }

  /**
   * End users may fill only what the template declares: a template with a JSON Schema, and only the
   * top-level properties it names. Anything else (and templates without a schema) is the engine's.
   */
  private async assertEndUserData(reference: string, data: Record<string, unknown>): Promise<void> {
    const template = await this.pipeline.templateInfo(reference);
    const declared = (template.schema as { properties?: Record<string, unknown> } | undefined)?.properties;
    if (!declared)
      throw new DomainError(
        'TEMPLATE_DATA_ENGINE_ONLY',
        'This template declares no fields an end user may fill; the engine supplies its data.',
      );
    const extra = Object.keys(data).filter((key) => !Object.hasOwn(declared, key));
    if (extra.length > 0) {
      throw new DomainError(
        'TEMPLATE_DATA_INVALID',
        `Fields the template does not declare: ${extra.slice(0, 10).join(', ')}.`,
        extra.map((key) => ({ path: `$.data.${key}`, message: 'is not a field of this template' })),
      );
    }
  }
}

function assertUnlocked(signature: Signature): void {
  if (signature.seals.some((seal) => seal.signature)) {
    throw new DomainError('DOCUMENT_LOCKED', 'A seal has already been applied; the document can no longer be regenerated.');
  }
  if (signature.seals.some((seal) => seal.state === 'pending')) {
    throw new DomainError('DOCUMENT_LOCKED', 'A seal is being applied at a provider; the document cannot be regenerated now.');
  }
}
