import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  backends: string[];
  close(): Promise<void>;
}

/**
 * A minimal round-robin HTTP load balancer in front of the API instances (what PUBLIC_URL names in a
 * deployment). A backend that refuses the connection is skipped, as a real balancer's health check would.
 */
export async function startBalancer(): Promise<Balancer> {
  const backends: string[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      const tryBackend = (left: number) => {
        if (left === 0 || backends.length === 0) {
          res.writeHead(502).end();
          return;
        }
        const target = new URL(backends[next++ % backends.length]);
        const upstream = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && !res.headersSent) tryBackend(left - 1);
          else res.destroy(error);
        });
        upstream.end(Buffer.concat(body));
      };
      tryBackend(backends.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    backends,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
