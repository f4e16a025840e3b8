import { Router } from 'express';
import { DomainError } from '../../errors.js';
import type { ProviderEvent } from '../../store/provider-flows.js';
import { secretsEqual } from '../../util/constant-time.js';
import type { EventContext, ReceiveCallback } from '../module.js';

interface ZohoWebhook {
  requests?: { request_id?: string | number };
  notifications?: { operation_type?: string; performed_at?: number; action_id?: string | number };
}

/**
 * A Zoho webhook is only a hint (Zoho does not sign them): the flow's state is confirmed with
 * GET /requests/:id before anything changes, so a forged webhook can at most cause a poll.
 */
export async function processZohoEvent(event: ProviderEvent, deps: EventContext): Promise<string> {
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

/** `POST /callbacks/zoho/:token`: the unguessable path token (ZOHO_WEBHOOK_TOKEN) is the only secret; a wrong one is an unknown route. */
export function zohoWebhookRoutes(token: string, receive: ReceiveCallback): Router {
  const router = Router();
  router.post('/callbacks/zoho/:token', async (req, res) => {
    if (!secretsEqual(String(req.params.token), token)) throw new DomainError('NOT_FOUND', 'Not found.');
    const body = (req.body ?? {}) as ZohoWebhook;
    const key = [
      body.requests?.request_id,
      body.notifications?.operation_type,
      body.notifications?.performed_at,
      body.notifications?.action_id,
    ]
      .map(String)
      .join('|');
    await receive(res, key, JSON.stringify(body));
  });
  return router;
}
