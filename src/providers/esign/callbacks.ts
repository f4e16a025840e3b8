import { createHash } from 'node:crypto';
import { raw, Router } from 'express';
import type { Logger } from 'pino';
import { DomainError } from '../../errors.js';
import type { ProviderEvent } from '../../store/provider-flows.js';
import type { EventContext, ReceiveCallback } from '../module.js';
import { flowStatusOf } from './provider.js';
import { verifyEsignSignature } from './signature.js';

interface EsignCallback {
  action?: string;
  flowId?: string;
  accountId?: string;
  docId?: string;
  signTime?: string;
  signResult?: number | string;
  resultDescription?: string;
  flowStatus?: number | string;
  statusDescription?: string;
  endTime?: string;
}

/**
 * What identifies one callback across e签宝's retries (up to 6 identical deliveries): the action,
 * the flow, the signer and the result — so a repeat is recorded once and applied once.
 */
export function eventKeyOf(event: EsignCallback): string {
  const parts = [event.action, event.flowId, event.accountId ?? '', event.signResult ?? '', event.flowStatus ?? ''].map(String);
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

/** Turns a stored callback into a flow status change (undefined: nothing to do for us). */
export async function processEsignEvent(event: ProviderEvent, deps: Pick<EventContext, 'flows' | 'settle'>): Promise<string> {
  const body = JSON.parse(event.payload) as EsignCallback;
  if (!body.flowId) return 'ignored: no flowId';
  const flow = await deps.flows.byExternalId('esign', String(body.flowId));
  if (!flow) return 'ignored: unknown flow';
  if (body.action === 'SIGN_FLOW_UPDATE') {
    if (body.accountId && flow.providerRef.accountId && body.accountId !== flow.providerRef.accountId) return 'ignored: another signer';
    const signResult = Number(body.signResult);
    const status = flowStatusOf(
      1,
      signResult === 2 || signResult === 3 || signResult === 4 ? signResult : undefined,
      body.resultDescription,
    );
    await deps.settle(flow.id, status);
    return `update → ${status.state}`;
  }
  if (body.action === 'SIGN_FLOW_FINISH') {
    const status = flowStatusOf(Number(body.flowStatus), undefined, body.statusDescription);
    await deps.settle(flow.id, status);
    return `finish → ${status.state}`;
  }
  return `ignored: action ${String(body.action).slice(0, 40)}`;
}

/**
 * `POST /callbacks/esign`: checks the HMAC of the raw body (a bad or missing signature is 401 and
 * changes nothing), then hands the event to the inbox, which answers at once (e签宝 waits at most
 * 2 s) and applies it; a replayed event (same key) is acknowledged and ignored.
 */
export function esignCallbackRoutes(
  credentials: { projectId: string; projectSecret: string },
  receive: ReceiveCallback,
  log: Logger,
): Router {
  const router = Router();
  router.post('/callbacks/esign', raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const rawBody = (req as unknown as { rawBody?: Buffer }).rawBody;
    const body = rawBody ?? (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    const projectOk = req.get('x-timevale-project-id') === credentials.projectId;
    if (!projectOk || !verifyEsignSignature(credentials.projectSecret, body, req.get('x-timevale-signature'))) {
      log.warn({ project: projectOk }, 'e签宝 callback with a bad signature refused');
      throw new DomainError('CALLBACK_SIGNATURE_INVALID', 'The callback signature is missing or wrong.');
    }
    let parsed: EsignCallback;
    try {
      parsed = JSON.parse(body.toString('utf8')) as EsignCallback;
    } catch {
      throw new DomainError('MALFORMED_JSON', 'The callback body is not JSON.');
    }
    await receive(res, eventKeyOf(parsed), body.toString('utf8'));
  });
  return router;
}
