import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';

/** A one-page approval form with two seal placeholders, drawn with pdf-lib (no LibreOffice needed). */
export async function approvalForm(title: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText(title, { x: 60, y: 780, size: 16, font });
  page.drawText('Office seal: [OFFICE-SEAL]', { x: 60, y: 300, size: 12, font });
  page.drawText('Dean seal: [DEAN-SEAL]', { x: 320, y: 300, size: 12, font });
  return doc.save({ useObjectStreams: false });
}

export const OFFICE = '[OFFICE-SEAL]';
export const DEAN = '[DEAN-SEAL]';
