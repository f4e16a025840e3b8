import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import { isId } from '../util/ids.js';
import type { FileStore } from '../store/files.js';
import type { FileUris } from '../store/file-uri.js';
import { ALLOWED_MIME } from '../store/sniff.js';
import type { LoadedTemplate } from './fill/catalogue.js';
import { renderDocx } from './fill/index.js';
import { validateTemplateData } from './fill/validate.js';
import type { Converter } from './office/index.js';
import type { TemplateSource } from './template-source.js';

export type ExportStage = 'queued' | 'filling' | 'converting' | 'stored';
export type StageListener = (stage: ExportStage) => void;

export interface ExportPipelineOptions {
  templates: TemplateSource;
  converter: Converter;
  files: FileStore;
  uris: FileUris;
  production: boolean;
  log: Logger;
  /** Zip-bomb guard: largest total uncompressed size of a DOCX. */
  maxUnzippedBytes: number;
}

/** Form data + Word template → DOCX (docxtemplater) → PDF (the LibreOffice pool), reporting each stage. */
export class ExportPipeline {
  constructor(private readonly options: ExportPipelineOptions) {}

  /** The template's catalogue entry (title, default seals) without rendering it. */
  async templateInfo(reference: string): Promise<LoadedTemplate> {
    return this.options.templates.resolve(reference);
  }

  /**
   * `forSignature`: the document of that Signature is being generated, so images in the data may only
   * be files uploaded for it (`PUT /file` with `signature=<id>`). Without it (the engine creating a
   * Signature or exporting) any PNG/JPEG of the store may be named.
   */
  async renderDocx(
    reference: string,
    data: unknown,
    onStage: StageListener = () => undefined,
    forSignature?: string,
  ): Promise<{ docx: Buffer; template: LoadedTemplate }> {
    onStage('queued');
    const template = await this.options.templates.resolve(reference);
    if (template.schema) validateTemplateData(template.schema, data);
    onStage('filling');
    const docx = await renderDocx(template.docx, data, {
      production: this.options.production,
      loadImage: (ref) => this.loadImage(ref, forSignature),
      limits: { maxUnzippedBytes: this.options.maxUnzippedBytes },
      trusted: template.trusted === true,
    });
    return { docx, template };
  }

  async renderPdf(
    reference: string,
    data: unknown,
    onStage: StageListener = () => undefined,
    forSignature?: string,
  ): Promise<{ pdf: Buffer; docx: Buffer; template: LoadedTemplate }> {
    const { docx, template } = await this.renderDocx(reference, data, onStage, forSignature);
    const started = performance.now();
    const pdf = await this.options.converter.convert(docx, { onStarted: () => onStage('converting') });
    this.options.log.debug({ template: template.name, ms: Math.round(performance.now() - started) }, 'converted');
    return { pdf, docx, template };
  }

  /** Images in form data are files of our store (PNG or JPEG), named by id or `/file/<id>` uri. */
  private async loadImage(ref: string, forSignature?: string): Promise<{ bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }> {
    const id = isId(ref) ? ref : this.options.uris.fileIdOf(ref);
    const file = id ? await this.options.files.get(id) : undefined;
    if (!file) throw new DomainError('IMAGE_NOT_FOUND', `The image "${ref.slice(0, 80)}" is not a file of this service.`);
    if (forSignature !== undefined && !file.tags.includes(`signature:${forSignature}`)) {
      throw new DomainError(
        'IMAGE_NOT_FOR_SIGNATURE',
        `The image ${file.id} was not uploaded for this Signature (PUT /file with signature=${forSignature}).`,
      );
    }
    if (file.mime !== ALLOWED_MIME.png && file.mime !== ALLOWED_MIME.jpeg) {
      throw new DomainError('NOT_AN_IMAGE', `The file ${file.id} is ${file.mime}; images in templates are PNG or JPEG.`);
    }
    return { bytes: await this.options.files.readBytes(file), mime: file.mime };
  }
}
