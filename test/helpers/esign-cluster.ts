import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EsignSandbox } from '../../src/sandboxes/esign/index.js';

/** The e签宝 sandbox's project, shared by the sandbox and every instance that talks to it. */
export const ESIGN_TEST_PROJECT = { id: 'sandbox-project-scale', secret: 'sandbox-secret-scale-0123456789' };

/** Environment for API instances using the sandbox: its API, the project, its CA as a trust anchor, no background reconciliation. */
export function esignSandboxEnv(sandbox: EsignSandbox, project = ESIGN_TEST_PROJECT): Record<string, string> {
  const anchors = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'anchors-')), 'sandbox-ca.pem');
  fs.writeFileSync(anchors, sandbox.caPem);
  return {
    ESIGN_BASE_URL: sandbox.apiBase,
    ESIGN_PROJECT_ID: project.id,
    ESIGN_PROJECT_SECRET: project.secret,
    TRUST_ANCHORS: anchors,
    RECONCILE_INTERVAL_MS: '3600000',
  };
}
