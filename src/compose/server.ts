import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/index.js';
import { answerStarting, refuseUpgradeStarting } from '../http/starting.js';

/**
 * Idle keep-alive sockets stay open longer than a typical reverse proxy's idle timeout (nginx 60 s,
 * AWS ALB 60 s), so the proxy, never this server, closes an idle connection and no request is sent
 * on a socket we are closing (ECONNRESET). Slow headers are cut by headersTimeout, which in Node 20
 * runs only while a request is being received.
 */
const KEEP_ALIVE_MS = 65_000;

export interface BoundServer {
  server: http.Server;
  /** The port bound (the real one when PORT=0). */
  port: number;
  /** Where this process listens, as people are shown it (`http://localhost:8080` for 0.0.0.0). */
  url: string;
  /** The service's public base URL (PUBLIC_URL, else `url`), without a trailing slash. */
  publicUrl: string;
  /** Where the broker reaches the engine side: SIGNATURE_API_URL, else this process on its loopback address. */
  engineBase: string;
  /** From now on requests go to `app` and WebSocket upgrades to `hub`; until then both are answered 503 NOT_READY. */
  attach(app: http.RequestListener, hub: { attach(server: http.Server): void }): void;
  /** Stops listening and drops every connection (a start that failed must not leave the port bound). */
  close(): Promise<void>;
}

/** Binds the port first, so the real addresses are known before anything is built. */
export async function bindServer(config: Config): Promise<BoundServer> {
  const server = http.createServer({ requestTimeout: 120_000, headersTimeout: 30_000, keepAliveTimeout: KEEP_ALIVE_MS }, answerStarting);
  server.maxConnections = config.security.maxConnections;
  server.on('upgrade', refuseUpgradeStarting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const { host } = config;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const loopback = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : shownHost;
  const url = `http://${shownHost}:${port}`;
  return {
    server,
    port,
    url,
    publicUrl: (config.publicUrl || url).replace(/\/+$/, ''),
    engineBase: config.signatureApiUrl || `http://${loopback}:${port}`,
    attach(app, hub) {
      server.off('request', answerStarting).on('request', app);
      hub.attach(server);
      server.off('upgrade', refuseUpgradeStarting);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
