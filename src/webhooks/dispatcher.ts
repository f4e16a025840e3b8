import http from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import dns from 'node:dns';
import type { Logger } from 'pino';
import { isInternalAddress, type UrlPolicy } from './allow-list.js';
import { SIGNATURE_HEADER, digestAuthorization, signatureHeader } from './signature.js';
import type { Delivery, WebhookStore } from './store.js';

export interface DispatcherOptions {
  store: WebhookStore;
  policy: UrlPolicy;
  /** First retry delay; doubled per attempt up to `maxDelayMs`, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retries stop once a delivery is this old (at least 24 h in production). */
  maxAgeMs: number;
  timeoutMs: number;
  concurrency: number;
  log: Logger;
}

/** How long after an attempt's deadline a claimed delivery is due again if its dispatcher died. */
const CLAIM_MARGIN_MS = 5_000;

/** Exponential backoff with "equal jitter": half the capped delay fixed, the other half random. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** A DNS lookup that refuses internal addresses, used for the connection itself (no rebinding window). */
function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses;
      const allowed = policy.allowInternal ? list : list.filter((entry) => !isInternalAddress(entry.address));
      if (allowed.length === 0)
        return callback(Object.assign(new Error(`${hostname} resolves to an internal address`), { code: 'EADDRNOTALLOWED' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  policy: UrlPolicy,
  timeoutMs: number,
  active: Set<http.ClientRequest>,
): Promise<number> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowInternal && (host === 'localhost' || (net.isIP(host) !== 0 && isInternalAddress(host)))) {
    return Promise.reject(new Error('the URL points at an internal address'));
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(policy),
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    active.add(request);
    request.on('close', () => active.delete(request));
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Sends due deliveries from the outbox: one POST per delivery with the stored body, signed with the
 * subscriber's secret; a 2xx marks it delivered, anything else schedules a retry with backoff until
 * the delivery is `maxAgeMs` old. Survives restarts: the outbox is the queue, so a delivery cut off
 * by a crash is simply sent again (receivers deduplicate by the event id).
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private again = false;
  private readonly inFlight = new Set<string>();
  private readonly requests = new Set<http.ClientRequest>();

  constructor(private readonly options: DispatcherOptions) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Looks at the outbox now (after a change was committed, or a manual redelivery). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.drain()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'webhook dispatch failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else void this.schedule();
      });
  }

  private async schedule(): Promise<void> {
    if (this.stopped) return;
    const next = await this.options.store.nextDueTime().catch(() => undefined);
    if (this.stopped || this.running) return;
    const delay = next === undefined ? 30_000 : Math.max(0, Math.min(30_000, next - Date.now()));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = (await this.options.store.due(Date.now(), 50)).filter((delivery) => !this.inFlight.has(delivery.id));
      if (due.length === 0 || this.stopped) return;
      const queue = [...due];
      const workers = Array.from({ length: Math.min(this.options.concurrency, queue.length) }, async () => {
        for (let delivery = queue.shift(); delivery && !this.stopped; delivery = queue.shift()) await this.attempt(delivery);
      });
      await Promise.all(workers);
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { store, policy } = this.options;
    this.inFlight.add(delivery.id);
    try {
      if (!(await store.claim(delivery, Date.now() + this.options.timeoutMs + CLAIM_MARGIN_MS))) return;
      const subscription = await store.subscription(delivery.subscriptionId);
      const body = await store.eventBody(delivery.eventId);
      const started = Date.now();
      const attempt = delivery.attempts + 1;
      if (!subscription || !subscription.active || body === undefined) {
        await store.recordAttempt(
          delivery,
          { attempt, time: started, status: null, error: 'subscription removed', durationMs: 0 },
          { state: 'failed', nextAttemptTime: started },
        );
        return;
      }
      const url = new URL(subscription.url);
      const event = JSON.parse(body) as { type: string };
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'infoplus-signature-webhooks/1',
        'x-infoplus-event': event.type,
        'x-infoplus-event-id': delivery.eventId,
        'x-infoplus-delivery': delivery.id,
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(subscription.secret, body, started),
      };
      if (subscription.digest) headers.authorization = digestAuthorization(subscription.secret, url, started);
      let status: number | null = null;
      let error = '';
      try {
        status = await post(url, body, headers, policy, this.options.timeoutMs, this.requests);
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      // Cut off by shutdown: nothing is recorded; the delivery is due again when its claim lapses.
      if (this.stopped && error) return;
      const now = Date.now();
      const record = { attempt, time: started, status, error, durationMs: now - started };
      if (!error) {
        await store.recordAttempt(delivery, record, { state: 'delivered', nextAttemptTime: now });
        return;
      }
      const expired = now - delivery.createTime >= this.options.maxAgeMs;
      const next = now + retryDelay(attempt, this.options.baseDelayMs, this.options.maxDelayMs);
      await store.recordAttempt(
        delivery,
        record,
        expired ? { state: 'failed', nextAttemptTime: now } : { state: 'pending', nextAttemptTime: next },
      );
      this.options.log.warn(
        { deliveryId: delivery.id, eventId: delivery.eventId, attempt, error, giveUp: expired },
        'webhook delivery failed',
      );
    } finally {
      this.inFlight.delete(delivery.id);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const request of this.requests) request.destroy(new Error('the service is stopping'));
    await this.running;
  }
}
