import { createHash } from 'node:crypto';
import { DEFAULT_RETRY, fetchWithRetry, readLimited, type RetryPolicy, UpstreamError } from '../upstream.js';
import { esignSignature, verifyEsignSignature } from './signature.js';

export interface EsignConfig {
  /** e.g. https://smlgateway.tsign.cn/opentreaty/rest/v3.0 */
  baseUrl: string;
  projectId: string;
  projectSecret: string;
  retry?: RetryPolicy;
  /** Origins from which signed documents may be downloaded (default: the API's origin). */
  downloadOrigins?: string[];
}

export class EsignError extends UpstreamError {
  constructor(
    code: string,
    message: string,
    readonly errCode?: number,
  ) {
    super(code, message);
    this.name = 'EsignError';
  }
}

const MAX_DOWNLOAD = 50 * 1024 * 1024;

/**
 * The calls that may be sent again after a timeout or a 5xx: they only read or hand out an upload
 * address, or e签宝 refuses a repeat by its thirdId (and the provider then looks the account up).
 * Creating a document, starting or revoking a flow is never repeated blindly.
 */
const REPEATABLE = new Set([
  '/file/uploadurl',
  '/account/create/person/private',
  '/account/create/organize/private',
  '/account/idexchange',
  '/doc/downloadurl',
  '/sign/docdetail',
  '/sign/download',
]);

/**
 * The e签宝 open API v3 transport: every call is a POST of JSON whose bytes are signed
 * (`X-timevale-*` headers); every answer's signature is checked before its JSON is trusted, and
 * `errCode ≠ 0` is an error.
 */
export class EsignClient {
  private readonly retry: RetryPolicy;

  constructor(private readonly config: EsignConfig) {
    this.retry = config.retry ?? DEFAULT_RETRY;
  }

  headers(body: Uint8Array): Record<string, string> {
    return {
      'Content-Type': 'application/json',
      'X-timevale-mode': 'package',
      'X-timevale-project-id': this.config.projectId,
      'X-timevale-signature': esignSignature(this.config.projectSecret, body),
      'X-timevale-signature-algorithm': 'hmac-sha256',
    };
  }

  async call<T>(path: string, payload: object): Promise<T> {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const response = await fetchWithRetry(`${this.config.baseUrl}${path}`, () => ({ method: 'POST', headers: this.headers(body), body }), {
      label: `e签宝 ${path}`,
      policy: this.retry,
      idempotent: REPEATABLE.has(path),
    });
    const bytes = await readLimited(response, 4 * 1024 * 1024, `e签宝 ${path}`);
    if (!verifyEsignSignature(this.config.projectSecret, bytes, response.headers.get('x-timevale-signature'))) {
      throw new EsignError(
        'ESIGN_BAD_SIGNATURE',
        `The answer of e签宝 ${path} is not signed with our project secret (HTTP ${response.status}); it was not trusted.`,
      );
    }
    let envelope: { errCode?: number; msg?: string; data?: unknown };
    try {
      envelope = JSON.parse(bytes.toString()) as typeof envelope;
    } catch {
      throw new EsignError('ESIGN_BAD_RESPONSE', `e签宝 ${path} answered something that is not JSON.`);
    }
    if (envelope.errCode !== 0) {
      throw new EsignError(
        'ESIGN_ERROR',
        `e签宝 ${path} failed: ${envelope.msg ?? 'no message'} (errCode ${envelope.errCode}).`,
        envelope.errCode,
      );
    }
    return envelope.data as T;
  }

  /** File direct upload: ask for an upload URL, PUT the bytes with Content-MD5 and Content-Type. */
  async uploadPdf(bytes: Uint8Array, fileName: string): Promise<string> {
    const contentMd5 = createHash('md5').update(bytes).digest('base64');
    const { fileKey, uploadUrl } = await this.call<{ fileKey: string; uploadUrl: string }>('/file/uploadurl', {
      fileName,
      fileSize: bytes.length,
      contentType: 'application/pdf',
      contentMd5,
    });
    this.checkOrigin(uploadUrl, 'upload');
    const response = await fetchWithRetry(
      uploadUrl,
      () => ({ method: 'PUT', headers: { 'Content-MD5': contentMd5, 'Content-Type': 'application/pdf' }, body: Buffer.from(bytes) }),
      { label: 'e签宝 upload', policy: this.retry },
    );
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new EsignError('ESIGN_UPLOAD_FAILED', `Uploading the document to e签宝 failed with HTTP ${response.status}.`);
    return fileKey;
  }

  /** Downloads a signed document from a URL e签宝 gave us (only from the allowed origins). */
  async download(url: string): Promise<Uint8Array> {
    this.checkOrigin(url, 'download');
    const response = await fetchWithRetry(url, () => ({ method: 'GET' }), { label: 'e签宝 download', policy: this.retry });
    if (!response.ok)
      throw new EsignError('ESIGN_DOWNLOAD_FAILED', `Downloading the signed document from e签宝 failed with HTTP ${response.status}.`);
    return readLimited(response, MAX_DOWNLOAD, 'e签宝 download');
  }

  private checkOrigin(url: string, what: string): void {
    const allowed = this.config.downloadOrigins?.length ? this.config.downloadOrigins : [new URL(this.config.baseUrl).origin];
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new EsignError('ESIGN_BAD_RESPONSE', `e签宝 gave an invalid ${what} URL.`);
    }
    if (!allowed.includes(origin))
      throw new EsignError(
        'ESIGN_URL_NOT_ALLOWED',
        `e签宝 gave a ${what} URL on ${origin}, which is not an allowed origin (ESIGN_FILE_ORIGINS).`,
      );
  }
}
