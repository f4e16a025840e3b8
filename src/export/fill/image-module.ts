import { DomainError } from '../../errors.js';

export type ImageLoader = (ref: string) => Promise<{ bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }>;

/**
 * An image tag's value: a file reference, or `{ref, width?, height?}` (`file` is accepted for `ref`).
 * A size is a number of centimetres, or a string with a unit: `"3cm"`, `"25mm"`, `"120px"` (96 px to
 * the inch), `"1.5in"`, `"72pt"`.
 */
export type ImageValue = string | { ref?: string; file?: string; width?: number | string; height?: number | string };

interface LoadedImage {
  bytes: Uint8Array;
  extension: 'png' | 'jpeg';
  widthEmu: number;
  heightEmu: number;
}

const MODULE = 'infoplus-image';
const EMU_PER_CM = 360_000;
const DEFAULT_WIDTH_CM = 3;
const MAX_CM = 30;
/** Largest image accepted from form data. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const CM_PER_UNIT: Record<string, number> = { cm: 1, mm: 0.1, in: 2.54, pt: 2.54 / 72, px: 2.54 / 96 };

/** A size (number = cm, or a string with a unit) in centimetres; undefined when absent, an error when unreadable. */
export function toCentimetres(size: unknown, tag: string): number | undefined {
  if (size === undefined || size === null || size === '') return undefined;
  let cm: number | undefined;
  if (typeof size === 'number') cm = size;
  else if (typeof size === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(cm|mm|in|pt|px)?\s*$/i.exec(size);
    if (match) cm = Number(match[1]) * CM_PER_UNIT[(match[2] ?? 'cm').toLowerCase()];
  }
  if (cm === undefined || !Number.isFinite(cm) || cm <= 0) {
    throw new DomainError(
      'TEMPLATE_DATA_INVALID',
      `The size of the image "${tag}" must be a positive number of centimetres or a length such as "3cm", "25mm" or "120px".`,
      [{ path: tag, message: 'has an unreadable width or height' }],
    );
  }
  return Math.min(cm, MAX_CM);
}

/** Natural pixel size of a PNG (IHDR) or JPEG (first SOFn); null when the bytes are neither. */
export function imageSize(bytes: Uint8Array): { width: number; height: number; extension: 'png' | 'jpeg' } | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length > 24 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a && b.toString('latin1', 12, 16) === 'IHDR') {
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), extension: 'png' };
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let at = 2;
    while (at + 9 < b.length) {
      if (b[at] !== 0xff) return null;
      const marker = b[at + 1];
      if (marker === 0xff) {
        at++; // fill byte
        continue;
      }
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        at += 2; // markers without a length
        continue;
      }
      const length = b.readUInt16BE(at + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: b.readUInt16BE(at + 7), height: b.readUInt16BE(at + 5), extension: 'jpeg' };
      }
      at += 2 + length;
    }
  }
  return null;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * A free replacement for docxtemplater's paid image module (docxtemplater's module API: `matchers`,
 * `resolve`, `render`). `{%photo}` takes a file reference (what `loadImage` understands: our file id
 * or `/file/<id>` uri) or `{ref, width?, height?}` (see {@link ImageValue}; with neither size the
 * picture is 3 cm wide, with one the other follows the aspect ratio read from the PNG IHDR or JPEG
 * SOF). An empty value renders nothing.
 *
 * Async: `loadImage` is called in docxtemplater's `renderAsync` resolve phase (the module's `resolve`
 * returns a promise per tag, inside loops too); the sync `render` phase then only emits the DrawingML
 * `<w:drawing><wp:inline>…<a:blip r:embed>` run and records the media part, which `renderDocx` adds
 * as `word/media/infoplus-imageN.png|jpeg` with a relationship and a `Default` content type.
 */
export class ImageModule {
  readonly name = 'InfoPlusImageModule';
  private readonly images: Array<{ id: string; path: string; bytes: Uint8Array; extension: string }> = [];
  private docPrId = 5000;

