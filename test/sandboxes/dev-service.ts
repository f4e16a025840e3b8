// The service composed with the local e签宝 sandbox as its `esign` provider, for development
// (`npm run dev:sandbox`) and tests (startTestService({ ESIGN_SANDBOX: 'true' })): the redirect flow
// end to end without an e签宝 contract. The sandbox's CA is trusted; it starts empty every time.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { DEMO_USERS } from '../../src/seals/demo.js';
import type { SealRegistry } from '../../src/seals/registry.js';
import { type RunningService, startService } from '../../src/service.js';
import type { ProviderAccountRepository } from '../../src/store/provider-flows.js';
import { type EsignSandbox, startEsignSandbox } from './esign/index.js';

export interface SandboxedService extends RunningService {
  esignSandbox: EsignSandbox;
}

export async function startServiceWithSandbox(
  env: NodeJS.ProcessEnv,
  logger?: Logger,
): Promise<{ config: Config; service: SandboxedService }> {
  const projectId = 'dev-sandbox-project';
  const projectSecret = randomBytes(24).toString('hex');
  const sandbox = await startEsignSandbox({ projectId, projectSecret });
  const anchorsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esign-sandbox-'));
  const cleanUp = async () => {
    await sandbox.close();
    fs.rmSync(anchorsDir, { recursive: true, force: true });
  };
  try {
    const anchors = path.join(anchorsDir, 'ca.pem');
    fs.writeFileSync(anchors, sandbox.caPem);
    const config = loadConfig({
      ...env,
      ESIGN_BASE_URL: sandbox.apiBase,
      ESIGN_PROJECT_ID: projectId,
      ESIGN_PROJECT_SECRET: projectSecret,
      ESIGN_FILE_ORIGINS: '',
      TRUST_ANCHORS: [env.TRUST_ANCHORS, anchors].filter(Boolean).join(','),
    });
    if (config.production) throw new Error('The e签宝 sandbox is for development only; unset NODE_ENV=production.');
    const log = logger ?? createLogger(config.logLevel);
    log.warn({ url: sandbox.url }, 'e签宝 SANDBOX in use: for development only');
    const service = await startService(config, log);
    const local = config.host === '0.0.0.0' || config.host === '::' ? `http://127.0.0.1:${service.port}` : service.url;
    sandbox.setCallbackUrl(`${local}/callbacks/esign`);
    // Account ids from an earlier run name accounts this fresh sandbox does not have.
    await service.providerAccounts.forgetExternalIds('esign');
    if (config.demoData && !(await service.registry.list()).some((seal) => seal.provider === 'esign'))
      await seedSandboxDemo(service.registry, service.providerAccounts, log);
    const close = async () => {
      await service.close();
      await cleanUp();
    };
    return { config, service: { ...service, esignSandbox: sandbox, close } };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** Identities for the demo users and e签宝-backed seals: 张三's hand-drawn signature and 示范大学's seal signed silently. */
async function seedSandboxDemo(registry: SealRegistry, accounts: ProviderAccountRepository, log: Logger): Promise<void> {
  for (const [i, user] of DEMO_USERS.entries()) {
    await accounts.put('esign', user.account, {
      name: user.name,
      idNo: `11010119900101${String(1000 + i)}`,
      idType: 19,
      ...(user.account === 'zhaoliu' ? { organization: { name: '示范大学', idNo: '12100000400000000X', idType: 11 } } : {}),
    });
  }
  await registry.create({
    name: '张三手写签名（e签宝）',
    type: '手写',
    owner: '张三',
    ownerKind: 'person',
    holders: ['zhangsan'],
    provider: 'esign',
  });
  await registry.create({
    name: '示范大学电子公章（e签宝自动签署）',
    type: '公章',
    owner: '示范大学',
    ownerKind: 'organization',
    holders: ['zhaoliu'],
    provider: 'esign',
    providerOptions: { autoSign: true },
  });
  log.info('e签宝 sandbox demo identities and seals created');
}
