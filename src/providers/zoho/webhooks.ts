import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Logger } from 'pino';
import { success } from '../../http/envelope.js';
import { ApiError } from '../../http/errors.js';
import type { ProviderEvent, ProviderEventRepository, ProviderFlowRepository } from '../../store/provider-flows.js';
import type { FlowStatus, SealProvider } from '../provider.js';

export interface ZohoWebhookDeps {
  /** The unguessable path token (ZOHO_WEBHOOK_TOKEN). */
  token: string;
  events: ProviderEventRepository;
  flows: ProviderFlowRepository;
  provider: SealProvider;
  settle: (flowId: string, status: FlowStatus) => Promise<unknown>;
  log: Logger;
}

interface ZohoWebhook {
  requests?: { request_id?: string | number };
  notifications?: { operation_type?: string; performed_at?: number; action_id?: string | number };
}

/**
 * A Zoho webhook is only a hint (Zoho does not sign them): the flow's state is confirmed with
 * GET /requests/:id before anything changes, so a forged webhook can at most cause a poll.
 */
export async function processZohoEvent(event: ProviderEvent, deps: Pick<ZohoWebhookDeps, 'flows' | 'provider' | 'settle'>): Promise<string> {
  const body = JSON.parse(event.payload) as ZohoWebhook;
  const requestId = body.requests?.request_id;
  if (!requestId) return 'ignored: no request id';
  const flow = await deps.flows.byExternalId('zoho', String(requestId));
  if (!flow) return 'ignored: unknown request';
  if (!deps.provider.status) return 'ignored: no status';
  const status = await deps.provider.status(flow);
  await deps.settle(flow.id, status);
  return `${body.notifications?.operation_type ?? 'event'} → confirmed ${status.state}`;
}

export function zohoWebhookRoutes(deps: ZohoWebhookDeps): Router {
  const router = Router();
  router.post('/callbacks/zoho/:token', async (req, res) => {
    const given = Buffer.from(String(req.params.token));
    const expected = Buffer.from(deps.token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApiError(404, 'NOT_FOUND', 'Not found.');
    const body = (req.body ?? {}) as ZohoWebhook;
    const key = [body.requests?.request_id, body.notifications?.operation_type, body.notifications?.performed_at, body.notifications?.action_id].map(String).join('|');
    const event = await deps.events.record('zoho', key, JSON.stringify(body));
    res.json(success([{ received: true, duplicate: !event }]));
    if (!event) return;
    try {
      await deps.events.markProcessed(event.id, await processZohoEvent(event, deps));
    } catch (error) {
      deps.log.error({ err: error }, 'Zoho webhook could not be applied yet');
    }
  });
  return router;
}
