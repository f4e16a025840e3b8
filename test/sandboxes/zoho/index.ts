// A local Zoho Sign sandbox: OAuth2 refresh-token grant with short-lived access tokens, the request
// API subset we use, an embedded signing page that applies a real PDF signature with its own CA,
// and webhooks that tests can repeat, delay, drop or forge. Development and tests only.
import { randomBytes } from 'node:crypto';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import express, { type Request, type Response } from 'express';
import multer from '../multipart.js';
import { newWebhookBehaviour, SandboxSigner, serve, signingPage, type WebhookBehaviour } from '../shared.js';

export interface ZohoSandboxOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Access-token lifetime (Zoho: 3600 s; short here so refresh paths run). */
  tokenLifetimeSeconds?: number;
  webhookUrl?: string;
}

interface Field {
  document_id: string;
  page_no: number;
  x_coord: number;
  y_coord: number;
  abs_width: number;
  abs_height: number;
}
interface ZRequest {
  request_id: string;
  request_name: string;
  request_status: string;
  decline_reason?: string;
  document_id: string;
  pdf: Uint8Array;
  action: { action_id: string; recipient_name: string; recipient_email: string; action_status: string; fields: Field[] };
  signToken?: string;
}

export interface ZohoSandbox {
  url: string;
  accountsUrl: string;
  apiUrl: string;
  caPem: string;
  webhooks: WebhookBehaviour;
  setWebhookUrl(url: string): void;
  /** The next `n` API calls answer 429 with Retry-After: 1. */
  rateLimitNext(n: number): void;
  /** The next `n` request creations are made but answered 502 (a gateway that lost the answer). */
  failCreatesAfterwards(n: number): void;
  /** Invalidates every access token issued so far (the next call with one gets 401). */
  revokeTokens(): void;
  /** How long access tokens issued from now on live. */
  setTokenLifetime(seconds: number): void;
  tokensIssued: number;
  rejectedTokens: number;
  rateLimited: number;
  requests(): Array<{ request_id: string; request_status: string; fields: Field[] }>;
  signAs(requestId: string): Promise<void>;
  decline(requestId: string, reason: string): Promise<void>;
  expire(requestId: string): Promise<void>;
  /** Sends a webhook claiming completion without anything having happened (a forgery). */
  forgeCompleted(requestId: string): Promise<void>;
  close(): Promise<void>;
}

const id = () => String(2000000000000 + Math.floor(Math.random() * 1e12));

