import { randomBytes } from 'node:crypto';
import { DEFAULT_RETRY, fetchWithRetry, readLimited, type RetryPolicy, UpstreamError } from '../upstream.js';
import { xuperContentMd5, xuperSignature } from './signature.js';

export interface XuperConfig {
  baseUrl: string;
  appId: string;
  secret: string;
  retry?: RetryPolicy;
  /** Origins from which seal images (img_url) may be downloaded (default: the API's origin). */
  imageOrigins?: string[];
}

const CREATE_PATH = '/saas/openapi/econtract/v1/signature/create';

/** Builds a multipart/form-data body by hand: its exact bytes are what X_BXEO_CONTENTMD5 covers. */
function multipart(
  fields: Record<string, string>,
  file: { name: string; filename: string; type: string; bytes: Uint8Array },
): { body: Buffer; contentType: string } {
  const boundary = `----InfoPlusBoundary${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`, 'utf8'));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      'utf8',
    ),
  );
  parts.push(Buffer.from(file.bytes), Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Baidu xuper e-contract (BXEO) — the part the spec documents: creating a seal
 * (`signature/create`). The contract-signing API is not in our spec; a signing adapter would add
 * its calls here and a SealProvider next to this client.
 */
export class XuperClient {
  private readonly retry: RetryPolicy;

  constructor(private readonly config: XuperConfig) {
    this.retry = config.retry ?? DEFAULT_RETRY;
  }

  headersFor(path: string, body: Uint8Array, now = Date.now()): Record<string, string> {
    const nonce = randomBytes(16).toString('hex');
    const timestamp = String(Math.floor(now / 1000));
    const contentMd5 = xuperContentMd5(body);
    return {
      X_BXEO_APP_ID: this.config.appId,
      X_BXEO_NONCE: nonce,
      X_BXEO_TIMESTAMP: timestamp,
      X_BXEO_CONTENTMD5: contentMd5,
      X_BXEO_SIGNTYPE: 'HMAC-SHA256',
      X_BXEO_SIGN: xuperSignature({ method: 'POST', path, appId: this.config.appId, nonce, timestamp, contentMd5 }, this.config.secret),
    };
  }

  /** Registers a seal image for an identity (`address`); returns its id and the image xuper keeps (downloaded at once: img_url expires in 2 h). */
  async createSeal(input: {
    address: string;
    kind: 'organization' | 'person';
    png: Uint8Array;
  }): Promise<{ signatureId: string; image: Uint8Array }> {
    const { body, contentType } = multipart(
      { address: input.address, signature_type: input.kind === 'organization' ? '1' : '2' },
      { name: 'signature_img', filename: 'seal.png', type: 'image/png', bytes: input.png },
    );
    // Fresh nonce and timestamp per attempt: a retried request must not look like a replay.
    const response = await fetchWithRetry(
      `${this.config.baseUrl}${CREATE_PATH}`,
      () => ({
        method: 'POST',
        headers: { ...this.headersFor(CREATE_PATH, body), 'Content-Type': contentType },
        body: new Uint8Array(body),
      }),
      { label: 'xuper signature/create', policy: this.retry },
    );
    const text = (await readLimited(response, 1024 * 1024, 'xuper')).toString();
    let envelope: { code?: number; msg?: string; data?: { signature_id?: string; img_url?: string } };
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      throw new UpstreamError('XUPER_BAD_RESPONSE', `xuper answered HTTP ${response.status} with something that is not JSON.`);
    }
    if (envelope.code !== 0 || !envelope.data?.signature_id || !envelope.data.img_url) {
      throw new UpstreamError('XUPER_ERROR', `xuper refused the seal: ${envelope.msg ?? 'no message'} (code ${envelope.code}).`);
    }
    const image = await this.downloadImage(envelope.data.img_url);
    return { signatureId: envelope.data.signature_id, image };
  }

  private async downloadImage(url: string): Promise<Uint8Array> {
    const allowed = this.config.imageOrigins?.length ? this.config.imageOrigins : [new URL(this.config.baseUrl).origin];
    const origin = new URL(url).origin;
    if (!allowed.includes(origin))
      throw new UpstreamError(
        'XUPER_URL_NOT_ALLOWED',
        `xuper gave an image URL on ${origin}, which is not an allowed origin (XUPER_IMAGE_ORIGINS).`,
      );
    const response = await fetchWithRetry(url, () => ({ method: 'GET' }), { label: 'xuper image', policy: this.retry });
    if (!response.ok)
      throw new UpstreamError('XUPER_IMAGE_FAILED', `Downloading the seal image from xuper failed with HTTP ${response.status}.`);
    const bytes = await readLimited(response, 10 * 1024 * 1024, 'xuper image');
    if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 8)).toString('hex') !== '89504e470d0a1a0a') {
      throw new UpstreamError('XUPER_IMAGE_FAILED', 'The seal image from xuper is not a PNG.');
    }
    return bytes;
  }
}
