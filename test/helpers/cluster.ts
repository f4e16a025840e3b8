import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createTestDatabase, SHARED_SECRETS, type TestDatabase } from './postgres.js';
import { type TestService, startTestService } from './service.js';

export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestCluster {
  database: TestDatabase;
  prefix: string;
  /** Environment every instance of this cluster shares (database, Redis, secrets). */
  env: Record<string, string>;
  instances: TestService[];
  start(name: string, env?: Record<string, string>): Promise<TestService>;
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
  const prefix = `sigtest:${randomBytes(4).toString('hex')}:`;
  const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, ...SHARED_SECRETS, ...shared };
  const instances: TestService[] = [];
  return {
    database,
    prefix,
    env,
    instances,
    async start(name, extra = {}) {
      const service = await startTestService({ ...env, INSTANCE_ID: name, ...extra });
      instances.push(service);
      return service;
    },
    async stop() {
      await Promise.all(instances.splice(0).map((service) => service.stop().catch(() => undefined)));
      await database.drop();
      await dropRedisPrefix(redisUrl, prefix).catch(() => undefined);
    },
  };
}
