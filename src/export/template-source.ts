import { DomainError } from '../errors.js';
import type { FileStore } from '../store/files.js';
import type { FileUris } from '../store/file-uri.js';
import { ALLOWED_MIME } from '../store/sniff.js';
import type { LoadedTemplate } from './fill/catalogue.js';
import type { TemplateCatalogue } from './template-catalogue.js';

export interface TemplateSourceOptions {
  catalogue: TemplateCatalogue;
  files: FileStore;
  uris: FileUris;
  /** Origins (scheme://host[:port]) from which templates may be fetched by URL. */
  allowedOrigins: string[];
  maxTemplateBytes: number;
  fetchTimeoutMs: number;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Finds a template's bytes from how a caller names it: a name in the catalogue, the uri of a `.docx`
 * in our file store (`/file/<id>` or absolute), or a URL on an allow-listed origin. Anything else is
 * refused before any request is made.
 */
export class TemplateSource {
  constructor(private readonly options: TemplateSourceOptions) {}

  async resolve(reference: string): Promise<LoadedTemplate> {
    const ref = reference.trim();
    if (NAME.test(ref)) return this.options.catalogue.load(ref);
    const fileId = this.options.uris.fileIdOf(ref);
    if (fileId) {
      const file = await this.options.files.get(fileId);
      if (!file) throw new DomainError('TEMPLATE_NOT_FOUND', `No file with id ${fileId}.`);
      if (file.mime !== ALLOWED_MIME.docx)
        throw new DomainError('NOT_DOCX', `File ${fileId} is ${file.mime}, not a Word (.docx) template.`);
      return { name: file.name, title: file.name, docx: await this.options.files.readBytes(file) };
    }
    let url: URL;
    try {
      url = new URL(ref);
    } catch {
      throw new DomainError('INVALID_TEMPLATE', `"${ref.slice(0, 100)}" is neither a template name, a file uri nor a URL.`);
    }
    if (!['http:', 'https:'].includes(url.protocol) || !this.options.allowedOrigins.includes(url.origin)) {
      throw new DomainError(
        'TEMPLATE_ORIGIN_NOT_ALLOWED',
        `Templates are not fetched from ${url.origin}; it is not on the allow-list (TEMPLATE_ORIGINS).`,
      );
    }
    return { name: url.pathname.split('/').pop() || 'template.docx', title: url.pathname, docx: await this.fetch(url) };
  }

  private async fetch(url: URL): Promise<Buffer> {
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.options.fetchTimeoutMs) });
    } catch (error) {
      throw new DomainError('TEMPLATE_FETCH_FAILED', `The template could not be fetched from ${url.origin}: ${(error as Error).message}.`);
    }
    if (!response.ok) throw new DomainError('TEMPLATE_FETCH_FAILED', `Fetching the template answered HTTP ${response.status}.`);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > this.options.maxTemplateBytes)
      throw new DomainError('TEMPLATE_TOO_LARGE', 'The template is larger than the upload limit.');
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > this.options.maxTemplateBytes)
      throw new DomainError('TEMPLATE_TOO_LARGE', 'The template is larger than the upload limit.');
    return bytes;
  }
}
