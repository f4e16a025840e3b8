import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { type RunningService, startService } from '../../src/service.js';
import { createTestDatabase, SHARED_SECRETS } from './postgres.js';
import type { EsignSandbox } from '../sandboxes/esign/index.js';
import { startServiceWithSandbox } from '../sandboxes/dev-service.js';

export const ENGINE_KEY = 'test-engine-key-0123456789abcdef';

export interface TestService extends RunningService {
  dataDir: string;
  /** With ESIGN_SANDBOX: 'true', the local e签宝 sandbox the service uses as its `esign` provider. */
  esignSandbox?: EsignSandbox;
  /** fetch against the service with the engine key unless `auth: false` or a header overrides it. */
  api(pathname: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  json<T = any>(pathname: string, init?: RequestInit & { auth?: boolean }): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export function tempDataDir(prefix = 'sigsvc-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The environment a test service starts with: ephemeral port, quiet, lazy one-worker LibreOffice pool. */
export function testServiceEnv(dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ENGINE_KEYS: ENGINE_KEY,
    LOG_LEVEL: 'silent',
    OFFICE_START: 'lazy',
    OFFICE_WORKERS: '1',
    ...env,
  };
}

/**
 * Starts the real service in this process on an ephemeral port with a fresh data directory;
 * `ESIGN_SANDBOX: 'true'` composes it with the local e签宝 sandbox (as `npm run dev:sandbox` does).
 */
export async function startTestService(env: Record<string, string> = {}, dataDir = tempDataDir()): Promise<TestService> {
  // TEST_DATABASE=postgres runs any test file against a fresh PostgreSQL database instead of SQLite.
  const database = process.env.TEST_DATABASE === 'postgres' && !env.DATABASE_URL ? await createTestDatabase() : null;
  const pgEnv: Record<string, string> = database ? { DATABASE_URL: database.url, ...SHARED_SECRETS } : {};
  const fullEnv = testServiceEnv(dataDir, { ...pgEnv, ...env });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const running: RunningService & { esignSandbox?: EsignSandbox } =
    env.ESIGN_SANDBOX === 'true'
      ? (await startServiceWithSandbox(fullEnv, logger)).service
      : await startService(loadConfig(fullEnv), logger);
  return {
    ...running,
    dataDir,
    ...serviceClient(running.url),
    async stop() {
      await running.close();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type ServiceClient = Pick<TestService, 'url' | 'api' | 'json'>;

/** `api` and `json` against a running service (in this process or a child) with the engine key by default. */
export function serviceClient(url: string): ServiceClient {
  const api = (pathname: string, init: RequestInit & { auth?: boolean } = {}) => {
    const headers = new Headers(init.headers);
    if (init.auth !== false && !headers.has('authorization')) headers.set('authorization', `Bearer ${ENGINE_KEY}`);
    return fetch(`${url}${pathname}`, { ...init, headers });
  };
  return {
    url,
    api,
    async json(pathname, init) {
      const response = await api(pathname, init);
      const text = await response.text();
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      return { status: response.status, body, headers: response.headers };
    },
  };
}

export function jsonInit(method: string, body: unknown, extra: RequestInit & { auth?: boolean } = {}): RequestInit & { auth?: boolean } {
  return {
    ...extra,
    method,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(extra.headers as Record<string, string>) },
  };
}

export async function uploadFile(
  service: Pick<TestService, 'json'>,
  bytes: Uint8Array,
  filename: string,
  extra: { auth?: boolean; headers?: Record<string, string> } = {},
) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), filename);
  return service.json('/file', { method: 'PUT', body: form, ...extra });
}

/** A ticket for `account` on one Signature (all scopes), from the engine. */
export async function ticketFor(service: Pick<TestService, 'json'>, id: string, account: string): Promise<string> {
  return (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account, name: account }))).body.entities[0].ticket as string;
}
