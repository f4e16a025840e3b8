import type { Logger } from 'pino';
import type { ProviderFlowRepository } from '../store/provider-flows.js';
import type { FlowStatus, SealProvider } from './provider.js';

export interface ReconcilerOptions {
  flows: ProviderFlowRepository;
  providers: Map<string, SealProvider>;
  settle: (flowId: string, status: FlowStatus) => Promise<unknown>;
  /** Re-applies callbacks that were stored but not applied (the callback inbox). */
  inbox: { applyPending(): Promise<void> };
  /** How often to look for flows that stalled. */
  intervalMs: number;
  /** A flow with no news for this long is polled at its provider. */
  staleAfterMs: number;
  log: Logger;
  /** With several instances, only the leader reconciles (see scale/leadership.ts); default: always. */
  leadership?: { acquire(): Promise<'gained' | 'held' | 'no'>; release(): Promise<void> };
}

/**
 * Finds flows whose callback never came: every `intervalMs`, open flows without news for
 * `staleAfterMs` are polled at their provider and settled. At start it first re-applies callbacks
 * that were stored but not applied (a crash between acknowledging and applying), so a restart in
 * the middle of a flow resumes it.
 */
export class FlowReconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /** One scheduled pass, if this instance leads; a new leader first re-applies stored callbacks. */
  private async tick(): Promise<void> {
    const lead = this.options.leadership ? await this.options.leadership.acquire() : this.startedOnce ? 'held' : 'gained';
    this.startedOnce = true;
    if (lead === 'no') return;
    await this.runOnce(lead === 'gained');
  }

  private startedOnce = false;

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.options.leadership?.release();
  }

  /** One pass (also used by tests and the admin route). */
  runOnce(includeEvents = false): Promise<void> {
    this.running ??= this.pass(includeEvents).finally(() => (this.running = null));
    return this.running;
  }

  private async pass(includeEvents: boolean): Promise<void> {
    const { flows, providers, log } = this.options;
    if (includeEvents) await this.options.inbox.applyPending();
    for (const flow of await flows.stale(Date.now() - this.options.staleAfterMs)) {
      const provider = providers.get(flow.provider);
      try {
        if (!flow.externalId) {
          // Crashed between opening the flow and the provider's answer: nothing was started there that we know of.
          await this.options.settle(flow.id, { state: 'failed', reason: 'The signing could not be started; please try again.' });
          continue;
        }
        if (!provider?.status) continue;
        const status = await provider.status(flow);
        await this.options.settle(flow.id, status);
        if (status.state !== 'pending')
          log.info({ flowId: flow.id, provider: flow.provider, state: status.state }, 'flow settled by reconciliation');
      } catch (error) {
        log.warn({ err: error, flowId: flow.id, provider: flow.provider }, 'reconciliation could not poll a flow');
        await flows.touch(flow.id);
      }
    }
  }
}
