import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

type SandboxModule = typeof import('../../sandboxes/esign/index.js');
type Sandbox = Awaited<ReturnType<SandboxModule['startEsignSandbox']>>;

export interface DevEsignSandbox {
  sandbox: Sandbox;
  config: { baseUrl: string; projectId: string; projectSecret: string; fileOrigins: string[] };
  caPem: string;
  setCallbackUrl(url: string): void;
  close(): Promise<void>;
}

/**
 * ESIGN_SANDBOX=true (development only): runs the local e签宝 sandbox in this process and points
 * the e签宝 provider at it with a fresh project secret, so the redirect flow can be tried end to end
 * without an e签宝 contract. Its CA is trusted for verification.
 */
export async function startDevEsignSandbox(log: Logger): Promise<DevEsignSandbox> {
  const { startEsignSandbox } = await import('../../sandboxes/esign/index.js');
  const projectId = 'dev-sandbox-project';
  const projectSecret = randomBytes(24).toString('hex');
  const sandbox = await startEsignSandbox({ projectId, projectSecret });
  log.warn({ url: sandbox.url }, 'e签宝 SANDBOX in use (ESIGN_SANDBOX=true): for development only');
  return {
    sandbox,
    config: { baseUrl: sandbox.apiBase, projectId, projectSecret, fileOrigins: [] },
    caPem: sandbox.caPem,
    setCallbackUrl: (url) => sandbox.setCallbackUrl(url),
    close: () => sandbox.close(),
  };
}
