import type http from 'node:http';
import type { Logger } from 'pino';
import { composeExport } from './compose/export.js';
import { composeProviderFlows, type ProviderFlows } from './compose/flows.js';
import { composeHttp } from './compose/http.js';
import { composeLifecycle } from './compose/lifecycle.js';
import { composeProviderModules } from './compose/providers.js';
import { Resources } from './compose/resources.js';
import { composeSeals, type Seals } from './compose/seals.js';
import { bindServer } from './compose/server.js';
import { composeSignatures, type EngineSide } from './compose/signatures.js';
import { composeStamping, type Stamping } from './compose/stamping.js';
import { composeStorage, type Storage } from './compose/storage.js';
import { composeVerification, type Verification } from './compose/verification.js';
import type { Config } from './config/index.js';
import { createLogger } from './log.js';
import { collectGarbage } from './util/collect-garbage.js';

/** A started service: where it listens, the parts callers (launch.ts, tests, benches) use, and close(). */
export interface RunningService
  extends
    Pick<Storage['keys'], 'engineKeys' | 'devKeyGenerated'>,
    Pick<Storage, 'redis' | 'providerAccounts'>,
    Pick<EngineSide, 'signatures' | 'hub' | 'audit' | 'webhooks'>,
    Pick<Seals, 'registry' | 'authority'>,
    Pick<Verification, 'verifier'>,
    Pick<Stamping, 'stamps' | 'batches' | 'archives'>,
    Pick<ProviderFlows, 'reconciler'> {
  url: string;
  port: number;
  server: http.Server;
  logger: Logger;
  /** How the broker reaches the engine side: `in-process` (direct calls) or `http`. */
  engineTransport: 'in-process' | 'http';
  /** Stops accepting, finishes in-flight requests, closes sockets and the database. */
  close(): Promise<void>;
}

/** Test seam: a step awaited once everything is built, just before the app is attached (tests meet the starting port). */
export interface StartOptions {
  beforeAttach?: (bound: { url: string; port: number }) => Promise<void>;
}

/**
 * The composition root. The port is bound first, so the real public and engine URLs are plain values
 * of everything built; until the app is attached the port answers 503 NOT_READY (Retry-After). A start
 * that fails after binding closes what it opened, the port included, and rethrows.
 */
export async function startService(
  config: Config,
  baseLogger: Logger = createLogger(config.logLevel),
  options: StartOptions = {},
): Promise<RunningService> {
  const logger = baseLogger.child({ instance: config.scale.instanceId });
  const bound = await bindServer(config);
  const resources = new Resources();
  try {
    const storage = await composeStorage(config, logger, bound.publicUrl, resources);
    const engineSide = await composeSignatures(config, logger, storage);
    const modules = composeProviderModules(config, logger, storage, bound.publicUrl);
    const seals = await composeSeals(config, logger, storage, modules, bound.publicUrl);
    const verification = await composeVerification(config, logger, { authority: seals.authority, publicUrl: bound.publicUrl, resources });
    const stamping = await composeStamping(config, logger, { bound, storage, engineSide, seals, verification });
    const flows = composeProviderFlows(config, logger, { storage, modules, seals, stamping });
    const exports = await composeExport(config, logger, { storage, engineSide, resources });
    const lifecycle = composeLifecycle(config, { bound, engineSide, stamping, flows, resources });
    const app = await composeHttp(config, logger, { bound, storage, engineSide, seals, verification, stamping, flows, exports, lifecycle });
    await options.beforeAttach?.(bound);
    if (config.stamping.warmUp) collectGarbage();
    bound.attach(app, engineSide.hub);
    lifecycle.start();
    return {
      url: bound.url,
      port: bound.port,
      server: bound.server,
      logger,
      engineTransport: config.stamping.engineTransport,
      engineKeys: storage.keys.engineKeys,
      devKeyGenerated: storage.keys.devKeyGenerated,
      redis: storage.redis,
      providerAccounts: storage.providerAccounts,
      signatures: engineSide.signatures,
      hub: engineSide.hub,
      audit: engineSide.audit,
      webhooks: engineSide.webhooks,
      registry: seals.registry,
      authority: seals.authority,
      verifier: verification.verifier,
      stamps: stamping.stamps,
      batches: stamping.batches,
      archives: stamping.archives,
      reconciler: flows.reconciler,
      close: lifecycle.close,
    };
  } catch (error) {
    await Promise.allSettled([resources.closeAll(), bound.close()]);
    throw error;
  }
}
