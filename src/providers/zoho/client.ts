import { fetchWithRetry, readLimited, type RetryPolicy, UpstreamError } from '../upstream.js';
import type { ZohoTokens } from './auth.js';

export interface ZohoConfig {
  /** e.g. https://sign.zoho.com/api/v1 */
  apiUrl: string;
  retry?: RetryPolicy;
}

export interface ZohoRequest {
  request_id: string;
  request_status: string;
  document_ids?: Array<{ document_id: string; total_pages?: number }>;
  actions?: Array<{ action_id: string; action_status?: string; recipient_email?: string }>;
  decline_reason?: string;
}

export interface ImageField {
  document_id: string;
  field_name: string;
  field_type_name: 'Signature';
  page_no: number;
  x_coord: number;
  y_coord: number;
  abs_width: number;
  abs_height: number;
  is_mandatory: true;
}

/**
 * Zoho Sign API v1 with `Authorization: Zoho-oauthtoken <token>`; a 401 refreshes the token once and
 * retries the call once. Answers are `{code, status, message, requests}`; `code ≠ 0` is an error.
 */
export class ZohoClient {
  constructor(
    private readonly config: ZohoConfig,
    private readonly tokens: ZohoTokens,
  ) {}

  private async raw(method: string, path: string, body?: () => BodyInit): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.get();
      const response = await fetchWithRetry(
        `${this.config.apiUrl}${path}`,
        () => ({ method, headers: { Authorization: `Zoho-oauthtoken ${token}` }, ...(body ? { body: body() } : {}) }),
        { label: `Zoho ${path}`, policy: this.config.retry },
      );
      if (response.status === 401 && attempt === 0) {
        await response.arrayBuffer().catch(() => undefined);
        this.tokens.invalidate(token);
        continue;
      }
      return response;
    }
  }

  async json<T extends object>(method: string, path: string, body?: () => BodyInit): Promise<T & { code: number }> {
    const response = await this.raw(method, path, body);
    const text = (await readLimited(response, 8 * 1024 * 1024, `Zoho ${path}`)).toString();
    let parsed: T & { code?: number; message?: string };
    try {
      parsed = JSON.parse(text) as T & { code?: number; message?: string };
    } catch {
      throw new UpstreamError('ZOHO_BAD_RESPONSE', `Zoho ${path} answered HTTP ${response.status} with something that is not JSON.`);
    }
    if (response.status === 401) throw new UpstreamError('ZOHO_AUTH_FAILED', 'Zoho refused our access token twice.');
    if (parsed.code !== 0)
      throw new UpstreamError('ZOHO_ERROR', `Zoho ${path} failed: ${parsed.message ?? 'no message'} (code ${parsed.code}).`);
    return parsed as T & { code: number };
  }

  async bytes(path: string): Promise<Uint8Array> {
    const response = await this.raw('GET', path);
    if (!response.ok) throw new UpstreamError('ZOHO_ERROR', `Zoho ${path} answered HTTP ${response.status}.`);
    return readLimited(response, 50 * 1024 * 1024, `Zoho ${path}`);
  }

  async createRequest(
    pdf: Uint8Array,
    fileName: string,
    input: { name: string; recipientName: string; recipientEmail: string; expirationDays: number },
  ): Promise<ZohoRequest> {
    const data = {
      requests: {
        request_name: input.name,
        actions: [
          {
            recipient_name: input.recipientName,
            recipient_email: input.recipientEmail,
            action_type: 'SIGN',
            signing_order: 0,
            verify_recipient: false,
          },
        ],
        expiration_days: input.expirationDays,
        is_sequential: true,
      },
    };
    const form = () => {
      const body = new FormData();
      body.append('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), fileName);
      body.append('data', JSON.stringify(data));
      return body;
    };
    return (await this.json<{ requests: ZohoRequest }>('POST', '/requests', form)).requests;
  }

  async addSignatureFields(
    requestId: string,
    actionId: string,
    recipient: { name: string; email: string },
    fields: ImageField[],
  ): Promise<ZohoRequest> {
    const data = {
      requests: {
        actions: [
          {
            action_id: actionId,
            action_type: 'SIGN',
            recipient_name: recipient.name,
            recipient_email: recipient.email,
            signing_order: 0,
            fields: { image_fields: fields },
          },
        ],
      },
    };
    return (
      await this.json<{ requests: ZohoRequest }>('PUT', `/requests/${requestId}`, () => new URLSearchParams({ data: JSON.stringify(data) }))
    ).requests;
  }

  async submit(requestId: string): Promise<ZohoRequest> {
    return (await this.json<{ requests: ZohoRequest }>('POST', `/requests/${requestId}/submit`)).requests;
  }

  /** The signer's signing address (Zoho's embedded signing; `host` is where the page is shown from). */
  async signUrl(requestId: string, actionId: string, host: string): Promise<string> {
    return (
      await this.json<{ sign_url: string }>(
        'POST',
        `/requests/${requestId}/actions/${actionId}/embedtoken?host=${encodeURIComponent(host)}`,
      )
    ).sign_url;
  }

  async get(requestId: string): Promise<ZohoRequest> {
    return (await this.json<{ requests: ZohoRequest }>('GET', `/requests/${requestId}`)).requests;
  }

  pdf(requestId: string): Promise<Uint8Array> {
    return this.bytes(`/requests/${requestId}/pdf`);
  }

  completionCertificate(requestId: string): Promise<Uint8Array> {
    return this.bytes(`/requests/${requestId}/completioncertificate`);
  }

  async recall(requestId: string): Promise<void> {
    await this.json('POST', `/requests/${requestId}/recall`);
  }

  async remind(requestId: string): Promise<void> {
    await this.json('POST', `/requests/${requestId}/remind`);
  }
}
