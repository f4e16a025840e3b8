import { randomBytes, randomUUID } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey } from '../pki/index.js';
import type { Db } from '../store/db.js';

export interface Subscription {
  id: string;
  url: string;
  events: string[];
  /** Also sign with the InfoPlus Digest scheme (Authorization: Digest …) besides the HMAC header. */
  digest: boolean;
  active: boolean;
  createTime: number;
}

export interface OutboxEvent {
  id: string;
  type: string;
  signatureId: string;
  payload: Record<string, unknown>;
  createTime: number;
}

export interface Delivery {
  id: string;
  eventId: string;
  subscriptionId: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptTime: number;
  lastStatus: number | null;
  lastError: string;
  createTime: number;
  deliveredTime: number | null;
}

export interface Attempt {
  attempt: number;
  time: number;
  status: number | null;
  error: string;
  durationMs: number;
}

const subscriptionOf = (row: {
  id: string;
  url: string;
  events: string;
  digest: number;
  active: number;
  create_time: number;
}): Subscription => ({
  id: row.id,
  url: row.url,
  events: JSON.parse(row.events) as string[],
  digest: Boolean(row.digest),
  active: Boolean(row.active),
  createTime: Number(row.create_time),
});

const deliveryOf = (row: Record<string, unknown>): Delivery => ({
  id: String(row.id),
  eventId: String(row.event_id),
  subscriptionId: String(row.subscription_id),
  state: row.state as Delivery['state'],
  attempts: Number(row.attempts),
  nextAttemptTime: Number(row.next_attempt_time),
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: String(row.last_error),
  createTime: Number(row.create_time),
  deliveredTime: row.delivered_time === null ? null : Number(row.delivered_time),
});

/**
 * Subscriptions, the outbox of events and their deliveries, in the service's database. Subscriber
 * secrets are stored encrypted with the master key (AES-256-GCM), like seal keys.
 */
export class WebhookStore {
  constructor(
    private readonly db: Db,
    private readonly masterKey: Buffer,
  ) {}

  async subscribe(input: { url: string; events: string[]; digest: boolean }): Promise<Subscription & { secret: string }> {
    const secret = randomBytes(32).toString('base64url');
    const id = randomUUID();
    const row = {
      id,
      url: input.url,
      events: JSON.stringify(input.events),
      secret: encryptPrivateKey(secret, this.masterKey, `webhook:${id}`),
      digest: input.digest ? 1 : 0,
      active: 1,
      create_time: Date.now(),
    };
    await this.db.insertInto('webhook_subscriptions').values(row).execute();
    return { ...subscriptionOf(row), secret };
  }

  async subscriptions(): Promise<Subscription[]> {
    return (await this.db.selectFrom('webhook_subscriptions').selectAll().orderBy('create_time').execute()).map(subscriptionOf);
  }

