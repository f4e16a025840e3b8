import fs from 'node:fs';
import fontkit from '@cantoo/fontkit';
import type { PDFDocument, PDFFont, PDFObject, PDFRef } from '@cantoo/pdf-lib';
import { cjkFontFile } from '../fonts.js';

/** A rectangle in PDF user space: [x1, y1, x2, y2]. */
export type Rect = [number, number, number, number];

const COMMENT_FONT_FILE = 'NotoSansCJK-Regular.ttc';
const COMMENT_FONT_NAME = 'NotoSansCJKsc-Regular';
const COMMENT_SIZE = 11;
const CAPTION_SIZE = 7.5;
const GAP = 6;
const MAX_TEXT_WIDTH = 170;

let fontBytes: Uint8Array | undefined;
const parsedFonts = new Map<string, unknown>();

/**
 * fontkit with its parse memoised: parsing the 20 MB CJK collection costs ~80 ms, and a parsed font
 * is not changed by subsetting (each subset is a new object), so one parse serves every document.
 */
const memoisedFontkit = {
  ...fontkit,
  create(buffer: Uint8Array, postscriptName?: string) {
    if (buffer !== fontBytes) return fontkit.create(buffer, postscriptName as string);
    const key = postscriptName ?? '';
    if (!parsedFonts.has(key)) parsedFonts.set(key, fontkit.create(buffer, postscriptName as string));
    return parsedFonts.get(key);
  },
} as typeof fontkit;

/** The CJK font for approval comments, embedded as a subset (only the glyphs used). */
export async function embedCommentFont(doc: PDFDocument): Promise<PDFFont> {
  fontBytes ??= new Uint8Array(fs.readFileSync(cjkFontFile(COMMENT_FONT_FILE)));
  doc.registerFontkit(memoisedFontkit);
  // A subset's BaseFont carries a six-letter tag (ISO 32000 9.6.4), so readers know it is partial.
  const tag = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (byte) => String.fromCharCode(65 + (byte % 26))).join('');
  return doc.embedFont(fontBytes, { subset: true, postscriptName: COMMENT_FONT_NAME, customName: `${tag}+${COMMENT_FONT_NAME}` });
}

const number = (value: number) => (Math.round(value * 1000) / 1000).toString();

/** Splits text into lines that fit `maxWidth` (CJK text breaks anywhere; explicit newlines are kept). */
function wrap(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const char of Array.from(paragraph)) {
      if (line && font.widthOfTextAtSize(line + char, size) > maxWidth) {
        lines.push(line);
        line = char.trim() ? char : '';
      } else line += char;
    }
    lines.push(line);
  }
  return lines.slice(0, 6);
}

export interface CommentBlock {
  lines: Array<{ text: string; size: number; grey: boolean }>;
  width: number;
  height: number;
}

/** Lays out the approval comment and a caption (signer, date) as a block of lines. */
export function layoutComment(font: PDFFont, comment: string, caption: string): CommentBlock {
  const lines = [
    ...wrap(comment, font, COMMENT_SIZE, MAX_TEXT_WIDTH).map((text) => ({ text, size: COMMENT_SIZE, grey: false })),
    ...(caption ? [{ text: caption, size: CAPTION_SIZE, grey: true }] : []),
  ];
  const width = Math.max(...lines.map((line) => font.widthOfTextAtSize(line.text, line.size)));
  const height = lines.reduce((sum, line) => sum + line.size * 1.35, 0);
  return { lines, width, height };
}

export interface AppearanceInput {
  /** The seal image XObject. */
  image: PDFRef;
  /** Seal size in points. */
  sealWidth: number;
  sealHeight: number;
  comment?: { block: CommentBlock; font: PDFFont; side: 'right' | 'left' };
  /** For a cross-page slice: which slice of how many. */
  slice?: { index: number; count: number };
  /** Only the comment (drawn at its own place, away from the seal). */
  commentOnly?: boolean;
}

/** The widget's size for an appearance: the seal, plus the comment beside it. */
export function appearanceSize(input: Omit<AppearanceInput, 'image'>): { width: number; height: number } {
  if (input.slice) return { width: input.sealWidth / input.slice.count, height: input.sealHeight };
  if (input.commentOnly && input.comment) return { width: input.comment.block.width, height: input.comment.block.height };
  if (!input.comment) return { width: input.sealWidth, height: input.sealHeight };
  return { width: input.sealWidth + GAP + input.comment.block.width, height: Math.max(input.sealHeight, input.comment.block.height) };
}

/**
 * The widget's normal appearance (/AP /N): a Form XObject drawing the seal image (or one vertical
 * slice of it) and the approval comment in the embedded CJK font. Only the appearance carries the
 * drawing, so applying a seal never touches page content.
 */
export function createAppearance(doc: PDFDocument, input: AppearanceInput): { ref: PDFRef; width: number; height: number } {
  const { width, height } = appearanceSize(input);
  const ops: string[] = [];
  const resources: Record<string, Record<string, PDFObject>> = { XObject: { Seal: input.image } };
  if (input.slice) {
    const offset = -(input.slice.index * width);
    ops.push(`q ${number(input.sealWidth)} 0 0 ${number(input.sealHeight)} ${number(offset)} 0 cm /Seal Do Q`);
  } else {
    const commentOnly = Boolean(input.commentOnly && input.comment);
    if (commentOnly) delete resources.XObject;
    else {
      const sealX = input.comment?.side === 'left' ? width - input.sealWidth : 0;
      const sealY = (height - input.sealHeight) / 2;
      ops.push(`q ${number(input.sealWidth)} 0 0 ${number(input.sealHeight)} ${number(sealX)} ${number(sealY)} cm /Seal Do Q`);
    }
    if (input.comment) {
      const { block, font, side } = input.comment;
      resources.Font = { F1: font.ref };
      const textX = side === 'left' || commentOnly ? 0 : input.sealWidth + GAP;
      let baseline = (height + block.height) / 2;
      for (const line of block.lines) {
        baseline -= line.size * 1.35;
        const colour = line.grey ? '0.35 0.35 0.35 rg' : '0 0 0 rg';
        ops.push(
          `BT ${colour} /F1 ${number(line.size)} Tf ${number(textX)} ${number(baseline + line.size * 0.25)} Td ${font.encodeText(line.text).toString()} Tj ET`,
        );
      }
    }
  }
  const stream = doc.context.stream(ops.join('\n'), {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, width, height],
    Resources: resources,
  });
  return { ref: doc.context.register(stream), width, height };
}
