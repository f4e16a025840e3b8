import { Router } from 'express';
import { requireEngine } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { DomainError } from '../errors.js';
import { requireId } from '../util/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import { WEBHOOK_EVENT_TYPES } from '../proof/changes.js';
import { validator } from '../validation/ajv.js';
import { type UrlPolicy, WebhookUrlError, checkWebhookUrl } from '../webhooks/allow-list.js';
import type { WebhookStore } from '../webhooks/store.js';

const validateSubscription = validator<{ url: string; events: string[]; digest?: boolean }>({
  type: 'object',
  additionalProperties: false,
  required: ['url', 'events'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048 },
    events: { type: 'array', minItems: 1, maxItems: 32, uniqueItems: true, items: { type: 'string', enum: ['*', ...WEBHOOK_EVENT_TYPES] } },
    digest: { type: 'boolean' },
  },
});

/** Engine-only management of outgoing webhooks: subscriptions, the delivery log, manual redelivery. */
export function webhookRoutes(options: { store: WebhookStore; policy: UrlPolicy; kick: () => void }): Router {
  const router = Router();
  const { store } = options;

  router.post('/webhooks', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const body = validateSubscription(req.body);
    let url: URL;
    try {
      url = checkWebhookUrl(body.url, options.policy);
    } catch (error) {
      if (error instanceof WebhookUrlError)
        throw new DomainError('WEBHOOK_URL_NOT_ALLOWED', `The webhook URL ${error.message}.`, [{ path: '$.url', message: error.message }]);
      throw error;
    }
    // The secret is shown once, here; later reads never include it.
    res.json(success([await store.subscribe({ url: url.href, events: body.events, digest: body.digest ?? false })]));
  });

  router.get('/webhooks', async (req, res) => {
    requireEngine(stateOf(req).principal);
    res.json(success(await store.subscriptions()));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'webhook');
    if (!(await store.unsubscribe(id))) throw new DomainError('WEBHOOK_NOT_FOUND', `No webhook subscription ${id}.`);
    res.json(success([]));
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'webhook');
    const limit = Math.min(500, Math.max(1, Number(req.query.limit) || 100));
    res.json(success(await store.deliveries({ subscriptionId: id, limit })));
  });

  router.post('/webhooks/deliveries/:id/redeliver', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'delivery');
    if (!(await store.redeliver(id))) throw new DomainError('DELIVERY_NOT_FOUND', `No webhook delivery ${id}.`);
    options.kick();
    res.json(success([]));
  });

  return router;
}
