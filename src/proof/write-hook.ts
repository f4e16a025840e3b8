import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/log.js';
import type { SignatureWriteHook } from '../store/signatures.js';
import type { WebhookStore } from '../webhooks/store.js';
import { eventsOfChange } from './changes.js';

/**
 * Runs in the transaction of every Signature write: the audit entries of the change and the webhook
 * outbox rows commit together with it, or not at all. A failing audit append is rolled back to its
 * savepoint, logged and skipped (it must never fail a stamp); the outbox is part of the change.
 */
export function proofWriteHook(audit: AuditLog, webhooks: WebhookStore, log: Logger): SignatureWriteHook {
  return async (trx, change) => {
    const id = change.after.id;
    const events = eventsOfChange(change.before, change.after, change.cause, change.version);
    // A savepoint keeps a failed append from taking the change down with it (PostgreSQL aborts the
    // whole transaction on an error; SQLite would keep half of the entries).
    await sql`SAVEPOINT proof_audit`.execute(trx);
    try {
      await audit.appendAllIn(
        trx,
        id,
        events.map((event) => ({ type: event.type, actor: event.actor, data: event.data })),
      );
      await sql`RELEASE SAVEPOINT proof_audit`.execute(trx);
    } catch (error) {
      await sql`ROLLBACK TO SAVEPOINT proof_audit`.execute(trx);
      await sql`RELEASE SAVEPOINT proof_audit`.execute(trx);
      log.error({ err: error, signatureId: id, types: events.map((event) => event.type) }, 'audit entries could not be appended');
    }
    await webhooks.enqueueIn(
      trx,
      events
        .filter((event) => event.type !== 'signature.updated')
        .map((event) => ({ type: event.type, signatureId: id, data: event.data })),
    );
  };
}
