import { signPdf } from '../pdf/sign/index.js';
import { resolvePlacement } from '../pdf/placement.js';
import type { SealRegistry } from '../seals/registry.js';
import type { ProviderCapabilities, SealProvider, StampOutcome, StampRequest } from './provider.js';

export interface LocalSignerOptions {
  /** RFC 3161 time-stamping authority; when set every signature is PAdES-B-T and a TSA failure fails the stamp. */
  tsaUrl?: string;
  /** Default seal size in PDF points (diameter of an official seal). */
  defaultSealSize: number;
}

/** The built-in signer: stamps the seal image and embeds a PAdES signature with the seal's own key. */
export class LocalSigner implements SealProvider {
  readonly name = 'local';
  readonly capabilities: ProviderCapabilities = {
    mode: 'sync',
    placements: ['coordinates', 'keyword', 'cross-page'],
    enforces: ['signers', 'sealIds', 'sealTypes'],
    comment: true,
    silent: false,
  };

  constructor(
    private readonly registry: SealRegistry,
    private readonly options: LocalSignerOptions,
  ) {}

  async start(request: StampRequest): Promise<StampOutcome> {
    const { slot, seal, pdf } = request;
    const size = slot.size ?? (seal.ownerKind === 'person' ? Math.round(this.options.defaultSealSize * 0.6) : this.options.defaultSealSize);
    const placement = await resolvePlacement(pdf, slot, { width: size, height: size });
    // A separate comment place: the first anchor its placement resolves to (a keyword not found fails the stamp).
    const commentPlacement = request.comment && request.commentAt ? await resolvePlacement(pdf, request.commentAt, { width: 1, height: 1 }) : undefined;
    const commentAt = commentPlacement?.kind === 'anchors' ? commentPlacement.anchors[0] : undefined;
    const image = await this.registry.imagePng(seal);
    const material = await this.registry.signingMaterial(seal);
    const signed = await signPdf(pdf, material, {
      placement,
      image,
      comment: request.comment,
      commentAt,
      reason: `${seal.name}（${seal.type}）`,
      signerName: request.user.name || request.user.account,
      tsa: this.options.tsaUrl ? { url: this.options.tsaUrl } : undefined,
    });
    return {
      kind: 'signed',
      pdf: signed.pdf,
      cms: signed.cms,
      algorithm: signed.algorithm,
      signedAt: signed.signedAt,
      fieldName: signed.fieldName,
      certificatePem: material.certificatePem,
    };
  }
}
