import fs from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import { pingDb, type Db } from '../store/db.js';
import { DomainError } from '../errors.js';
import { success } from './envelope.js';

const MIN_FREE_BYTES = 100 * 1024 * 1024;

/** `GET /healthz`: the database answers, the data directory is writable and has room. */
export function healthRoutes(db: Db, dataDir: string): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const checks: Record<string, { ok: boolean; detail?: string; freeBytes?: number }> = {};
    try {
      await pingDb(db);
      checks.database = { ok: true };
    } catch (error) {
      checks.database = { ok: false, detail: (error as Error).message };
    }
    try {
      const probe = path.join(dataDir, `.health-${process.pid}`);
      await fs.writeFile(probe, 'ok');
      await fs.rm(probe);
      const stats = await fs.statfs(dataDir);
      const freeBytes = stats.bavail * stats.bsize;
      checks.disk = freeBytes >= MIN_FREE_BYTES ? { ok: true, freeBytes } : { ok: false, freeBytes, detail: 'less than 100 MiB free' };
    } catch (error) {
      checks.disk = { ok: false, detail: (error as Error).message };
    }
    const healthy = Object.values(checks).every((check) => check.ok);
    const entity = { status: healthy ? 'ok' : 'degraded', checks, uptimeSeconds: Math.round(process.uptime()) };
    if (healthy) res.json(success([entity]));
    else throw new DomainError('UNHEALTHY', 'The service is not healthy.', [entity]);
  });
  return router;
}
