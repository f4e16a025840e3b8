import { Router } from 'express';
import { pingDb, type Db } from '../store/db.js';
import { DomainError } from '../errors.js';
import { success } from './envelope.js';

export interface ReadinessProbes {
  db: Db;
  instanceId: string;
  /** Set once the instance drains (SIGTERM): a load balancer stops sending it traffic. */
  draining: () => boolean;
  redis?: { ping(): Promise<void> } | null;
  /** The durable conversion queue, when conversions run on converter workers. */
  queue?: { waiting(): Promise<number>; workersSeen(): Promise<string[]> } | null;
  /** Sockets this instance serves (informational). */
  connections?: () => number;
}

interface Check {
  ok: boolean;
  /** A failing required check makes the instance unready; the others are reported only. */
  required: boolean;
  detail?: string;
  [key: string]: unknown;
}

const PROBE_TIMEOUT_MS = 1500;

/** A probe that does not answer in time fails (a client waiting out a reconnect must not hang the check). */
function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function probe(required: boolean, work: () => Promise<Record<string, unknown> | void>): Promise<Check> {
  try {
    return { ok: true, required, ...((await withinTimeout(work())) ?? {}) };
  } catch (error) {
    return { ok: false, required, detail: (error as Error).message };
  }
}

/**
 * `GET /readyz` for a load balancer: 200 while this instance can serve (database and, when
 * configured, Redis answer, and it is not draining); 503 otherwise. Also reports the conversion
 * queue's depth and the converter workers seen recently (informational: stamping needs none).
 */
export function readinessRoutes(probes: ReadinessProbes): Router {
  const router = Router();
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, Check> = {};
    checks.draining = { ok: !probes.draining(), required: true };
    checks.database = await probe(true, () => pingDb(probes.db));
    if (probes.redis) checks.redis = await probe(true, () => probes.redis!.ping());
    if (probes.queue) {
      checks.queue = await probe(false, async () => ({ waiting: await probes.queue!.waiting() }));
      const seen = await withinTimeout(probes.queue.workersSeen()).catch(() => [] as string[]);
      checks.converters = { ok: seen.length > 0, required: false, seen };
    }
    const ready = Object.values(checks).every((check) => check.ok || !check.required);
    const entity = { status: ready ? 'ready' : 'unready', instance: probes.instanceId, connections: probes.connections?.() ?? 0, checks };
    if (ready) res.json(success([entity]));
    else throw new DomainError('NOT_READY', 'This instance is not ready to serve.', [entity]);
  });
  return router;
}
