import { PDFDocument } from '@cantoo/pdf-lib';
import { DomainError } from '../../errors.js';
import { findText, chooseMatches } from '../../pdf/placement.js';
import type { Seal } from '../../signature/schema.js';
import { placementKindOf } from '../provider.js';

export interface EsignPosBean {
  posPage?: string;
  posX?: number;
  posY?: number;
  key?: string;
  scale?: number;
}

export interface EsignDocPos {
  docId: string;
  /** 1 keyword, 2 coordinates, 3 cross-page (骑缝). */
  signType: 1 | 2 | 3;
  posBeanList: EsignPosBean[];
}

/**
 * Our placement → e签宝's `docPosList`. Our coordinates are points from the page's top-left to the
 * seal's centre; e签宝's `posX/posY` are taken as PDF points from the bottom-left corner to the centre
 * (PDF user space), so y is flipped with the page height. A placeholder becomes `signType 1` with
 * `key` when e签宝's rule (it stamps every occurrence) gives the same result as ours — the text occurs
 * once, or keywordOrder 0 (all) — otherwise we locate the chosen occurrence ourselves and send its
 * coordinates. A cross-page seal is `signType 3` over all pages.
 */
export async function toDocPosList(pdf: Uint8Array, slot: Seal, docId: string, sealWidth: number): Promise<EsignDocPos[]> {
  const kind = placementKindOf(slot);
  const doc = await PDFDocument.load(pdf, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
  const pageCount = doc.getPageCount();
  const scale = slot.size ?? sealWidth;
  if (kind === 'cross-page')
    return [
      {
        docId,
        signType: 3,
        posBeanList: [
          {
            posPage: `1-${pageCount}`,
            ...(typeof slot.y === 'number' && slot.y > 0 ? { posY: round(doc.getPage(0).getCropBox().height - slot.y) } : {}),
            scale,
          },
        ],
      },
    ];
  if (kind === 'keyword') {
    const key = slot.placeHolder.trim();
    const matches = await findText(pdf, key);
    const order = slot.keywordOrder ?? 2;
    if (matches.length === 1 || (order === 0 && matches.length > 0))
      return [{ docId, signType: 1, posBeanList: [{ key, posX: 0, posY: 0, scale }] }];
    const chosen = chooseMatches(matches, order, slot.keywordSeq ?? 1);
    if (chosen.length === 0) {
      throw new DomainError(
        'PLACEHOLDER_NOT_FOUND',
        `The placeholder "${key}" does not occur in the document (or not keywordSeq times); the seal was not sent.`,
      );
    }
    return [
      { docId, signType: 2, posBeanList: chosen.map((m) => ({ posPage: String(m.page + 1), posX: round(m.x), posY: round(m.y), scale })) },
    ];
  }
  const pageIndex = slot.page ? slot.page - 1 : pageCount - 1;
  if (pageIndex < 0 || pageIndex >= pageCount) {
    throw new DomainError('PAGE_OUT_OF_RANGE', `The seal is placed on page ${pageIndex + 1}, but the document has ${pageCount} page(s).`);
  }
  const box = doc.getPage(pageIndex).getCropBox();
  const hasXY = typeof slot.x === 'number' && typeof slot.y === 'number' && !(slot.x === 0 && slot.y === 0);
  // Same default as the local signer: bottom-right, one inch from the edges.
  const x = hasXY ? box.x + slot.x! : box.x + box.width - 72 - scale / 2;
  const y = hasXY ? box.y + box.height - slot.y! : box.y + 72 + scale / 2;
  return [{ docId, signType: 2, posBeanList: [{ posPage: String(pageIndex + 1), posX: round(x), posY: round(y), scale }] }];
}

const round = (n: number) => Math.round(n * 100) / 100;
