import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { success } from '../http/envelope.js';
import { CallbackInbox } from '../providers/callback-inbox.js';
import type { FlowStatus } from '../providers/provider.js';
import { FlowReconciler } from '../providers/reconciler.js';
import { PgAdvisoryLeadership, RECONCILER_LOCK, SoleLeadership } from '../scale/leadership.js';
import type { ProviderModules } from './providers.js';
import type { Seals } from './seals.js';
import type { Stamping } from './stamping.js';
import type { Storage } from './storage.js';

export type ProviderFlows = ReturnType<typeof composeProviderFlows>;

/** Provider flows: callbacks recorded once in the one inbox and applied once; the reconciler catches missed ones. */
export function composeProviderFlows(
  config: Config,
  logger: Logger,
  parts: { storage: Storage; modules: ProviderModules; seals: Seals; stamping: Stamping },
) {
  const { flows, providerEvents } = parts.storage;
  const { stamps, fileSigner } = parts.stamping;
  // A provider flow is either a v1 seal slot's or a v2 signFile's; the same callbacks and reconciliation settle both.
  const settle = async (flowId: string, status: FlowStatus) =>
    (await fileSigner.owns(flowId)) ? fileSigner.settleFlow(flowId, status) : stamps.settleFlow(flowId, status);
  const inbox = new CallbackInbox({
    events: providerEvents,
    apply: async (event) => {
      const built = parts.modules.parts.get(event.provider);
      return built?.callbacks ? built.callbacks.process(event, { flows, settle, provider: built.provider }) : 'ignored: unknown provider';
    },
    acknowledge: (res, duplicate) => void res.json(success([{ received: true, duplicate }])),
    log: logger,
  });
  const reconciler = new FlowReconciler({
    flows,
    providers: parts.seals.providers,
    settle,
    inbox,
    intervalMs: config.reconcileIntervalMs,
    staleAfterMs: config.reconcileAfterMs,
    log: logger,
    leadership: config.scale.databaseUrl
      ? new PgAdvisoryLeadership(config.scale.databaseUrl, RECONCILER_LOCK, logger)
      : new SoleLeadership(),
  });
  // Each module's callback routes hand what they accept to the inbox.
  const callbackRoutes = [...parts.modules.parts].flatMap(([name, built]) =>
    built.callbacks ? [built.callbacks.routes(inbox.receiverFor(name))] : [],
  );
  return { inbox, reconciler, callbackRoutes };
}
