import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type Balancer, startBalancer } from './balancer.js';
import { createTestDatabase, SHARED_SECRETS, type TestDatabase } from './postgres.js';
import { type ChildService, startChildService } from './child.js';
import { ENGINE_KEY, type ServiceClient, serviceClient, type TestService, startTestService, tempDataDir } from './service.js';

export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestCluster {
  database: TestDatabase;
  /** The load balancer every instance's PUBLIC_URL names (file uris in Signatures point at it). */
  balancer: Balancer;
  prefix: string;
  /** Environment every instance of this cluster shares (database, Redis, secrets). */
  env: Record<string, string>;
  instances: TestService[];
  start(name: string, env?: Record<string, string>): Promise<TestService>;
  /** An instance as its own process (`src/main.ts`), for kill -9. */
  startChild(name: string, env?: Record<string, string>): Promise<ChildService & ServiceClient>;
  stop(): Promise<void>;
}

/** Deletes every Redis key under a prefix (tests use their own prefix and clean up after themselves). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Several in-process API instances sharing one fresh PostgreSQL database and one Redis prefix. */
export async function startTestCluster(shared: Record<string, string> = {}, redisUrl = REDIS_TEST_URL): Promise<TestCluster> {
  const database = await createTestDatabase();
  const balancer = await startBalancer();
  const prefix = `sigtest:${randomBytes(4).toString('hex')}:`;
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    PUBLIC_URL: balancer.url,
    ...SHARED_SECRETS,
    ...shared,
  };
  const instances: TestService[] = [];
  const children: ChildService[] = [];
  return {
    database,
    balancer,
    prefix,
    env,
    instances,
    async start(name, extra = {}) {
      const service = await startTestService({ ...env, INSTANCE_ID: name, ...extra });
      instances.push(service);
      balancer.backends.push(service.url);
      return service;
    },
    async startChild(name, extra = {}) {
      const child = await startChildService(
        { ...env, INSTANCE_ID: name, ENGINE_KEYS: ENGINE_KEY, DATA_DIR: tempDataDir(), LOG_LEVEL: 'warn', ...extra },
        120_000,
      );
      children.push(child);
      balancer.backends.push(child.url);
      return { ...child, ...serviceClient(child.url) };
    },
    async stop() {
      for (const child of children.splice(0))
        if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await Promise.all(instances.splice(0).map((service) => service.stop().catch(() => undefined)));
      await balancer.close();
      await database.drop();
      await dropRedisPrefix(redisUrl, prefix).catch(() => undefined);
    },
  };
}

export interface ChildWorker {
  process: import('node:child_process').ChildProcess;
  dataDir: string;
  output(): string;
  exited: Promise<number | null>;
  /** After a SIGKILL: ends the LibreOffice processes the dead worker left (found by its own data dir). */
  killOrphans(): void;
}

/** Starts a converter worker (`src/worker.ts`, as `npm run worker` does) and waits until it takes jobs. */
export async function startChildWorker(env: Record<string, string>, timeoutMs = 180_000): Promise<ChildWorker> {
  const { spawn, spawnSync } = await import('node:child_process');
  const { REPO_ROOT } = await import('./child.js');
  const { tempDataDir } = await import('./service.js');
  const dataDir = tempDataDir('sigworker-');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', OFFICE_WORKERS: '1', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    // A child that did not start in time is killed here: the caller never gets it to clean up.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start in time:\n${output}`));
    }, timeoutMs);
    const check = () => {
      if (/converter worker .* ready/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${output}`));
    });
  });
  const killOrphans = () => {
    const found = spawnSync('pgrep', ['-f', `${dataDir}/`], { encoding: 'utf8' }).stdout;
    for (const pid of found
      .split('\n')
      .map(Number)
      .filter((n) => n > 0 && n !== process.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  return { process: child, dataDir, output: () => output, exited, killOrphans };
}