export async function startZohoSandbox(options: ZohoSandboxOptions): Promise<ZohoSandbox> {
  const signer = await SandboxSigner.create('Zoho Sign');
  const tokens = new Map<string, number>();
  let tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const requests = new Map<string, ZRequest>();
  const webhooks = newWebhookBehaviour();
  const stats = { tokensIssued: 0, rejectedTokens: 0, rateLimited: 0, rateLimitNext: 0, lostCreates: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let webhookUrl = options.webhookUrl ?? '';
  let base = '';

  const view = (r: ZRequest) => ({
    request_id: r.request_id,
    request_name: r.request_name,
    request_status: r.request_status,
    ...(r.decline_reason ? { decline_reason: r.decline_reason } : {}),
    document_ids: [{ document_id: r.document_id, document_name: `${r.request_name}.pdf` }],
    actions: [
      {
        action_id: r.action.action_id,
        action_type: 'SIGN',
        recipient_name: r.action.recipient_name,
        recipient_email: r.action.recipient_email,
        action_status: r.action.action_status,
        signing_order: 0,
      },
    ],
  });

  function fire(r: ZRequest, operation: string, overrides: Partial<ReturnType<typeof view>> = {}): void {
    if (webhooks.drop || !webhookUrl) return;
    const body = JSON.stringify({
      requests: { ...view(r), ...overrides },
      notifications: {
        operation_type: operation,
        performed_at: Date.now(),
        action_id: r.action.action_id,
        performed_by_email: r.action.recipient_email,
        activity: operation,
      },
    });
    for (let i = 0; i < webhooks.repeat; i++) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          void fetch(webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
            .then((res) => res.arrayBuffer())
            .catch(() => undefined);
        },
        webhooks.delayMs + i * 20,
      );
      timers.add(timer);
    }
  }

  async function sign(r: ZRequest): Promise<void> {
    if (r.request_status !== 'inprogress') throw new Error(`The request is ${r.request_status}.`);
    const doc = await PDFDocument.load(r.pdf, { ignoreEncryption: true, updateMetadata: false });
    const placements = r.action.fields.map((f) => {
      const box = doc.getPage(f.page_no).getCropBox();
      const width = (f.abs_width / 100) * box.width;
      const height = (f.abs_height / 100) * box.height;
      const cx = (f.x_coord / 100) * box.width + width / 2;
      const cy = (f.y_coord / 100) * box.height + height / 2;
      return { kind: 'anchors' as const, anchors: [{ page: f.page_no, x: cx, y: cy, origin: 'top-left' as const }], width, height };
    });
    r.pdf = await signer.sign(r.pdf, { id: r.action.recipient_email, name: r.action.recipient_name }, placements, 'Zoho Sign');
    r.action.action_status = 'SIGNED';
    r.request_status = 'completed';
    fire(r, 'RequestSigningSuccess');
    fire(r, 'RequestCompleted');
  }

  const app = express();
  app.disable('x-powered-by');
  app.post('/oauth/v2/token', (req, res) => {
    const q = req.query as Record<string, string>;
    if (
      q.grant_type !== 'refresh_token' ||
      q.client_id !== options.clientId ||
      q.client_secret !== options.clientSecret ||
      q.refresh_token !== options.refreshToken
    ) {
      res.status(400).json({ error: 'invalid_client' });
      return;
    }
    const token = `1000.${randomBytes(16).toString('hex')}`;
    const lifetime = tokenLifetimeSeconds;
    tokens.set(token, Date.now() + lifetime * 1000);
    stats.tokensIssued++;
    res.json({ access_token: token, expires_in: lifetime, api_domain: base, token_type: 'Bearer' });
  });

  const api = express.Router();
  api.use((req, res, next) => {
    if (stats.rateLimitNext > 0) {
      stats.rateLimitNext--;
      stats.rateLimited++;
      res.status(429).setHeader('Retry-After', '1').json({ code: 4000, message: 'Too many requests', status: 'failure' });
      return;
    }
    const match = /^Zoho-oauthtoken (.+)$/.exec(req.get('authorization') ?? '');
    const expiry = match ? tokens.get(match[1]) : undefined;
    if (!expiry || expiry < Date.now()) {
      stats.rejectedTokens++;
      res.status(401).json({ code: 9041, message: 'Invalid Oauth Token', status: 'failure' });
      return;
    }
    next();
  });
  const ok = (res: Response, body: object) => res.json({ code: 0, status: 'success', ...body });
  const fail = (res: Response, status: number, message: string) => res.status(status).json({ code: 4001, message, status: 'failure' });
  const find = (req: Request, res: Response) => {
    const r = requests.get(String(req.params.id));
    if (!r) fail(res, 404, 'Request not found');
    return r;
  };

  api.post('/requests', multer(), async (req, res) => {
    const file = (req as Request & { files?: Record<string, Buffer> }).files?.file;
    let data: any;
    try {
      data = JSON.parse(String(req.body.data ?? '')).requests;
    } catch {
      return fail(res, 400, 'data is not JSON');
    }
    const action = data?.actions?.[0];
    if (!file || file.subarray(0, 5).toString() !== '%PDF-') return fail(res, 400, 'file must be a PDF');
    if (!data.request_name || !action?.recipient_email || !action.recipient_name || action.action_type !== 'SIGN')
      return fail(res, 400, 'request_name and a SIGN action with recipient_name and recipient_email are required');
    const r: ZRequest = {
      request_id: id(),
      request_name: data.request_name,
      request_status: 'draft',
      document_id: id(),
      pdf: new Uint8Array(file),
      action: {
        action_id: id(),
        recipient_name: action.recipient_name,
        recipient_email: action.recipient_email,
        action_status: 'NOACTION',
        fields: [],
      },
    };
    requests.set(r.request_id, r);
    if (stats.lostCreates > 0) {
      stats.lostCreates--;
      return fail(res, 502, 'Bad gateway');
    }
    ok(res, { requests: view(r), message: 'Document submitted successfully' });
  });
  api.put('/requests/:id', express.urlencoded({ extended: false }), (req, res) => {
    const r = find(req, res);
    if (!r) return;
    if (r.request_status !== 'draft') return fail(res, 400, 'Only a draft can be updated');
    const action = JSON.parse(String(req.body.data ?? '{}')).requests?.actions?.[0];
    if (action?.action_id !== r.action.action_id) return fail(res, 400, 'Unknown action');
    const fields: Field[] = action.fields?.image_fields ?? [];
    for (const f of fields) {
      if (f.document_id !== r.document_id) return fail(res, 400, 'Unknown document_id');
      for (const key of ['page_no', 'x_coord', 'y_coord', 'abs_width', 'abs_height'] as const)
        if (typeof f[key] !== 'number' || f[key] < 0) return fail(res, 400, `${key} must be a number`);
      if (f.x_coord + f.abs_width > 100.5 || f.y_coord + f.abs_height > 100.5) return fail(res, 400, 'Field outside the page');
    }
    r.action.fields = fields;
    ok(res, { requests: view(r) });
  });
  api.post('/requests/:id/submit', (req, res) => {
    const r = find(req, res);
    if (!r) return;
    if (r.action.fields.length === 0) return fail(res, 400, 'The signer has no signature field');
    r.request_status = 'inprogress';
    r.action.action_status = 'UNOPENED';
    ok(res, { requests: view(r) });
  });
  api.post('/requests/:id/actions/:action/embedtoken', (req, res) => {
    const r = find(req, res);
    if (!r) return;
    if (r.request_status !== 'inprogress' || req.params.action !== r.action.action_id) return fail(res, 400, 'Not signable');
    r.signToken ??= randomBytes(16).toString('hex');
    ok(res, { sign_url: `${base}/zsign/${r.signToken}` });
  });
  api.get('/requests/:id', (req, res) => {
    const r = find(req, res);
    if (r) ok(res, { requests: view(r), message: 'Document has been retrieved' });
  });
  api.get('/requests/:id/pdf', (req, res) => {
    const r = find(req, res);
    if (r) res.type('application/pdf').send(Buffer.from(r.pdf));
  });
  api.get('/requests/:id/completioncertificate', async (req, res) => {
    const r = find(req, res);
    if (!r) return;
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    const font = await doc.embedFont(StandardFonts.Helvetica);
    page.drawText(`Completion certificate - request ${r.request_id} - ${r.request_status}`, { x: 50, y: 780, size: 12, font });
    res.type('application/pdf').send(Buffer.from(await doc.save()));
  });
  api.post('/requests/:id/recall', (req, res) => {
    const r = find(req, res);
    if (!r) return;
    r.request_status = 'recalled';
    fire(r, 'RequestRecalled');
    ok(res, { message: 'Document recalled' });
  });
  api.post('/requests/:id/remind', (req, res) => {
    const r = find(req, res);
    if (r) ok(res, { message: 'Reminder sent' });
  });
  app.use('/api/v1', api);

  function decline(r: ZRequest, reason: string): void {
    r.request_status = 'declined';
    r.decline_reason = reason;
    fire(r, 'RequestRejected');
  }
  signingPage(app, '/zsign', 'Zoho Sign', {
    find: (token) => [...requests.values()].find((r) => r.signToken === token),
    describe: (r) => `${r.request_name} — ${r.action.recipient_name}`,
    sign,
    decline,
  });

  const server = await serve(app);
  base = server.base;
  const must = (requestId: string) => {
    const r = requests.get(requestId);
    if (!r) throw new Error(`No request ${requestId}`);
    return r;
  };
  return {
    url: base,
    accountsUrl: base,
    apiUrl: `${base}/api/v1`,
    caPem: signer.caPem,
    webhooks,
    setWebhookUrl: (url) => (webhookUrl = url),
    rateLimitNext: (n) => (stats.rateLimitNext = n),
    failCreatesAfterwards: (n) => (stats.lostCreates = n),
    revokeTokens: () => tokens.clear(),
    setTokenLifetime: (seconds) => {
      tokenLifetimeSeconds = seconds;
    },
    get tokensIssued() {
      return stats.tokensIssued;
    },
    get rejectedTokens() {
      return stats.rejectedTokens;
    },
    get rateLimited() {
      return stats.rateLimited;
    },
    requests: () =>
      [...requests.values()].map((r) => ({ request_id: r.request_id, request_status: r.request_status, fields: r.action.fields })),
    signAs: async (requestId) => sign(must(requestId)),
    decline: async (requestId, reason) => decline(must(requestId), reason),
    expire: async (requestId) => {
      const r = must(requestId);
      r.request_status = 'expired';
      fire(r, 'RequestExpired');
    },
    forgeCompleted: async (requestId) => {
      const r = must(requestId);
      fire(r, 'RequestCompleted', { request_status: 'completed' });
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
  };
}
