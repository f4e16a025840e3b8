// How the e签宝 sandbox applies a signer's seal: docPosList → placements, seal images, and the
// signer certificates issued by the sandbox CA.
import { createCa, issueSigningCertificate, type CertifiedKey } from '../../../src/pki/index.js';
import { findText, type Placement } from '../../../src/pdf/placement.js';
import { signPdf } from '../../../src/pdf/pades/index.js';
import { officialSealSvg, personalSealSvg, rasterizeSvg } from '../../../src/seals/seal-image.js';

/** A position as e签宝 documents it (numbers may have arrived as strings; normalised at /sign/start). */
export interface PosBean {
  posPage?: string;
  posX?: number;
  posY?: number;
  key?: string;
  scale?: number;
}
export interface DocPos {
  docId: string;
  signType: 1 | 2 | 3;
  posBeanList: PosBean[];
}

export const SEAL_WIDTH = 119;
/** Distance from the right and bottom edges when no position is given (one inch). */
const MARGIN = 72;

/** A signing failure e签宝 would report as signResult 3 (e.g. the keyword is not in the document). */
export class SigningFailure extends Error {}

/** "1-3,5" → [1, 2, 3, 5] (1-based); undefined when the text is not a page list. */
export function parsePages(text: string): number[] | undefined {
  if (!/^\s*\d+\s*(-\s*\d+\s*)?(,\s*\d+\s*(-\s*\d+\s*)?)*$/.test(text)) return undefined;
  const pages: number[] = [];
  for (const part of text.split(',')) {
    const [from, to = from] = part.split('-').map((n) => Number.parseInt(n, 10));
    if (from < 1 || to < from || to - from > 10_000) return undefined;
    for (let page = from; page <= to; page++) pages.push(page);
  }
  return pages;
}

/**
 * The placements of one signer on one document:
 * - signType 1 (keyword): every occurrence of `key` (e签宝: 查找所有符合的字段), offset by posX/posY; none → failure;
 * - signType 2 (coordinates): PDF points from the page's bottom-left corner to the seal's centre, posPage 1-based (lists like "1-3,5" allowed);
 * - signType 3 (骑缝): cross-page along the right edge; posY, if given, is the height of the seal's centre from the bottom of the first page;
 * - nothing given: the bottom-right corner of the last page, one inch from the edges.
 * `scale` is the seal's width in points (the seal is square).
 */
export async function placementsFor(pdf: Uint8Array, positions: DocPos[] | undefined, firstPageHeight: number): Promise<Placement[]> {
  if (!positions) {
    return [
      {
        kind: 'anchors',
        anchors: [{ page: 'last', x: MARGIN + SEAL_WIDTH / 2, y: MARGIN + SEAL_WIDTH / 2, origin: 'bottom-right' }],
        width: SEAL_WIDTH,
        height: SEAL_WIDTH,
      },
    ];
  }
  const placements: Placement[] = [];
  for (const pos of positions) {
    const beans = pos.posBeanList.length > 0 ? pos.posBeanList : [{}];
    for (const bean of beans) {
      const size = bean.scale ?? SEAL_WIDTH;
      if (pos.signType === 3) {
        placements.push({
          kind: 'cross-page',
          width: size,
          height: size,
          ...(bean.posY !== undefined ? { yFromTop: firstPageHeight - bean.posY } : {}),
        });
      } else if (pos.signType === 1) {
        const key = bean.key ?? '';
        const matches = await findText(pdf, key);
        if (matches.length === 0) throw new SigningFailure(`关键字“${key}”在文档中不存在`);
        const dx = bean.posX ?? 0;
        const dy = bean.posY ?? 0;
        placements.push({
          kind: 'anchors',
          anchors: matches.map((m) => ({ page: m.page, x: m.x + dx, y: m.y + dy, origin: 'pdf' as const })),
          width: size,
          height: size,
        });
      } else {
        const pages = parsePages(bean.posPage ?? '') ?? [];
        placements.push({
          kind: 'anchors',
          anchors: pages.map((page) => ({ page: page - 1, x: bean.posX ?? 0, y: bean.posY ?? 0, origin: 'pdf' as const })),
          width: size,
          height: size,
        });
      }
    }
  }
  return placements;
}

/** A hand-drawn-looking signature (sealType "0"): the name in dark ink, slanted, with a flourish. */
export function handwrittenSvg(name: string): string {
  const text = [...name]
    .slice(0, 6)
    .join('')
    .replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const size = Math.min(72, Math.floor(170 / Math.max(1, [...name].slice(0, 6).length)));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<g transform="rotate(-8 100 100)" fill="#1f2a44" stroke="#1f2a44">
<text x="100" y="112" transform="translate(100 112) skewX(-14) translate(-100 -112)" text-anchor="middle" font-family="'Noto Sans CJK SC'" font-size="${size}" stroke-width="1.5" stroke-linejoin="round">${text}</text>
<path d="M 22 140 C 70 128, 120 150, 178 126" fill="none" stroke-width="4" stroke-linecap="round"/>
</g></svg>`;
}

/** The sandbox's CA, a certificate per account (issued on first use) and the seal images. */
export class SandboxAuthority {
  private readonly keys = new Map<string, Promise<CertifiedKey & { chainPem: string[] }>>();
  private readonly images = new Map<string, Promise<Uint8Array>>();

  private constructor(readonly ca: CertifiedKey) {}

  static async create(): Promise<SandboxAuthority> {
    return new SandboxAuthority(
      await createCa({ commonName: 'e签宝 Sandbox CA', organization: 'e签宝 Sandbox', keyAlgorithm: 'ECDSA-P256' }),
    );
  }

  keyOf(account: { accountId: string; name: string; organization: boolean }) {
    let key = this.keys.get(account.accountId);
    if (!key) {
      key = issueSigningCertificate(this.ca, {
        commonName: account.name,
        ...(account.organization ? { organization: account.name } : {}),
        keyAlgorithm: 'ECDSA-P256',
        validDays: 365,
      });
      key.catch(() => this.keys.delete(account.accountId));
      this.keys.set(account.accountId, key);
    }
    return key;
  }

  /** sealType "0" → hand-drawn; otherwise the template seal: the official seal for an organisation, the name seal for a person. */
  imageOf(name: string, kind: 'hand-drawn' | 'official' | 'personal'): Promise<Uint8Array> {
    const cacheKey = `${kind}|${name}`;
    let image = this.images.get(cacheKey);
    if (!image) {
      const svg =
        kind === 'hand-drawn'
          ? handwrittenSvg(name)
          : kind === 'official'
            ? officialSealSvg({ organization: name, kind: '公章' })
            : personalSealSvg({ name });
      image = rasterizeSvg(svg, 400);
      image.catch(() => this.images.delete(cacheKey));
      this.images.set(cacheKey, image);
    }
    return image;
  }

  /** Applies the placements one after the other, each as its own incremental PAdES signature. */
  async sign(
    pdf: Uint8Array,
    placements: Placement[],
    signer: { key: CertifiedKey & { chainPem: string[] }; image: Uint8Array; name: string; reason: string },
  ): Promise<Uint8Array> {
    let bytes = pdf;
    for (const placement of placements) {
      bytes = (
        await signPdf(bytes, signer.key, {
          placement,
          image: { bytes: signer.image, mime: 'image/png' },
          signerName: signer.name,
          reason: signer.reason,
          location: 'e签宝沙箱',
        })
      ).pdf;
    }
    return bytes;
  }
}
