import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DomainError } from '../errors.js';

/**
 * Where a seal goes. Coordinates in a Signature are PDF points measured from the **top-left** corner
 * of the page's visible area (its CropBox) to the seal's **centre**, `page` 1-based (default: the last
 * page). A placeholder is text in the PDF; the seal is centred on it.
 */
export interface Anchor {
  /** 0-based page index, or the last page. */
  page: number | 'last';
  x: number;
  y: number;
  /**
   * `top-left`: the Signature's convention; `bottom-right`: distances from the right and bottom edges
   * (the default position); `pdf`: PDF user space (origin bottom-left), from text search.
   */
  origin: 'top-left' | 'bottom-right' | 'pdf';
}

/** A page's visible area in PDF user space. */
export interface PageBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The page box of a pdf-lib CropBox ({x, y, width, height}). */
export function pageBoxOf(box: { x: number; y: number; width: number; height: number }): PageBox {
  return { x1: box.x, y1: box.y, x2: box.x + box.width, y2: box.y + box.height };
}

/** An anchor in PDF user space (origin bottom-left). */
export function anchorToUserSpace(anchor: Anchor, box: PageBox): { x: number; y: number } {
  switch (anchor.origin) {
    case 'pdf':
      return { x: anchor.x, y: anchor.y };
    case 'top-left':
      return { x: box.x1 + anchor.x, y: box.y2 - anchor.y };
    case 'bottom-right':
      return { x: box.x2 - anchor.x, y: box.y1 + anchor.y };
  }
}

/** An anchor as points from the box's top-left corner (the Signature's convention, and Zoho's and SpaceSign's). */
export function anchorFromTopLeft(anchor: Anchor, box: PageBox): { x: number; y: number } {
  const point = anchorToUserSpace(anchor, box);
  return { x: point.x - box.x1, y: box.y2 - point.y };
}

export type Placement =
  | { kind: 'anchors'; anchors: Anchor[]; width: number; height: number }
  /** 骑缝章: the image cut into one vertical slice per page along the right edge, centred at `yFromTop` (default: mid-page). */
  | { kind: 'cross-page'; yFromTop?: number; width: number; height: number };

export interface PlacementSlot {
  x?: number;
  y?: number;
  page?: number;
  placeHolder?: string;
  keywordOrder?: 0 | 1 | 2;
  keywordSeq?: number;
  crossPage?: boolean;
}

export class PlacementError extends DomainError<'PLACEHOLDER_NOT_FOUND' | 'PAGE_OUT_OF_RANGE' | 'PDF_UNREADABLE'> {}

/** The margin, in points, between the page corner and a seal placed with neither coordinates nor placeholder. */
const DEFAULT_MARGIN = 72;

/**
 * Resolves a seal slot to anchors. Order of precedence (as InfoPlus integrations do): coordinates win
 * when both `x` and `y` are given (and not both 0, the spec's "unset" value); then the placeholder;
 * otherwise the bottom-right of the last page, one inch from the edges.
 */
export async function resolvePlacement(pdf: Uint8Array, slot: PlacementSlot, size: { width: number; height: number }): Promise<Placement> {
  const { width, height } = size;
  if (slot.crossPage) return { kind: 'cross-page', yFromTop: hasCoordinates(slot) ? slot.y : undefined, width, height };
  const page = slot.page ? slot.page - 1 : 'last';
  if (hasCoordinates(slot)) return { kind: 'anchors', anchors: [{ page, x: slot.x!, y: slot.y!, origin: 'top-left' }], width, height };
  if (slot.placeHolder && slot.placeHolder.trim()) {
    const order = slot.keywordOrder ?? 2;
    const seq = slot.keywordSeq ?? 1;
    // Pages are read from the end for order 2 and stop once enough matches are found.
    const matches = await findText(pdf, slot.placeHolder.trim(), order === 0 ? {} : { fromEnd: order === 2, enough: seq });
    const chosen = chooseMatches(matches, order, seq);
    if (chosen.length === 0) {
      const detail =
        matches.length === 0
          ? 'does not occur in the document'
          : `occurs ${matches.length} time(s), fewer than keywordSeq ${slot.keywordSeq}`;
      throw new PlacementError('PLACEHOLDER_NOT_FOUND', `The placeholder "${slot.placeHolder}" ${detail}; the seal was not applied.`);
    }
    return { kind: 'anchors', anchors: chosen.map((m) => ({ page: m.page, x: m.x, y: m.y, origin: 'pdf' as const })), width, height };
  }
  return {
    kind: 'anchors',
    anchors: [{ page, x: DEFAULT_MARGIN + width / 2, y: DEFAULT_MARGIN + height / 2, origin: 'bottom-right' }],
    width,
    height,
  };
}

function hasCoordinates(slot: PlacementSlot): boolean {
  return typeof slot.x === 'number' && typeof slot.y === 'number' && !(slot.x === 0 && slot.y === 0);
}

/** keywordOrder 0: every match; 1: the keywordSeq-th from the start; 2: the keywordSeq-th from the end. */
export function chooseMatches<T>(matches: T[], order: 0 | 1 | 2, seq: number): T[] {
  if (order === 0) return matches;
  const index = order === 1 ? seq - 1 : matches.length - seq;
  return index >= 0 && index < matches.length ? [matches[index]] : [];
}

export interface TextMatch {
  /** 0-based page index. */
  page: number;
  /** Centre of the matched text, PDF user space. */
  x: number;
  y: number;
  /** The matched text's box, PDF user space [x1, y1, x2, y2]. */
  box: [number, number, number, number];
}

