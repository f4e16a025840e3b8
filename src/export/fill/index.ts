import Docxtemplater from 'docxtemplater';
import PizZip from 'pizzip';
import { DomainError } from '../../errors.js';
import { ImageModule, type ImageLoader } from './image-module.js';
import { templateError } from './errors.js';
import { sanitizeDocx } from './sanitize.js';
import { DEFAULT_ZIP_LIMITS, guardZip, type ZipLimits } from './zip-guard.js';

export { guardZip, DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip-guard.js';
export { sanitizeDocx, type SanitizeReport } from './sanitize.js';
export { imageSize, type ImageValue } from './image-module.js';
export { templateError, type TemplateErrorDetail } from './errors.js';

export interface RenderOptions {
  /** Production turns docxtemplater's error logging off (errors still reach the caller). */
  production: boolean;
  loadImage: ImageLoader;
  limits?: Partial<ZipLimits>;
  /** Only a trusted template may use `{@raw}` tags (raw WordprocessingML from data). */
  trusted?: boolean;
}

interface ParsedPart {
  module?: string;
  value?: string;
  subparsed?: ParsedPart[];
}

/**
 * `{@tag}` inserts raw XML from the data: a relationship, a field or a linked image the sanitizer
 * never saw. Refused unless the template is marked trusted.
 */
function refuseRawXml(doc: Docxtemplater): void {
  const compiled = (doc as unknown as { compiled?: Record<string, { postparsed?: ParsedPart[] }> }).compiled ?? {};
  const walk = (parts: ParsedPart[] | undefined): string | undefined => {
    for (const part of parts ?? []) {
      if (part.module === 'rawxml') return part.value ?? '';
      const inner = walk(part.subparsed);
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  for (const [file, templater] of Object.entries(compiled)) {
    const tag = walk(templater.postparsed);
    if (tag !== undefined) {
      throw new DomainError(
        'TEMPLATE_RAW_XML_REFUSED',
        `The template uses a raw XML tag {@${tag}} (in ${file}); only templates marked trusted may.`,
        [{ id: 'raw_xml_refused', xtag: tag, file }],
      );
    }
  }
}

const RELS = 'word/_rels/document.xml.rels';
const RELS_EMPTY =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>';
const IMAGE_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image';

/** Opens a template safely: zip-bomb guard (before PizZip reads a byte), then macro and external-link removal. */
export function openTemplate(template: Buffer | Uint8Array, limits?: Partial<ZipLimits>): PizZip {
  guardZip(template, { ...DEFAULT_ZIP_LIMITS, ...limits });
  let zip: PizZip;
  try {
    zip = new PizZip(template);
  } catch {
    throw new DomainError('NOT_DOCX', 'The file is not a readable Word document (.docx).');
  }
  sanitizeDocx(zip);
  return zip;
}

function createTemplater(zip: PizZip, production: boolean, modules: object[]): Docxtemplater {
  try {
    return new Docxtemplater(zip, {
      paragraphLoop: true,
      linebreaks: true,
      // Missing data renders as empty text, as a form with an empty field would.
      nullGetter: () => '',
      // docxtemplater accepts false, true / 'json' (pretty JSON on console.log) or 'jsonl' (one line).
      // One JSON line per error in development (multi-line dumps would interleave with pino's log lines).
      errorLogging: production ? false : 'jsonl',
      modules,
    });
  } catch (error) {
    throw templateError(error);
  }
}

/** Compiles a template without data: syntax errors surface as 422 TEMPLATE_ERROR (used on upload). */
export function compileTemplate(
  template: Buffer | Uint8Array,
  options: { production: boolean; limits?: Partial<ZipLimits>; trusted?: boolean },
): void {
  const doc = createTemplater(openTemplate(template, options.limits), options.production, [
    new ImageModule(async () => {
      throw new Error('no data');
    }),
  ]);
  if (!options.trusted) refuseRawXml(doc);
}

/**
 * Fills a Word template with form data and returns the DOCX.
 *
 * docxtemplater with its default parser (tags are plain property names, `{#a}{b}{/a}` enters an
 * object; no angular-expressions, so no code runs from a template), `paragraphLoop` (a loop or
 * condition alone in its paragraphs drops those paragraphs), `linebreaks` (`\n` in a value becomes
 * `<w:br/>`), missing values render as empty text. Loops whose tags sit in one table row repeat the
 * row. `{%tag}` places an image (see ImageModule): because `loadImage` is async, rendering uses
 * docxtemplater's `renderAsync`, whose resolve phase awaits every image before the sync render.
 *
 * Before docxtemplater sees the package: the zip guard (413 ZIP_TOO_LARGE / 415 NOT_DOCX) and the
 * sanitizer (no macros, no external relationships or fetching fields). Template syntax and render
 * errors are `422 TEMPLATE_ERROR` with docxtemplater's errors as entities `{id, explanation, xtag,
 * file, offset?}`.
 */
export async function renderDocx(template: Buffer | Uint8Array, data: unknown, options: RenderOptions): Promise<Buffer> {
  const zip = openTemplate(template, options.limits);
  const images = new ImageModule(options.loadImage);
  const doc = createTemplater(zip, options.production, [images]);
  if (!options.trusted) refuseRawXml(doc);
  try {
    await doc.renderAsync(data ?? {});
  } catch (error) {
    throw templateError(error);
  }
  const out = doc.getZip();
  if (images.rendered.length > 0) addImageParts(out, images.rendered);
  return out.generate({ type: 'nodebuffer', compression: 'DEFLATE' }) as Buffer;
}

function addImageParts(zip: PizZip, images: ReadonlyArray<{ id: string; path: string; bytes: Uint8Array; extension: string }>): void {
  const rels = zip.file(RELS)?.asText() ?? RELS_EMPTY;
  const added = images.map((image) => `<Relationship Id="${image.id}" Type="${IMAGE_REL}" Target="${image.path}"/>`).join('');
  zip.file(RELS, rels.replace('</Relationships>', `${added}</Relationships>`));
  for (const image of images) zip.file(`word/${image.path}`, image.bytes);
  let types = zip.file('[Content_Types].xml')!.asText();
  for (const [extension, mime] of [
    ['png', 'image/png'],
    ['jpeg', 'image/jpeg'],
  ] as const) {
    if (images.some((image) => image.extension === extension) && !new RegExp(`Extension="${extension}"`, 'i').test(types)) {
      types = types.replace('<Default ', `<Default Extension="${extension}" ContentType="${mime}"/><Default `);
    }
  }
  zip.file('[Content_Types].xml', types);
}
