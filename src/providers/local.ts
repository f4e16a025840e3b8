import { signPdf, type ValidationData } from '../pdf/pades/index.js';
import { DomainError } from '../errors.js';
import { resolvePlacement } from '../pdf/placement.js';
import type { SealRegistry } from '../seals/registry.js';
import type { ProviderCapabilities, SealProvider, StampOutcome, StampRequest } from './provider.js';

export interface LocalSignerOptions {
  /** RFC 3161 time-stamping authority; when set every signature is PAdES-B-T and a TSA failure fails the stamp. */
  tsaUrl?: string;
  /** Default seal size in PDF points (diameter of an official seal). */
  defaultSealSize: number;
  /**
   * PAdES B-LTA (needs `tsaUrl`): after signing, the validation data of the seal's certificate is
   * appended as a DSS (B-LT) and a document timestamp covers everything (B-LTA).
   */
  ltv?: { validationData(certificatePem: string, chainPem: string[]): Promise<ValidationData> };
  /** The global LTV setting, for seals whose own `ltv` is null (default: B-LTA whenever `ltv` and `tsaUrl` are given). */
  ltvByDefault?: boolean;
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
    const commentPlacement =
      request.comment && request.commentAt ? await resolvePlacement(pdf, request.commentAt, { width: 1, height: 1 }) : undefined;
    const commentAt = commentPlacement?.kind === 'anchors' ? commentPlacement.anchors[0] : undefined;
    const image = await this.registry.imagePng(seal);
    const wantsLtv = seal.ltv ?? this.options.ltvByDefault ?? Boolean(this.options.ltv && this.options.tsaUrl);
    if (wantsLtv && !(this.options.ltv && this.options.tsaUrl)) {
      throw new DomainError(
        'LTV_NEEDS_TSA',
        `The seal ${seal.name} asks for long-term validation (B-LTA), which needs a time-stamping authority (TSA_URL) on this service.`,
      );
    }
    const material = await this.registry.signingMaterial(seal);
    const longTerm =
      wantsLtv && this.options.ltv ? await this.options.ltv.validationData(material.certificatePem, material.chainPem) : undefined;
    const signed = await signPdf(pdf, material, {
      placement,
      image,
      comment: request.comment,
      commentAt,
      reason: `${seal.name}（${seal.type}）`,
      signerName: request.user.name || request.user.account,
      tsa: this.options.tsaUrl ? { url: this.options.tsaUrl } : undefined,
      longTerm,
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
