import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';

export const ALLOWED_MIME = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  png: 'image/png',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
} as const;

export type AllowedMime = (typeof ALLOWED_MIME)[keyof typeof ALLOWED_MIME];

const SVG_START = /^(?:\uFEFF)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!DOCTYPE svg[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<svg[\s>]/i;

// file-type reports an SVG that starts with an XML declaration as plain XML; those bytes get the SVG check below.
/**
 * Decides the type of a file from its bytes alone (never its name): PDF, DOCX, PNG, JPEG or SVG,
 * or null for anything else.
 */
export async function sniffMime(bytes: Uint8Array, fullPath?: string): Promise<AllowedMime | null> {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  // An OOXML package is recognised by its entries, which may lie beyond the first bytes.
  const detected = isZip && fullPath ? await fileTypeFromFile(fullPath) : await fileTypeFromBuffer(bytes);
  if (detected && detected.ext !== 'xml') {
    switch (detected.mime as string) {
      case ALLOWED_MIME.pdf:
      case ALLOWED_MIME.docx:
      case ALLOWED_MIME.png:
      case ALLOWED_MIME.jpeg:
        return detected.mime as AllowedMime;
      default:
        return null;
    }
  }
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8');
  return SVG_START.test(head) ? ALLOWED_MIME.svg : null;
}

export function extensionFor(mime: string): string {
  const entry = Object.entries(ALLOWED_MIME).find(([, value]) => value === mime);
  return entry ? entry[0] : 'bin';
}
