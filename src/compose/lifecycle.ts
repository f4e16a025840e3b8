import type { Config } from '../config/index.js';
import { CLOSE_SERVICE_RESTART } from '../push/hub.js';
import type { Resources } from './resources.js';
import type { BoundServer } from './server.js';
import type { EngineSide } from './signatures.js';
import type { ProviderFlows } from './flows.js';
import type { Stamping } from './stamping.js';

export interface Lifecycle {
  /** True from the moment close() is called: /readyz turns 503 so a load balancer stops sending traffic. */
  draining(): boolean;
  /** Starts the background jobs (reconciliation, the batch sweeper, webhook delivery, archive renewal). */
  start(): void;
  /** Drains (once, however often it is called), then closes everything starting opened. */
  close(): Promise<void>;
}

/** The background jobs, and the drain: no new connections, in-flight requests finish, then everything closes. */
export function composeLifecycle(
  config: Config,
  parts: { bound: BoundServer; engineSide: EngineSide; stamping: Stamping; flows: ProviderFlows; resources: Resources },
): Lifecycle {
  const { server } = parts.bound;
  const { hub, webhooks } = parts.engineSide;
  const { batches, archives } = parts.stamping;
  const { reconciler } = parts.flows;
  let draining = false;
  let closing: Promise<void> | null = null;
  return {
    draining: () => draining,
    start() {
      reconciler.start();
      batches.startSweeper();
      webhooks.start();
      archives?.start();
    },
    close: () =>
      (closing ??= (async () => {
        // Drain: /readyz says so, no new connections, in-flight requests (stamps) finish, and live-push
        // sockets close with 1012 (service restart) so controls reconnect — to another instance.
        draining = true;
        await webhooks.stop();
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        hub.close(CLOSE_SERVICE_RESTART, 'instance draining; reconnect');
        await reconciler.stop();
        await batches.stop();
        await archives?.stop();
        // Keep-alive connections become idle as their last request finishes; close them as they do.
        const reaper = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), config.scale.drainTimeoutMs);
        await drained;
        clearInterval(reaper);
        clearTimeout(timer);
        await parts.resources.closeAll();
      })()),
  };
}
