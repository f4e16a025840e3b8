// The element's view of the service: S1 reads, document generation, seal removal, verification
// verdicts, files — all with the user's ticket, cross-origin when the page lives elsewhere.
import type { Seal, Signature, SignatureVerification } from '../../src/contract/index.js';

export type { Signature };
/** One seal slot of the Signature. */
export type SealSlot = Seal;

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly ecode: string,
    message: string,
    /** The envelope's entities on failure, e.g. `{path, message}` per invalid form field. */
    readonly entities: unknown[] = [],
  ) {
    super(message);
  }
}

/** A failure in this browser rather than an answer of the service (status 0), e.g. VERIFY_TIMEOUT. */
export class LocalFailure extends ApiFailure {
  constructor(ecode: string, message: string) {
    super(0, ecode, message);
  }
}

/** Reads a response body of at most `maxBytes`, stopping the download as soon as it is over. */
async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new LocalFailure('VERIFY_TOO_LARGE', `The document is larger than ${maxBytes} bytes.`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    void response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > maxBytes) {
      void reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

export interface TicketInfo {
  account: string;
  name: string;
  signatureId: string;
  expiresAt: number;
}

/** Reads the (unverified) claims of a ticket `v1.<payload>.<mac>`; the service checks the MAC. */
export function ticketInfo(ticket: string): TicketInfo | null {
  const payload = ticket.split('.')[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))),
    );
    return {
      account: String(json.account ?? ''),
      name: String(json.name ?? ''),
      signatureId: String(json.sid ?? ''),
      expiresAt: Number(json.exp ?? 0) * 1000,
    };
  } catch {
    return null;
  }
}

export class ServiceApi {
  constructor(
    readonly base: string,
    private readonly ticket: () => string,
  ) {}

  url(path: string, query: Record<string, string> = {}): string {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url.toString();
  }

  /** The ticket travels in a header, never in a URL (history, proxy logs, Referer). */
  private get headers(): Record<string, string> {
    return { 'x-infoplus-ticket': this.ticket() };
  }

  private async call<T>(path: string, init: RequestInit = {}, query: Record<string, string> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url(path, query), {
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...this.headers },
        credentials: 'omit',
      });
    } catch {
      throw new ApiFailure(0, 'NETWORK', 'network');
    }
    let envelope: { errno?: number; ecode?: string; error?: string; entities?: unknown[] };
    try {
      envelope = await response.json();
    } catch {
      throw new ApiFailure(response.status, 'BAD_RESPONSE', `HTTP ${response.status}`);
    }
    if (envelope.errno !== 0)
      throw new ApiFailure(
        response.status,
        envelope.ecode ?? 'ERROR',
        envelope.error ?? `HTTP ${response.status}`,
        envelope.entities ?? [],
      );
    return (envelope.entities ?? []) as T;
  }

  private async file(uri: string): Promise<Response> {
    const response = await fetch(this.url(new URL(uri, this.base).pathname), { headers: this.headers, credentials: 'omit' });
    if (!response.ok) throw new ApiFailure(response.status, 'FILE', `HTTP ${response.status}`);
    return response;
  }

  /** A file of the service (seal image, PDF) as a blob: URL a page can show or open. */
  async objectUrl(uri: string): Promise<string> {
    return URL.createObjectURL(await (await this.file(uri)).blob());
  }

  async signature(id: string): Promise<Signature> {
    return (await this.call<Signature[]>(`/signature/${id}`))[0];
  }

  async generate(id: string, data: Record<string, unknown>): Promise<Signature> {
    const body = JSON.stringify({ data });
    return (
      await this.call<Signature[]>(`/signature/${id}/document`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    )[0];
  }

  async removeSeal(id: string, index: number): Promise<Signature> {
    return (await this.call<Signature[]>(`/sign/${id}/seals/${index}`, { method: 'DELETE' }))[0];
  }

  async serverVerdict(id: string): Promise<SignatureVerification> {
    return (await this.call<SignatureVerification[]>(`/signature/${id}/verify`))[0];
  }

  async pdf(uri: string, maxBytes = Infinity): Promise<Uint8Array> {
    return readLimited(await this.file(uri), maxBytes);
  }

  eventsUrl(id: string): string {
    // The ws handshake cannot carry a header from a browser: the one place besides the signing page's first load.
    const url = new URL(this.url(`/signature/${id}/events`, { ticket: this.ticket() }));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }

  signingUrl(id: string, seal: number, locale: string, returnUrl?: string): string {
    // The signing page's first load exchanges the ticket for an HttpOnly cookie and drops it from history.
    return this.url(`/sign/${id}`, {
      seal: String(seal),
      lang: locale,
      ...(returnUrl ? { return: returnUrl } : { origin: window.location.origin }),
      ticket: this.ticket(),
    });
  }
}
