import { createHmac } from 'node:crypto';
import { Router } from 'express';
import type { Logger } from 'pino';
import { DomainError } from '../../errors.js';
import type { ProviderEvent } from '../../store/provider-flows.js';
import { secretsEqual } from '../../util/constant-time.js';
import type { EventContext, ReceiveCallback } from '../module.js';
import { spaceSignStatusOf } from './provider.js';

/** Seconds a webhook's timestamp may differ from our clock. */
export const SPACESIGN_TOLERANCE_S = 300;

/**
 * `X-SpaceSign-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` — our
 * documented scheme (the guide names none): the timestamp is signed with the body, so a captured
 * webhook cannot be replayed outside the tolerance, and event ids are applied once inside it.
 */
export function spaceSignSignature(secret: string, timestamp: number, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export function verifySpaceSignWebhook(
  secret: string,
  header: string | undefined,
  body: Uint8Array,
  nowSeconds = Date.now() / 1000,
): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.trim().split('=') as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > SPACESIGN_TOLERANCE_S || !parts.v1) return false;
  return secretsEqual(parts.v1.toLowerCase(), spaceSignSignature(secret, timestamp, body));
}

interface SpaceSignEvent {
  id?: string;
  event?: string;
  data?: { envelopeId?: string; status?: string; reason?: string };
}

export async function processSpaceSignEvent(event: ProviderEvent, deps: Pick<EventContext, 'flows' | 'settle'>): Promise<string> {
  const body = JSON.parse(event.payload) as SpaceSignEvent;
  const envelopeId = body.data?.envelopeId;
  if (!envelopeId) return 'ignored: no envelope';
  const flow = await deps.flows.byExternalId('spacesign', String(envelopeId));
  if (!flow) return 'ignored: unknown envelope';
  const status = spaceSignStatusOf(body.data?.status ?? String(body.event ?? '').replace(/^envelope\./, ''), body.data?.reason);
  await deps.settle(flow.id, status);
  return `${body.event} → ${status.state}`;
}

export function spaceSignWebhookRoutes(secret: string, receive: ReceiveCallback, log: Logger): Router {
  const router = Router();
  router.post('/callbacks/spacesign', async (req, res) => {
    const raw = (req as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
    if (!verifySpaceSignWebhook(secret, req.get('x-spacesign-signature'), raw)) {
      log.warn('SpaceSign webhook with a bad or stale signature refused');
      throw new DomainError('CALLBACK_SIGNATURE_INVALID', 'The webhook signature is missing, wrong or outside the time tolerance.');
    }
    const body = req.body as SpaceSignEvent;
    await receive(res, body.id ? `id:${body.id}` : `${body.event}|${body.data?.envelopeId}`, raw.toString('utf8'));
  });
  return router;
}