  async subscription(id: string): Promise<(Subscription & { secret: string }) | undefined> {
    const row = await this.db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...subscriptionOf(row), secret: decryptPrivateKey(row.secret, this.masterKey, `webhook:${row.id}`) } : undefined;
  }

  async unsubscribe(id: string): Promise<boolean> {
    const result = await this.db.updateTable('webhook_subscriptions').set({ active: 0 }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Writes events and one pending delivery per interested subscriber, inside the caller's transaction. */
  async enqueueIn(trx: Db, events: Array<{ type: string; signatureId: string; data: Record<string, unknown> }>): Promise<number> {
    if (events.length === 0) return 0;
    const subscribers = (await trx.selectFrom('webhook_subscriptions').selectAll().where('active', '=', 1).execute()).map(subscriptionOf);
    const now = Date.now();
    let queued = 0;
    for (const event of events) {
      const id = randomUUID();
      const payload = { id, type: event.type, createdAt: new Date(now).toISOString(), signatureId: event.signatureId, data: event.data };
      await trx
        .insertInto('webhook_events')
        .values({ id, type: event.type, signature_id: event.signatureId, payload: JSON.stringify(payload), create_time: now })
        .execute();
      for (const subscriber of subscribers.filter((s) => s.events.includes(event.type) || s.events.includes('*'))) {
        await trx
          .insertInto('webhook_deliveries')
          .values({
            id: randomUUID(),
            event_id: id,
            subscription_id: subscriber.id,
            state: 'pending',
            attempts: 0,
            next_attempt_time: now,
            last_status: null,
            last_error: '',
            create_time: now,
            delivered_time: null,
          })
          .execute();
        queued++;
      }
    }
    return queued;
  }

  async due(now: number, limit: number): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('state', '=', 'pending')
      .where('next_attempt_time', '<=', now)
      .orderBy('next_attempt_time')
      .limit(limit)
      .execute();
    return rows.map(deliveryOf);
  }

  /**
   * Takes a due delivery for one attempt: its next attempt time moves to `until` only if nobody else
   * moved it first, so two dispatchers (several instances on one database) never send it together. A
   * dispatcher that dies mid-attempt leaves it due again at `until`.
   */
  async claim(delivery: Delivery, until: number): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_time: until })
      .where('id', '=', delivery.id)
      .where('state', '=', 'pending')
      .where('next_attempt_time', '=', delivery.nextAttemptTime)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async nextDueTime(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select('next_attempt_time')
      .where('state', '=', 'pending')
      .orderBy('next_attempt_time')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.next_attempt_time) : undefined;
  }

  async event(id: string): Promise<OutboxEvent | undefined> {
    const row = await this.db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
    return row
      ? {
          id: row.id,
          type: row.type,
          signatureId: row.signature_id,
          payload: JSON.parse(row.payload) as Record<string, unknown>,
          createTime: Number(row.create_time),
        }
      : undefined;
  }

  /** The exact body sent for an event (the stored JSON text, so every attempt sends the same bytes). */
  async eventBody(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('webhook_events').select('payload').where('id', '=', id).executeTakeFirst();
    return row?.payload;
  }

  /** Records one attempt and the delivery's new state together. */
  async recordAttempt(delivery: Delivery, attempt: Attempt, next: { state: Delivery['state']; nextAttemptTime: number }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: delivery.id,
          attempt: attempt.attempt,
          time: attempt.time,
          status: attempt.status,
          error: attempt.error.slice(0, 500),
          duration_ms: attempt.durationMs,
        })
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set({
          state: next.state,
          attempts: attempt.attempt,
          next_attempt_time: next.nextAttemptTime,
          last_status: attempt.status,
          last_error: attempt.error.slice(0, 500),
          delivered_time: next.state === 'delivered' ? attempt.time : null,
        })
        .where('id', '=', delivery.id)
        .execute();
    });
  }

  async deliveries(filter: {
    subscriptionId?: string;
    eventId?: string;
    limit: number;
  }): Promise<Array<Delivery & { eventType: string; attemptLog: Attempt[] }>> {
    let query = this.db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
      .selectAll('webhook_deliveries')
      .select('webhook_events.type as event_type')
      .orderBy('webhook_deliveries.create_time', 'desc')
      .limit(filter.limit);
    if (filter.subscriptionId) query = query.where('webhook_deliveries.subscription_id', '=', filter.subscriptionId);
    if (filter.eventId) query = query.where('webhook_deliveries.event_id', '=', filter.eventId);
    const rows = await query.execute();
    const result = [];
    for (const row of rows) {
      const attempts = await this.db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', '=', row.id)
        .orderBy('attempt')
        .execute();
      result.push({
        ...deliveryOf(row),
        eventType: row.event_type,
        attemptLog: attempts.map((a) => ({
          attempt: Number(a.attempt),
          time: Number(a.time),
          status: a.status === null ? null : Number(a.status),
          error: a.error,
          durationMs: Number(a.duration_ms),
        })),
      });
    }
    return result;
  }

  /** Manual redelivery: the delivery is due again now, whatever its state (the event id stays the same). */
  async redeliver(deliveryId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'pending', next_attempt_time: Date.now() })
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
