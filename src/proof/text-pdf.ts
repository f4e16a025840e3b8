import { PDFDocument, type PDFFont, type PDFPage, rgb } from '@cantoo/pdf-lib';
import { embedCommentFont } from '../pdf/pades/appearance.js';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;

/**
 * A plain text report (headings, label–value lines, wrapped paragraphs) on A4 pages in an embedded
 * subset of Noto Sans CJK, for the evidence report and the verification report. Knows nothing of HTTP.
 */
export class TextPdf {
  private page!: PDFPage;
  private y = 0;

  private constructor(
    readonly doc: PDFDocument,
    private readonly font: PDFFont,
  ) {
    this.newPage();
  }

  static async create(title: string): Promise<TextPdf> {
    const doc = await PDFDocument.create();
    doc.setTitle(title);
    doc.setProducer('InfoPlus Signature Service');
    doc.setCreationDate(new Date());
    return new TextPdf(doc, await embedCommentFont(doc));
  }

  private newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  private ensure(height: number): void {
    if (this.y - height < MARGIN + 90) this.newPage();
  }

  private wrap(text: string, size: number, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split(/\r?\n/)) {
      let line = '';
      for (const char of Array.from(paragraph)) {
        if (line && this.font.widthOfTextAtSize(line + char, size) > width) {
          lines.push(line);
          line = char.trim() ? char : '';
        } else line += char;
      }
      lines.push(line);
    }
    return lines;
  }

  heading(text: string, size = 14): void {
    this.ensure(size * 2);
    this.y -= size * 0.6;
    this.page.drawText(text, { x: MARGIN, y: this.y - size, size, font: this.font, color: rgb(0, 0, 0) });
    this.y -= size * 1.6;
  }

  paragraph(text: string, size = 9.5, indent = 0): void {
    for (const line of this.wrap(text, size, A4[0] - 2 * MARGIN - indent)) {
      this.ensure(size * 1.5);
      this.page.drawText(line, { x: MARGIN + indent, y: this.y - size, size, font: this.font, color: rgb(0.1, 0.1, 0.1) });
      this.y -= size * 1.45;
    }
  }

  field(label: string, value: string, size = 9.5): void {
    this.paragraph(`${label}: ${value}`, size, 8);
  }

  gap(points = 6): void {
    this.y -= points;
  }

  async bytes(): Promise<Uint8Array> {
    return this.doc.save({ useObjectStreams: false });
  }
}
