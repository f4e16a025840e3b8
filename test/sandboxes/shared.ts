// What every sandbox needs to sign like a real provider: its own CA, a certificate per signer, a
// seal image, and a real PAdES signature on the document.
import { createCa, issueSigningCertificate, type CertifiedKey } from '../../src/pki/index.js';
import type { Placement } from '../../src/pdf/placement.js';
import { signPdf } from '../../src/pdf/sign/index.js';
import { personalSealSvg, rasterizeSvg } from '../../src/seals/seal-image.js';

export class SandboxSigner {
  private readonly keys = new Map<string, Promise<CertifiedKey & { chainPem: string[] }>>();
  private readonly images = new Map<string, Promise<Uint8Array>>();

  private constructor(private readonly ca: CertifiedKey) {}

  static async create(name: string): Promise<SandboxSigner> {
    return new SandboxSigner(await createCa({ commonName: `${name} Sandbox CA`, organization: `${name} Sandbox`, keyAlgorithm: 'ECDSA-P256' }));
  }

  get caPem(): string {
    return this.ca.certificatePem;
  }

  /** Signs once per placement, each an incremental update, as the named signer. */
  async sign(pdf: Uint8Array, signer: { id: string; name: string }, placements: Placement[], reason: string): Promise<Uint8Array> {
    let key = this.keys.get(signer.id);
    if (!key) {
      key = issueSigningCertificate(this.ca, { commonName: signer.name, keyAlgorithm: 'ECDSA-P256', validDays: 365 });
      this.keys.set(signer.id, key);
    }
    let image = this.images.get(signer.name);
    if (!image) {
      image = rasterizeSvg(personalSealSvg({ name: signer.name.slice(0, 4) }), 400);
      this.images.set(signer.name, image);
    }
    let bytes = pdf;
    for (const placement of placements) {
      bytes = (await signPdf(bytes, await key, { placement, image: { bytes: await image, mime: 'image/png' }, signerName: signer.name, reason })).pdf;
    }
    return bytes;
  }
}

/** A webhook sender tests can make repeat, delay, drop or forge deliveries. */
export interface WebhookBehaviour {
  repeat: number;
  delayMs: number;
  drop: boolean;
  forge: boolean;
}

export function newWebhookBehaviour(): WebhookBehaviour {
  return { repeat: 1, delayMs: 0, drop: false, forge: false };
}
