import { fetchWithRetry, readLimited, type RetryPolicy, UpstreamError } from '../upstream.js';

export interface SpaceSignConfig {
  /** e.g. https://api.spacesign.com/v1 */
  baseUrl: string;
  apiKey: string;
  retry?: RetryPolicy;
}

export interface Envelope {
  id: string;
  status: string;
  declineReason?: string;
  signers?: Array<{ email: string; name?: string; status?: string; signingUrl?: string }>;
}

/**
 * SpaceSign REST v1: `Authorization: Bearer <API key>`, answers `{status, data, meta}` with
 * `status: "success"`, errors `{status: "error", error: {code, message}}`.
 */
export class SpaceSignClient {
  constructor(private readonly config: SpaceSignConfig) {}

  private async call<T>(
    method: string,
    path: string,
    body?: () => BodyInit,
    options: { contentType?: string; idempotent?: boolean } = {},
  ): Promise<T> {
    const { contentType, idempotent } = options;
    const response = await fetchWithRetry(
      `${this.config.baseUrl}${path}`,
      () => ({
        method,
        headers: {
          Authorization: `Bearer ${this.config.apiKey}`,
          Accept: 'application/json',
          ...(contentType ? { 'Content-Type': contentType } : {}),
        },
        ...(body ? { body: body() } : {}),
      }),
      { label: `SpaceSign ${path}`, policy: this.config.retry, idempotent },
    );
    const text = (await readLimited(response, 8 * 1024 * 1024, `SpaceSign ${path}`)).toString();
    let envelope: { status?: string; data?: T; error?: { code?: string; message?: string } };
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      throw new UpstreamError(
        'SPACESIGN_BAD_RESPONSE',
        `SpaceSign ${path} answered HTTP ${response.status} with something that is not JSON.`,
      );
    }
    if (response.status === 401) throw new UpstreamError('SPACESIGN_AUTH_FAILED', 'SpaceSign refused our API key (SPACESIGN_API_KEY).');
    if (envelope.status !== 'success' || envelope.data === undefined) {
      throw new UpstreamError(
        'SPACESIGN_ERROR',
        `SpaceSign ${path} failed: ${envelope.error?.message ?? `HTTP ${response.status}`}${envelope.error?.code ? ` (${envelope.error.code})` : ''}.`,
      );
    }
    return envelope.data;
  }

  async upload(pdf: Uint8Array, title: string): Promise<string> {
    const form = () => {
      const body = new FormData();
      body.append('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), `${title}.pdf`);
      body.append('title', title);
      return body;
    };
    return (await this.call<{ id: string }>('POST', '/documents', form)).id;
  }

  async createEnvelope(input: {
    documentId: string;
    signer: { email: string; name: string; role: string; order: number };
    field: { page: number; x: number; y: number; width: number; height: number };
    idempotencyKey: string;
  }): Promise<Envelope> {
    const body = JSON.stringify({
      documentId: input.documentId,
      signers: [input.signer],
      fields: [{ type: 'signature', signerEmail: input.signer.email, ...input.field }],
      externalId: input.idempotencyKey,
    });
    // externalId is SpaceSign's idempotency key: a repeat answers the envelope it already made.
    return this.call<Envelope>('POST', '/envelopes', () => body, { contentType: 'application/json', idempotent: true });
  }

  send(envelopeId: string): Promise<Envelope> {
    return this.call<Envelope>('POST', `/envelopes/${envelopeId}/send`);
  }

  get(envelopeId: string): Promise<Envelope> {
    return this.call<Envelope>('GET', `/envelopes/${envelopeId}`);
  }

  async void(envelopeId: string): Promise<void> {
    await this.call('POST', `/envelopes/${envelopeId}/void`);
  }

  async signedPdf(envelopeId: string): Promise<Uint8Array> {
    const response = await fetchWithRetry(
      `${this.config.baseUrl}/envelopes/${envelopeId}/documents/signed`,
      () => ({ headers: { Authorization: `Bearer ${this.config.apiKey}` } }),
      { label: 'SpaceSign download', policy: this.config.retry },
    );
    if (!response.ok)
      throw new UpstreamError('SPACESIGN_ERROR', `Downloading the signed document from SpaceSign failed with HTTP ${response.status}.`);
    return readLimited(response, 50 * 1024 * 1024, 'SpaceSign download');
  }
}
