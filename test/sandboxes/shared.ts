// What every sandbox needs to sign like a real provider: its own CA, a certificate per signer, a
// seal image, and a real PAdES signature on the document.
import http from 'node:http';
import express, { type Express } from 'express';
import type { AddressInfo } from 'node:net';
import { createCa, issueSigningCertificate, type CertifiedKey } from '../../src/pki/index.js';
import type { Placement } from '../../src/pdf/placement.js';
import { signPdf } from '../../src/pdf/pades/index.js';
import { personalSealSvg, rasterizeSvg } from '../../src/seals/seal-image.js';

export class SandboxSigner {
  private readonly keys = new Map<string, Promise<CertifiedKey & { chainPem: string[] }>>();
  private readonly images = new Map<string, Promise<Uint8Array>>();

  private constructor(private readonly ca: CertifiedKey) {}

  static async create(name: string): Promise<SandboxSigner> {
    return new SandboxSigner(
      await createCa({ commonName: `${name} Sandbox CA`, organization: `${name} Sandbox`, keyAlgorithm: 'ECDSA-P256' }),
    );
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
      bytes = (
        await signPdf(bytes, await key, { placement, image: { bytes: await image, mime: 'image/png' }, signerName: signer.name, reason })
      ).pdf;
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

/** Listens on `host:port` (default 127.0.0.1, any free port); `close` also ends open connections. */
export async function serve(
  handler: http.RequestListener,
  options: { host?: string; port?: number } = {},
): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A provider's signing page at `<prefix>/<token>`: who signs, and a button to sign or decline as them. */
export function signingPage<T>(
  app: Express,
  prefix: string,
  title: string,
  page: {
    find(token: string): T | undefined;
    describe(item: T): string;
    sign(item: T): Promise<void>;
    decline(item: T, reason: string): void;
  },
): void {
  app.get(`${prefix}/:token`, (req, res) => {
    const token = String(req.params.token);
    const item = page.find(token);
    if (!item) return res.status(404).send('Not found');
    res
      .type('html')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>${title} (sandbox)</title></head><body><h1>${title} (sandbox)</h1><p>${page.describe(item)}</p><form method="post" action="${prefix}/${token}/sign"><button>Sign</button></form><form method="post" action="${prefix}/${token}/decline"><input name="reason"><button>Decline</button></form></body></html>`,
      );
  });
  app.post(`${prefix}/:token/sign`, async (req, res) => {
    const item = page.find(String(req.params.token));
    if (!item) return res.status(404).send('Not found');
    try {
      await page.sign(item);
      res.type('html').send('<p>Signed.</p>');
    } catch (error) {
      res.status(409).send((error as Error).message);
    }
  });
  app.post(`${prefix}/:token/decline`, express.urlencoded({ extended: false }), (req, res) => {
    const item = page.find(String(req.params.token));
    if (!item) return res.status(404).send('Not found');
    page.decline(item, String(req.body.reason ?? ''));
    res.type('html').send('<p>Declined.</p>');
  });
}
