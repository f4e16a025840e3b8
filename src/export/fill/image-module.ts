import { ApiError } from '../../http/errors.js';

export type ImageLoader = (ref: string) => Promise<{ bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }>;

/** An image tag's value: a file reference, or one with a size in centimetres. */
type ImageValue = string | { file: string; width?: number; height?: number };

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

/** Natural pixel size of a PNG (IHDR) or JPEG (first SOFn); null when the bytes are neither. */
export function imageSize(bytes: Uint8Array): { width: number; height: number; extension: 'png' | 'jpeg' } | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length > 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), extension: 'png' };
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let at = 2;
    while (at + 9 < b.length) {
      if (b[at] !== 0xff) return null;
      const marker = b[at + 1];
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
 * A free replacement for docxtemplater's paid image module: `{%photo}` takes a file reference (our
 * file id or `/file/<id>` uri) or `{file, width?, height?}` (centimetres; default 3 cm wide, keeping
 * the aspect ratio). Images are fetched in docxtemplater's async resolve phase through `loadImage`
 * (only files of our store; never a URL), written as `word/media/…` with a relationship, and drawn
 * as an inline DrawingML picture. An empty value renders nothing.
 */
export class ImageModule {
  readonly name = 'InfoPlusImageModule';
  private readonly images: Array<{ id: string; path: string; bytes: Uint8Array; extension: string }> = [];
  private docPrId = 5000;

  constructor(private readonly loadImage: ImageLoader) {}

  matchers(): Array<[string, string]> {
    return [['%', MODULE]];
  }

  resolve(part: { module?: string; value: string }, options: { scopeManager: { getValueAsync(tag: string, meta: unknown): Promise<unknown> } }) {
    if (part.module !== MODULE) return null;
    return options.scopeManager.getValueAsync(part.value, { part }).then((value) => this.load(value as ImageValue | null | undefined, part.value));
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
    const spec = typeof value === 'string' ? { file: value } : value;
    if (typeof spec !== 'object' || typeof spec.file !== 'string') {
      throw new ApiError(422, 'TEMPLATE_DATA_INVALID', `The image "${tag}" must be a file id, or {file, width?, height?} in centimetres.`);
    }
    const { bytes } = await this.loadImage(spec.file);
    const size = imageSize(bytes);
    if (!size || size.width === 0 || size.height === 0) throw new ApiError(415, 'NOT_AN_IMAGE', `The image "${tag}" is not a readable PNG or JPEG.`);
    const clamp = (cm: unknown) => (typeof cm === 'number' && cm > 0 ? Math.min(cm, MAX_CM) : undefined);
    let widthCm = clamp(spec.width);
    let heightCm = clamp(spec.height);
    if (widthCm === undefined && heightCm === undefined) widthCm = DEFAULT_WIDTH_CM;
    widthCm ??= (heightCm! * size.width) / size.height;
    heightCm ??= (widthCm * size.height) / size.width;
    return { bytes, extension: size.extension, widthEmu: Math.round(widthCm * EMU_PER_CM), heightEmu: Math.round(heightCm * EMU_PER_CM) };
  }
}
