import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';

export const ALLOWED_MIME = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  png: 'image/png',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
  /** A seal's key and certificate for import (`POST /seals {p12}`); never served back, deleted once imported. */
  p12: 'application/x-pkcs12',
} as const;

export type AllowedMime = (typeof ALLOWED_MIME)[keyof typeof ALLOWED_MIME];

const SVG_START =
  /^(?:\uFEFF)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!DOCTYPE svg[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<svg[\s>]/i;

// file-type reports an SVG that starts with an XML declaration as plain XML; those bytes get the SVG check below.
/**
 * Decides the type of a file from its bytes alone (never its name): PDF, DOCX, PNG, JPEG, SVG or PKCS#12,
 * or null for anything else.
 */
export async function sniffMime(bytes: Uint8Array, fullPath?: string): Promise<AllowedMime | null> {
  if (isPkcs12(bytes)) return ALLOWED_MIME.p12;
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  // An OOXML package is recognised by its entries, which may lie beyond the first bytes.
  const detected = isZip && fullPath ? await fileTypeFromFile(fullPath) : await fileTypeFromBuffer(bytes);
  if (detected && detected.ext !== 'xml') {
    switch (detected.mime) {
      case ALLOWED_MIME.pdf:
      case ALLOWED_MIME.docx:
      case ALLOWED_MIME.png:
      case ALLOWED_MIME.jpeg:
        return detected.mime;
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

/** PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (pkcs7-data or -signedData), … } in DER. */
function isPkcs12(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30) return false;
  let at = 1;
  const lengthByte = bytes[at++];
  if (lengthByte & 0x80) at += lengthByte & 0x7f;
  if (bytes[at] !== 0x02 || bytes[at + 1] !== 0x01 || bytes[at + 2] !== 0x03 || bytes[at + 3] !== 0x30) return false;
  const head = Buffer.from(bytes.subarray(at + 3, at + 24)).toString('hex');
  // OID 1.2.840.113549.1.7.1 (data) or .7.2 (signedData) right after the ContentInfo's length.
  return /06092a864886f70d0107(01|02)/.test(head);
}
