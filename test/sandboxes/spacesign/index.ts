// A local SpaceSign sandbox: Bearer API key, the {status, data, meta} envelope, documents,
// envelopes (create, send, get, void, signed download), a signing page that applies a real PDF
// signature with its own CA, and HMAC-signed webhooks (t=…,v1=…) that tests can repeat, delay,
// drop or forge. Development and tests only.
import { createHmac, randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { secretsEqual } from '../../../src/util/constant-time.js';
import multipart from '../multipart.js';
import { newWebhookBehaviour, SandboxSigner, serve, signingPage, type WebhookBehaviour } from '../shared.js';

export interface SpaceSignSandboxOptions {
  apiKey: string;
  webhookSecret: string;
  webhookUrl?: string;
}

interface Envelope {
  id: string;
  externalId?: string;
  documentId: string;
  status: string;
  declineReason?: string;
  signer: { email: string; name: string; role: string; order: number };
  field: { page: number; x: number; y: number; width: number; height: number };
  token: string;
}

export interface SpaceSignSandbox {
  url: string;
  apiUrl: string;
  caPem: string;
  webhooks: WebhookBehaviour;
  setWebhookUrl(url: string): void;
  rateLimitNext(n: number): void;
  rateLimited: number;
  rejectedKeys: number;
  envelopes(): Array<{ id: string; status: string; field: Envelope['field']; signer: Envelope['signer'] }>;
  signAs(envelopeId: string): Promise<void>;
  decline(envelopeId: string, reason: string): Promise<void>;
  expire(envelopeId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSpaceSignSandbox(options: SpaceSignSandboxOptions): Promise<SpaceSignSandbox> {
  const signer = await SandboxSigner.create('SpaceSign');
  const documents = new Map<string, { title: string; pdf: Uint8Array }>();
  const envelopes = new Map<string, Envelope>();
  const webhooks = newWebhookBehaviour();
  const stats = { rateLimited: 0, rejectedKeys: 0, rateLimitNext: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let webhookUrl = options.webhookUrl ?? '';
  let base = '';

  const view = (e: Envelope) => ({
    id: e.id,
    status: e.status,
    documentId: e.documentId,
    ...(e.declineReason ? { declineReason: e.declineReason } : {}),
    signers: [
      {
        ...e.signer,
        status: e.status === 'completed' ? 'signed' : e.status,
        ...(e.status === 'sent' ? { signingUrl: `${base}/sign/${e.token}` } : {}),
      },
    ],
  });

  function fire(e: Envelope, event: string): void {
    if (webhooks.drop || !webhookUrl) return;
    const body = JSON.stringify({
      id: `evt_${randomBytes(8).toString('hex')}`,
      event,
      data: { envelopeId: e.id, status: e.status, ...(e.declineReason ? { reason: e.declineReason } : {}) },
    });
    for (let i = 0; i < webhooks.repeat; i++) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          const t = Math.floor(Date.now() / 1000);
          const v1 = createHmac('sha256', webhooks.forge ? `${options.webhookSecret}-forged` : options.webhookSecret)
            .update(`${t}.${body}`)
            .digest('hex');
          void fetch(webhookUrl, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json', 'x-spacesign-signature': `t=${t},v1=${v1}` },
          })
            .then((r) => r.arrayBuffer())
            .catch(() => undefined);
        },
        webhooks.delayMs + i * 20,
      );
      timers.add(timer);
    }
  }

  async function sign(e: Envelope): Promise<void> {
    if (e.status !== 'sent') throw new Error(`The envelope is ${e.status}.`);
    const doc = documents.get(e.documentId)!;
    const { page, x, y, width, height } = e.field;
    doc.pdf = await signer.sign(
      doc.pdf,
      { id: e.signer.email, name: e.signer.name },
      [{ kind: 'anchors', anchors: [{ page: page - 1, x: x + width / 2, y: y + height / 2, origin: 'top-left' }], width, height }],
      'SpaceSign',
    );
    e.status = 'completed';
    fire(e, 'envelope.completed');
  }

  const app = express();
  app.disable('x-powered-by');
  const api = express.Router();
  const ok = (res: Response, data: unknown, status = 200) =>
    res.status(status).json({ status: 'success', data, meta: { requestId: randomBytes(6).toString('hex') } });
  const fail = (res: Response, status: number, code: string, message: string) =>
    res.status(status).json({ status: 'error', error: { code, message }, meta: {} });
  api.use((req, res, next) => {
    if (stats.rateLimitNext > 0) {
      stats.rateLimitNext--;
      stats.rateLimited++;
      res.setHeader('Retry-After', '1');
      fail(res, 429, 'rate_limited', 'Too many requests');
      return;
    }
    if (!secretsEqual(req.get('authorization') ?? '', `Bearer ${options.apiKey}`)) {
      stats.rejectedKeys++;
      fail(res, 401, 'unauthorized', 'Invalid API key');
      return;
    }
    next();
  });
  api.post('/documents', multipart(), (req, res) => {
    const file = (req as Request & { files?: Record<string, Buffer> }).files?.file;
    if (!file || file.subarray(0, 5).toString() !== '%PDF-') return fail(res, 422, 'invalid_file', 'file must be a PDF');
    const documentId = `doc_${randomBytes(8).toString('hex')}`;
    documents.set(documentId, { title: String(req.body.title ?? ''), pdf: new Uint8Array(file) });
    ok(res, { id: documentId }, 201);
  });
  api.post('/envelopes', express.json(), (req, res) => {
    const { documentId, signers, fields, externalId } = req.body ?? {};
    const existing = externalId ? [...envelopes.values()].find((e) => e.externalId === externalId) : undefined;
    if (existing) return ok(res, view(existing));
    const s = signers?.[0];
    const f = fields?.[0];
    if (!documents.has(documentId)) return fail(res, 422, 'invalid_document', 'Unknown documentId');
    if (!s?.email || !s.name || !s.role || typeof s.order !== 'number')
      return fail(res, 422, 'invalid_signer', 'signers need email, name, role and order');
    if (!f || f.type !== 'signature' || !['page', 'x', 'y', 'width', 'height'].every((k) => typeof f[k] === 'number'))
      return fail(res, 422, 'invalid_field', 'a signature field with page, x, y, width, height is required');
    const envelope: Envelope = {
      id: `env_${randomBytes(8).toString('hex')}`,
      externalId,
      documentId,
      status: 'draft',
      signer: s,
      field: f,
      token: randomBytes(16).toString('hex'),
    };
    envelopes.set(envelope.id, envelope);
    ok(res, view(envelope), 201);
  });
  const find = (req: Request, res: Response) => {
    const e = envelopes.get(String(req.params.id));
    if (!e) fail(res, 404, 'not_found', 'Envelope not found');
    return e;
  };
  api.post('/envelopes/:id/send', (req, res) => {
    const e = find(req, res);
    if (!e) return;
    if (e.status === 'draft') e.status = 'sent';
    ok(res, view(e));
  });
  api.get('/envelopes/:id', (req, res) => {
    const e = find(req, res);
    if (e) ok(res, view(e));
  });
  api.post('/envelopes/:id/void', (req, res) => {
    const e = find(req, res);
    if (!e) return;
    e.status = 'voided';
    fire(e, 'envelope.voided');
    ok(res, view(e));
  });
  api.get('/envelopes/:id/documents/signed', (req, res) => {
    const e = find(req, res);
    if (!e) return;
    if (e.status !== 'completed') return fail(res, 409, 'not_completed', 'The envelope is not completed');
    res.type('application/pdf').send(Buffer.from(documents.get(e.documentId)!.pdf));
  });
  app.use('/v1', api);

  function decline(e: Envelope, reason: string): void {
    e.status = 'declined';
    e.declineReason = reason;
    fire(e, 'envelope.declined');
  }
  signingPage(app, '/sign', 'SpaceSign', {
    find: (token) => [...envelopes.values()].find((e) => e.token === token),
    describe: (e) => `${e.signer.name} (${e.signer.role})`,
    sign,
    decline,
  });

  const server = await serve(app);
  base = server.base;
  const must = (envelopeId: string) => {
    const e = envelopes.get(envelopeId);
    if (!e) throw new Error(`No envelope ${envelopeId}`);
    return e;
  };
  return {
    url: base,
    apiUrl: `${base}/v1`,
    caPem: signer.caPem,
    webhooks,
    setWebhookUrl: (url) => (webhookUrl = url),
    rateLimitNext: (n) => (stats.rateLimitNext = n),
    get rateLimited() {
      return stats.rateLimited;
    },
    get rejectedKeys() {
      return stats.rejectedKeys;
    },
    envelopes: () => [...envelopes.values()].map((e) => ({ id: e.id, status: e.status, field: e.field, signer: e.signer })),
    signAs: async (envelopeId) => sign(must(envelopeId)),
    decline: async (envelopeId, reason) => decline(must(envelopeId), reason),
    expire: async (envelopeId) => {
      const e = must(envelopeId);
      e.status = 'expired';
      fire(e, 'envelope.expired');
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
  };
}
