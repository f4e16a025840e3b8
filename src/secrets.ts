import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from './store/durable-fs.js';

/** Secrets the service makes for itself when configuration leaves them unset (dev only). */
export interface LocalSecrets {
  ticketSecret: string;
  devEngineKey: string;
  /** base64 of 32 random bytes. */
  sealMasterKey: string;
}

/**
 * Reads `DATA_DIR/secrets.json` (mode 0600), creating it with fresh random values on first start,
 * so a dev service keeps its key and outstanding tickets across restarts.
 */
export async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
  if (previous.ticketSecret && previous.devEngineKey && previous.sealMasterKey) return previous as LocalSecrets;
  const secrets: LocalSecrets = {
    ticketSecret: previous.ticketSecret ?? randomBytes(32).toString('base64url'),
    devEngineKey: previous.devEngineKey ?? `dev-${randomBytes(24).toString('base64url')}`,
    sealMasterKey: previous.sealMasterKey ?? randomBytes(32).toString('base64'),
  };
  await writeFileDurably(file, Buffer.from(JSON.stringify(secrets, null, 2)));
  return secrets;
}
