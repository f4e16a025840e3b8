import { createHash } from 'node:crypto';
import { raw, Router } from 'express';
import type { Logger } from 'pino';
import { ApiError } from '../../http/errors.js';
import { success } from '../../http/envelope.js';
import type { ProviderEvent, ProviderEventRepository, ProviderFlowRepository } from '../../store/provider-flows.js';
import type { FlowStatus } from '../provider.js';
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

export interface EsignCallbackDeps {
  projectId: string;
  projectSecret: string;
  events: ProviderEventRepository;
  flows: ProviderFlowRepository;
  settle: (flowId: string, status: FlowStatus) => Promise<unknown>;
  log: Logger;
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
export async function processEsignEvent(event: ProviderEvent, deps: Pick<EsignCallbackDeps, 'flows' | 'settle'>): Promise<string> {
  const body = JSON.parse(event.payload) as EsignCallback;
  if (!body.flowId) return 'ignored: no flowId';
  const flow = await deps.flows.byExternalId('esign', String(body.flowId));
  if (!flow) return 'ignored: unknown flow';
  if (body.action === 'SIGN_FLOW_UPDATE') {
    if (body.accountId && flow.providerRef.accountId && body.accountId !== flow.providerRef.accountId) return 'ignored: another signer';
    const signResult = Number(body.signResult);
    const status = flowStatusOf(1, signResult === 2 || signResult === 3 || signResult === 4 ? signResult : undefined, body.resultDescription);
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
 * changes nothing), stores the event, answers at once (e签宝 waits at most 2 s), then applies it.
 * A replayed event (same key) is acknowledged and ignored.
 */
export function esignCallbackRoutes(deps: EsignCallbackDeps): Router {
  const router = Router();
  router.post('/callbacks/esign', raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const rawBody = (req as unknown as { rawBody?: Buffer }).rawBody;
    const body = rawBody ?? (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    const projectOk = req.get('x-timevale-project-id') === deps.projectId;
    if (!projectOk || !verifyEsignSignature(deps.projectSecret, body, req.get('x-timevale-signature'))) {
      deps.log.warn({ project: projectOk }, 'e签宝 callback with a bad signature refused');
      throw new ApiError(401, 'CALLBACK_SIGNATURE_INVALID', 'The callback signature is missing or wrong.');
    }
    let parsed: EsignCallback;
    try {
      parsed = JSON.parse(body.toString('utf8')) as EsignCallback;
    } catch {
      throw new ApiError(400, 'MALFORMED_JSON', 'The callback body is not JSON.');
    }
    const event = await deps.events.record('esign', eventKeyOf(parsed), body.toString('utf8'));
    res.json(success([{ received: true, duplicate: !event }]));
    if (!event) return;
    try {
      const outcome = await processEsignEvent(event, deps);
      await deps.events.markProcessed(event.id, outcome);
      deps.log.info({ action: parsed.action, flowId: parsed.flowId, outcome }, 'e签宝 callback applied');
    } catch (error) {
      // Left unprocessed: the reconciliation job (or the next start) retries it.
      deps.log.error({ err: error, flowId: parsed.flowId }, 'e签宝 callback could not be applied yet');
    }
  });
  return router;
}
