import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ProviderEvent, ProviderEventRepository } from '../store/provider-flows.js';
import type { ReceiveCallback } from './module.js';

export interface CallbackInboxOptions {
  events: ProviderEventRepository;
  /** Applies an event (its provider's processor); the answer is kept as its outcome. */
  apply(event: ProviderEvent): Promise<string>;
  /** Answers the provider once the event is stored (the response envelope is the HTTP layer's). */
  acknowledge(res: Response, duplicate: boolean): void;
  log: Logger;
}

/**
 * The one inbox for provider callbacks: record (a repeated delivery of the same event is recorded
 * once) → acknowledge at once (providers wait only seconds) → apply once → mark processed. An event
 * that cannot be applied yet stays unprocessed; `applyPending` (reconciliation, a restart) retries it.
 */
export class CallbackInbox {
  /** Events being applied in this process, so a replay does not apply one a second time meanwhile. */
  private readonly applying = new Set<string>();

  constructor(private readonly options: CallbackInboxOptions) {}

  receiverFor(provider: string): ReceiveCallback {
    return async (res, key, payload) => {
      const event = await this.options.events.record(provider, key, payload);
      this.options.acknowledge(res, !event);
      if (event) await this.apply(event);
    };
  }

  async applyPending(): Promise<void> {
    for (const event of await this.options.events.unprocessed()) await this.apply(event);
  }

  private async apply(event: ProviderEvent): Promise<void> {
    if (this.applying.has(event.id)) return;
    this.applying.add(event.id);
    const { log } = this.options;
    try {
      const outcome = await this.options.apply(event);
      await this.options.events.markProcessed(event.id, outcome);
      log.info({ provider: event.provider, event: event.id, outcome }, 'provider callback applied');
    } catch (error) {
      log.warn(
        { err: error, provider: event.provider, event: event.id },
        'provider callback cannot be applied yet; left for reconciliation',
      );
    } finally {
      this.applying.delete(event.id);
    }
  }
}
