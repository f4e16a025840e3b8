import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { REPO_ROOT } from '../helpers/child.js';
import { SHARED_SECRETS } from '../helpers/postgres.js';

const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return error instanceof ConfigError ? error.variable : String(error);
  }
  return 'accepted';
};

describe('configuration of several instances', () => {
  it('keeps the embedded defaults when nothing is set', () => {
    expect(loadConfig({}).scale).toMatchObject({
      databaseUrl: null,
      redisUrl: null,
      blobStore: 'local',
      redisPrefix: 'sigsvc:',
      convertAttempts: 3,
      drainTimeoutMs: 10_000,
    });
  });

  it('switches to PostgreSQL blobs with DATABASE_URL, and validates every new variable by name', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://u@db:5432/sig', REDIS_URL: 'redis://r:6379', INSTANCE_ID: 'api-1', ...SHARED_SECRETS }).scale,
    ).toMatchObject({ blobStore: 'postgres', instanceId: 'api-1' });
    expect(failure({ DATABASE_URL: 'mysql://db/sig', ...SHARED_SECRETS })).toBe('DATABASE_URL');
    expect(failure({ DATABASE_URL: 'postgres://db/sig' })).toBe('SEAL_MASTER_KEY');
    expect(failure({ DATABASE_URL: 'postgres://db/sig', SEAL_MASTER_KEY: SHARED_SECRETS.SEAL_MASTER_KEY })).toBe('TICKET_SECRET');
    expect(failure({ REDIS_URL: 'http://r:6379' })).toBe('REDIS_URL');
    expect(failure({ BLOB_STORE: 'postgres' })).toBe('BLOB_STORE');
    expect(failure({ BLOB_STORE: 's3' })).toBe('BLOB_STORE');
    expect(failure({ INSTANCE_ID: 'api 1' })).toBe('INSTANCE_ID');
    expect(failure({ REDIS_PREFIX: 'a b' })).toBe('REDIS_PREFIX');
    expect(failure({ CONVERT_ATTEMPTS: '0' })).toBe('CONVERT_ATTEMPTS');
    expect(failure({ DRAIN_TIMEOUT_MS: 'soon' })).toBe('DRAIN_TIMEOUT_MS');
  });

  it('npm run worker without REDIS_URL exits 78 naming it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, REDIS_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('Invalid configuration: REDIS_URL');
  });
});
