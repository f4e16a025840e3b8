import type { FileInfo, Signature, SignaturePatch } from '../contract/index.js';
import { RelayedError } from '../errors.js';

/** What the signature service needs from the engine side: SignatureAPI S1/S2 and FileAPI. */
export interface EngineApi {
  getSignature(id: string): Promise<Signature>;
  putSignature(id: string, patch: SignaturePatch): Promise<Signature>;
  /** Downloads a PDF named by a Signature's `uri`; only URIs under the engine's base URL are fetched. */
  downloadFile(uri: string): Promise<Uint8Array>;
  uploadFile(bytes: Uint8Array, name: string): Promise<Pick<FileInfo, 'id' | 'uri'>>;
  /**
   * A new PDF revision and the S2 that names it, as one write where the engine can (in-process: the
   * file's row goes into the S2's commit); `patchFor` builds the S2 from the stored revision.
   */
  commitRevision?(
    signatureId: string,
    pdf: Uint8Array,
    name: string,
    patchFor: (revision: Revision) => SignaturePatch,
  ): Promise<CommittedRevision>;
}

export type Revision = Pick<FileInfo, 'id' | 'uri'>;

export interface CommittedRevision {
  revision: Revision;
  signature: Signature;
}

/** Uploads the revision and writes the S2 naming it: in one commit where the engine offers that, else FileAPI then S2. */
export async function commitRevision(
  engine: EngineApi,
  signatureId: string,
  pdf: Uint8Array,
  name: string,
  patchFor: (revision: Revision) => SignaturePatch,
): Promise<CommittedRevision> {
  if (engine.commitRevision) return engine.commitRevision(signatureId, pdf, name, patchFor);
  const revision = await engine.uploadFile(pdf, name);
  return { revision, signature: await engine.putSignature(signatureId, patchFor(revision)) };
}

/** The InfoPlus response envelope the engine answers with. */
interface EngineEnvelope<T> {
  errno: number;
  ecode?: string;
  error?: string;
  entities: T[];
}

/** The engine refused or failed a call; `code` is the engine's ecode (or ours when it sent none). */
export class EngineApiError extends RelayedError {
  constructor(code: string, message: string, upstreamStatus: number, details: unknown[] = []) {
    super(code, message, { source: 'engine', status: upstreamStatus }, details);
  }
}

export interface EngineClientOptions {
  /** Base URL of the engine's SignatureAPI/FileAPI, e.g. http://127.0.0.1:8080 (a function when known only after listen). */
  baseUrl: string | (() => string);
  /** Bearer key the engine accepts. */
  key: string;
  timeoutMs?: number;
  maxDownloadBytes?: number;
  /** Other base URLs under which the engine's files are published (its public URL), also fetched. */
  publicBaseUrls?: () => string[];
}

/**
 * An HTTP client of the InfoPlus SignatureAPI (S1/S2) and FileAPI. The signature service reaches the
 * engine only through it, so it can be pointed at a real engine by configuration.
 */
export class EngineClient implements EngineApi {
  constructor(private readonly options: EngineClientOptions) {}

  private get base(): URL {
    const raw = typeof this.options.baseUrl === 'function' ? this.options.baseUrl() : this.options.baseUrl;
    return new URL(raw.replace(/\/*$/, '/'));
  }

  private async call<T>(method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(new URL(path.replace(/^\//, ''), this.base), {
      method,
      body,
      headers: { authorization: `Bearer ${this.options.key}`, accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      redirect: 'error',
    });
    const text = await response.text();
    let envelope: EngineEnvelope<T>;
    try {
      envelope = JSON.parse(text) as EngineEnvelope<T>;
    } catch {
      throw new EngineApiError(
        'ENGINE_BAD_RESPONSE',
        `The engine answered ${method} ${path} with HTTP ${response.status} and no envelope.`,
        response.status,
      );
    }
    if (!response.ok || envelope.errno !== 0) {
      throw new EngineApiError(
        envelope.ecode ?? 'ENGINE_ERROR',
        envelope.error ?? `HTTP ${response.status}`,
        response.status,
        envelope.entities ?? [],
      );
    }
    return envelope.entities[0];
  }

  getSignature(id: string): Promise<Signature> {
    return this.call<Signature>('GET', `signature/${encodeURIComponent(id)}`);
  }

  putSignature(id: string, patch: SignaturePatch): Promise<Signature> {
    return this.call<Signature>('POST', `signature/${encodeURIComponent(id)}`, JSON.stringify(patch), {
      'content-type': 'application/json',
    });
  }

  /** Resolves a file uri against the engine base, refusing anything outside the engine (no arbitrary fetches). */
  resolveFileUri(uri: string): URL {
    const url = new URL(uri, this.base);
    if (url.origin === this.base.origin && url.pathname.startsWith(this.base.pathname)) return url;
    const published = (this.options.publicBaseUrls?.() ?? []).map((base) => new URL(base.replace(/\/*$/, '/')));
    const match = published.find((base) => url.origin === base.origin && url.pathname.startsWith(base.pathname));
    if (!match) {
      throw new EngineApiError(
        'URI_NOT_ALLOWED',
        `Refusing to fetch ${url.origin}: only files of the engine at ${this.base.origin} are fetched.`,
        400,
      );
    }
    // The engine's public address (a load balancer with several instances): fetch from the engine directly.
    return new URL(url.pathname.slice(match.pathname.length) + url.search, this.base);
  }

  async downloadFile(uri: string): Promise<Uint8Array> {
    const url = this.resolveFileUri(uri);
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${this.options.key}` },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      redirect: 'error',
    });
    if (!response.ok)
      throw new EngineApiError('FILE_DOWNLOAD_FAILED', `Downloading ${url.pathname} failed with HTTP ${response.status}.`, response.status);
    const limit = this.options.maxDownloadBytes ?? 100 * 1024 * 1024;
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > limit) throw new EngineApiError('FILE_TOO_LARGE', `The file is larger than ${limit} bytes.`, 413);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > limit) throw new EngineApiError('FILE_TOO_LARGE', `The file is larger than ${limit} bytes.`, 413);
    return bytes;
  }

  async uploadFile(bytes: Uint8Array, name: string): Promise<Pick<FileInfo, 'id' | 'uri'>> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), name);
    return this.call<FileInfo>('PUT', 'file', form);
  }
}