interface TextItemLike {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL?: boolean;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;
const require = createRequire(import.meta.url);

/**
 * pdf.js and its worker, loaded once. They ship ~80 MB of source maps: with source maps on
 * (`--enable-source-maps`, tsx) Node would keep them parsed for the life of the process, and every
 * major garbage collection would mark them (30 ms pauses inside stamps). Stack traces inside pdf.js
 * are not worth that, so they load with source maps off. The worker module is handed to pdf.js
 * directly (its in-process "fake worker" looks for `globalThis.pdfjsWorker`), so it loads here too.
 */
function loadPdfJs(): Promise<PdfJs> {
  return (pdfjs ??= withoutSourceMaps(async () => {
    const [module, worker] = await Promise.all([
      import('pdfjs-dist/legacy/build/pdf.mjs'),
      import('pdfjs-dist/legacy/build/pdf.worker.mjs'),
    ]);
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    module.GlobalWorkerOptions.workerSrc = pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.worker.mjs')).href;
    return module;
  }));
}

async function withoutSourceMaps<T>(load: () => Promise<T>): Promise<T> {
  const enabled = process.sourceMapsEnabled;
  if (enabled) process.setSourceMapsEnabled(false);
  try {
    return await load();
  } finally {
    if (enabled) process.setSourceMapsEnabled(true);
  }
}

/**
 * Every occurrence of `needle` in the document's text, in reading order (page, then top to bottom,
 * left to right). Text runs on one baseline are joined first, so a placeholder that the PDF
 * producer split into several runs is still found; whitespace is ignored when matching.
 */
export async function findText(pdf: Uint8Array, needle: string, scan: { fromEnd?: boolean; enough?: number } = {}): Promise<TextMatch[]> {
  const lib = await loadPdfJs();
  const cMapUrl = pathToFileURL(path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'cmaps') + path.sep).href;
  let document: Awaited<ReturnType<PdfJs['getDocument']>['promise']>;
  try {
    document = await lib.getDocument({
      // A copy in a plain Uint8Array: pdf.js rejects Buffers and detaches the array it is given.
      data: new Uint8Array(pdf),
      cMapUrl,
      cMapPacked: true,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      verbosity: 0,
    }).promise;
  } catch (error) {
    throw new PlacementError('PDF_UNREADABLE', `The document could not be read to look for the placeholder: ${(error as Error).message}`);
  }
  const target = needle.replace(/\s+/g, '');
  const matches: TextMatch[] = [];
  try {
    const pageNumbers = Array.from({ length: document.numPages }, (_, i) => (scan.fromEnd ? document.numPages - i : i + 1));
    const pagesMatches: TextMatch[][] = [];
    let found = 0;
    for (const pageNumber of pageNumbers) {
      const page = await document.getPage(pageNumber);
      const content = await page.getTextContent();
      const items = (content.items as TextItemLike[]).filter((item) => typeof item.str === 'string' && item.str.length > 0);
      const onPage = groupLines(items).flatMap((line) => matchLine(line, target, pageNumber - 1));
      pagesMatches[pageNumber - 1] = onPage;
      page.cleanup();
      found += onPage.length;
      if (scan.enough && found >= scan.enough) break;
    }
    // In reading order; when scanning from the end, the skipped leading pages count as no matches
    // for keywordOrder 2 (it counts from the end), which is what the early stop relies on.
    for (const onPage of pagesMatches) if (onPage) matches.push(...onPage);
  } finally {
    await document.destroy();
  }
  return matches;
}

interface Glyph {
  char: string;
  x1: number;
  x2: number;
  baseline: number;
  size: number;
}

/** Splits items into per-character boxes (uniform advance within an item) and groups them by baseline. */
function groupLines(items: TextItemLike[]): Glyph[][] {
  const lines: Array<{ baseline: number; glyphs: Glyph[] }> = [];
  for (const item of items) {
    const [a, b, , , e, f] = item.transform;
    if (Math.abs(b) > 1e-3) continue; // rotated text: not a placeholder we place seals on
    const size = Math.abs(item.height) || Math.hypot(a, b) || 10;
    const chars = Array.from(item.str);
    const advance = chars.length > 0 ? item.width / chars.length : 0;
    const glyphs = chars.map((char, i) => ({ char, x1: e + i * advance, x2: e + (i + 1) * advance, baseline: f, size }));
    const line = lines.find((candidate) => Math.abs(candidate.baseline - f) <= size * 0.3);
    if (line) line.glyphs.push(...glyphs);
    else lines.push({ baseline: f, glyphs });
  }
  lines.sort((l1, l2) => l2.baseline - l1.baseline);
  return lines.map((line) => line.glyphs.filter((glyph) => !/\s/.test(glyph.char)).sort((g1, g2) => g1.x1 - g2.x1));
}

function matchLine(glyphs: Glyph[], target: string, page: number): TextMatch[] {
  const text = glyphs.map((glyph) => glyph.char).join('');
  const targetLength = Array.from(target).length;
  const found: TextMatch[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(target, from);
    if (at < 0) break;
    // `text` is a join of single code points; convert the UTF-16 offset back to a glyph index.
    const start = Array.from(text.slice(0, at)).length;
    const span = glyphs.slice(start, start + targetLength);
    const x1 = span[0].x1;
    const x2 = span[span.length - 1].x2;
    const size = Math.max(...span.map((glyph) => glyph.size));
    const baseline = span[0].baseline;
    // CJK glyphs sit roughly from 0.12 em below to 0.88 em above the baseline.
    const box: [number, number, number, number] = [x1, baseline - size * 0.12, x2, baseline + size * 0.88];
    found.push({ page, x: (x1 + x2) / 2, y: (box[1] + box[3]) / 2, box });
    from = at + target.length;
  }
  return found;
}
