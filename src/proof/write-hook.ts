import type { Logger } from 'pino';
import type { AuditLog } from '../audit/log.js';
import type { SignatureWriteHook } from '../store/signatures.js';
import type { WebhookStore } from '../webhooks/store.js';
import { eventsOfChange } from './changes.js';

/**
 * Runs in the transaction of every Signature write: the audit entries of the change and the webhook
 * outbox rows commit together with it, or not at all. A failing audit append is logged and skipped
 * (it must never fail a stamp); the outbox is part of the change.
 */
export function proofWriteHook(audit: AuditLog, webhooks: WebhookStore, log: Logger): SignatureWriteHook {
  return async (trx, change) => {
    const id = change.after.id;
    const events = eventsOfChange(change.before, change.after, change.cause, change.version);
    for (const event of events) {
      try {
        await audit.appendIn(trx, id, { type: event.type, actor: event.actor, data: event.data });
      } catch (error) {
        log.error({ err: error, signatureId: id, type: event.type }, 'audit entry could not be appended');
      }
    }
    await webhooks.enqueueIn(
      trx,
      events.filter((event) => event.type !== 'signature.updated').map((event) => ({ type: event.type, signatureId: id, data: event.data })),
    );
  };
}
