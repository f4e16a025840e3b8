// e签宝's callbacks (spec 4.10): HMAC-signed POSTs; each one's first attempts go out in order, a
// failed attempt is retried (at most 6 in all, each waited for at most 2 s). Tests can make them
// repeat, wait, disappear or carry a wrong signature.
import { hmac, type Json, type SandboxContext } from './state.js';

/** Callback behaviour for the next callbacks until changed. */
export interface CallbackBehaviour {
  /** How many times each callback is sent (same bytes each time); default 1. */
  repeat: number;
  /** Wait before the first attempt; default 0. */
  delayMs: number;
  /** Callbacks are not sent at all. */
  drop: boolean;
  /** The X-timevale-signature header is wrong. */
  badSignature: boolean;
}

const CALLBACK_TIMEOUT_MS = 2000;
const CALLBACK_ATTEMPTS = 6;

export class CallbackSender {
  readonly behaviour: CallbackBehaviour = { repeat: 1, delayMs: 0, drop: false, badSignature: false };
  url: string;
  private deliveries: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly retryIntervalMs: number,
    url = '',
  ) {
    this.url = url;
  }

  send(payload: Json): void {
    const { ctx, behaviour } = this;
    if (behaviour.drop || !this.url || ctx.timers.closed) return;
    const url = this.url;
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const signature = behaviour.badSignature ? hmac(ctx.secret, Buffer.concat([body, Buffer.from(' ')])) : hmac(ctx.secret, body);
    const headers = {
      'Content-Type': 'application/json',
      'X-timevale-project-id': ctx.projectId,
      'X-timevale-signature': signature,
      'X-timevale-signature-algorithm': 'hmac-sha256',
    };
    const attempt = async (n: number): Promise<void> => {
      if (ctx.timers.closed) return;
      const controller = new AbortController();
      this.inFlight.add(controller);
      let delivered = false;
      try {
        const response = await fetch(url, {
          method: 'POST',
          body,
          headers,
          redirect: 'manual',
          signal: AbortSignal.any([controller.signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
        });
        await response.arrayBuffer().catch(() => undefined);
        delivered = response.status >= 200 && response.status < 400;
      } catch {
        // not delivered
      } finally {
        this.inFlight.delete(controller);
      }
      if (!delivered && n < CALLBACK_ATTEMPTS) ctx.timers.later(this.retryIntervalMs, () => void attempt(n + 1));
    };
    const { repeat, delayMs } = behaviour;
    for (let i = 0; i < Math.max(0, Math.floor(repeat)); i++) {
      ctx.timers.later(delayMs, () => {
        this.deliveries = this.deliveries.then(() => attempt(1));
      });
    }
  }

  abortAll(): void {
    for (const controller of this.inFlight) controller.abort();
  }
}
