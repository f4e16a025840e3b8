import { PDFDocument, rgb } from '@cantoo/pdf-lib';
import QRCode from 'qrcode';
import { embedCommentFont } from '../pdf/pades/appearance.js';
import { groupedCode } from './codes.js';

const QR_SIZE = 58;
const MARGIN = 20;

/**
 * Draws the verification mark in the footer of the last page: a QR code of `url`, the code and the
 * URL in words. Done when the document is generated, before any seal — it rewrites the file, which
 * would break an existing signature — so seals added later cover the mark.
 */
export async function drawVerificationMark(pdf: Uint8Array, mark: { code: string; url: string }): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const page = doc.getPage(doc.getPageCount() - 1);
  const box = page.getCropBox();
  const qr = QRCode.create(mark.url, { errorCorrectionLevel: 'M' });
  const modules = qr.modules.size;
  const quiet = 2;
  const cell = QR_SIZE / (modules + 2 * quiet);
  const x0 = box.x + MARGIN;
  const y0 = box.y + MARGIN;
  // A white backing with the quiet zone, then one path of all dark modules.
  page.drawRectangle({ x: x0, y: y0, width: QR_SIZE, height: QR_SIZE, color: rgb(1, 1, 1) });
  let path = '';
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++) {
      if (qr.modules.get(row, col)) path += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  // drawSvgPath's origin is the top-left of the path, y pointing down.
  page.drawSvgPath(path, { x: x0, y: y0 + QR_SIZE, scale: cell, color: rgb(0, 0, 0), borderWidth: 0 });
  const font = await embedCommentFont(doc);
  const textX = x0 + QR_SIZE + 8;
  page.drawText(`验证码 Verification code: ${groupedCode(mark.code)}`, { x: textX, y: y0 + 36, size: 8.5, font, color: rgb(0, 0, 0) });
  page.drawText(`扫码或访问以核验本文件 Scan or visit to verify: ${mark.url}`, {
    x: textX,
    y: y0 + 22,
    size: 7,
    font,
    color: rgb(0.2, 0.2, 0.2),
  });
  return doc.save({ useObjectStreams: false });
}
