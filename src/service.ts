import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { Authenticator } from './http/auth/principal.js';
import { createLogger } from './log.js';
import { PushHub } from './push/hub.js';
import { loadLocalSecrets } from './secrets.js';
import { SignatureService } from './signature/service.js';
import { openSqlite } from './store/db.js';
import { FileUris } from './store/file-uri.js';
import { FileStore } from './store/files.js';
import { NonceRepository } from './store/nonces.js';
import { SignatureRepository } from './store/signatures.js';

export interface RunningService {
  url: string;
  port: number;
  /** The engine keys in force (a generated dev key when ENGINE_KEYS is unset). */
  engineKeys: string[];
  devKeyGenerated: boolean;
  server: http.Server;
  signatures: SignatureService;
  hub: PushHub;
  logger: Logger;
  /** Stops accepting, finishes in-flight requests, closes sockets and the database. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

export async function startService(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningService> {
  const db = await openSqlite(config.dataDir);
  const secrets = await loadLocalSecrets(config.dataDir);
  const engineKeys = config.engineKeys.length > 0 ? config.engineKeys : [secrets.devEngineKey];
  const ticketSecret = config.ticketSecret ?? secrets.ticketSecret;

  const files = new FileStore(db, config.dataDir);
  await files.init();
  const uris = new FileUris();
  const signatureRepo = new SignatureRepository(db);
  const signatures = new SignatureService(signatureRepo, files, uris);
  const authenticator = new Authenticator({ engineKeys, digest: config.digest }, ticketSecret, new NonceRepository(db));

  const app = createApp({ config, logger, db, files, uris, signatureRepo, signatures, authenticator, ticketSecret });
  const server = http.createServer({ requestTimeout: 120_000, headersTimeout: 30_000 }, app);
  const hub = new PushHub(authenticator, (id) => signatures.get(id).catch(() => undefined), logger, config.wsHeartbeatMs, config.corsOrigins);
  hub.attach(server);
  signatures.on('change', ({ signature }) => hub.publish(signature.id, { type: 'signature', signature }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  uris.setBase(config.publicUrl || url);

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      hub.close();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle as their last request finishes; close them as they do.
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await drained;
      clearInterval(reaper);
      clearTimeout(timer);
      await db.destroy();
    })());

  return { url, port, engineKeys, devKeyGenerated: config.engineKeys.length === 0, server, signatures, hub, logger, close };
}