  constructor(private readonly loadImage: ImageLoader) {}

  matchers(): Array<[string, string]> {
    return [['%', MODULE]];
  }

  resolve(
    part: { module?: string; value: string },
    options: { scopeManager: { getValueAsync(tag: string, meta: unknown): Promise<unknown> } },
  ) {
    if (part.module !== MODULE) return null;
    return options.scopeManager
      .getValueAsync(part.value, { part })
      .then((value) => this.load(value as ImageValue | null | undefined, part.value));
  }

  render(part: { module?: string; value: string }, options: { scopeManager: { getValue(tag: string, meta: unknown): unknown } }) {
    if (part.module !== MODULE) return null;
    const image = options.scopeManager.getValue(part.value, { part }) as LoadedImage | null | undefined;
    if (!image || typeof image !== 'object' || !('bytes' in image)) return { value: '' };
    const index = this.images.length + 1;
    const id = `rIdInfoPlusImage${index}`;
    const path = `media/infoplus-image${index}.${image.extension}`;
    this.images.push({ id, path, bytes: image.bytes, extension: image.extension });
    const docPr = ++this.docPrId;
    const name = escapeAttribute(`${part.value}-${index}`);
    const extent = `cx="${image.widthEmu}" cy="${image.heightEmu}"`;
    const drawing =
      '<w:drawing xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      `<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent ${extent}/><wp:effectExtent l="0" t="0" r="0" b="0"/>` +
      `<wp:docPr id="${docPr}" name="${name}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>` +
      '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>' +
      `<pic:nvPicPr><pic:cNvPr id="${docPr}" name="${name}"/><pic:cNvPicPr/></pic:nvPicPr>` +
      `<pic:blipFill><a:blip r:embed="${id}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>` +
      `<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext ${extent}/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>` +
      '</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>';
    // The tag sits inside <w:r><w:t>: close that run, add a run with the drawing, reopen a text run.
    return { value: `</w:t></w:r><w:r>${drawing}</w:r><w:r><w:t xml:space="preserve">` };
  }

  /** Media parts and relationships for the images rendered into word/document.xml. */
  get rendered(): ReadonlyArray<{ id: string; path: string; bytes: Uint8Array; extension: string }> {
    return this.images;
  }

  private async load(value: ImageValue | null | undefined, tag: string): Promise<LoadedImage | null> {
    if (value === null || value === undefined || value === '') return null;
    const spec = typeof value === 'string' ? { ref: value } : value;
    const ref = typeof spec === 'object' ? (spec.ref ?? spec.file) : undefined;
    if (typeof ref !== 'string' || ref === '') {
      throw new DomainError('TEMPLATE_DATA_INVALID', `The image "${tag}" must be a file reference, or {ref, width?, height?}.`, [
        { path: tag, message: 'must be a file reference or {ref, width?, height?}' },
      ]);
    }
    const { bytes } = await this.loadImage(ref);
    if (bytes.byteLength > MAX_IMAGE_BYTES)
      throw new DomainError('IMAGE_TOO_LARGE', `The image "${tag}" is larger than ${MAX_IMAGE_BYTES / 1048576} MiB.`);
    const size = imageSize(bytes);
    if (!size || size.width === 0 || size.height === 0)
      throw new DomainError('NOT_AN_IMAGE', `The image "${tag}" is not a PNG or JPEG file.`);
    let widthCm = toCentimetres((spec as { width?: unknown }).width, tag);
    let heightCm = toCentimetres((spec as { height?: unknown }).height, tag);
    if (widthCm === undefined && heightCm === undefined) widthCm = DEFAULT_WIDTH_CM;
    widthCm ??= (heightCm! * size.width) / size.height;
    heightCm ??= (widthCm * size.height) / size.width;
    return { bytes, extension: size.extension, widthEmu: Math.round(widthCm * EMU_PER_CM), heightEmu: Math.round(heightCm * EMU_PER_CM) };
  }
}
