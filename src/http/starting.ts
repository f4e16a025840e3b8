import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { failure } from './envelope.js';
import { failureOf } from './error-status.js';

// What the port answers between binding and the app being attached (the service is still wiring):
// 503 NOT_READY in the envelope, with the table's Retry-After, for requests and WebSocket upgrades alike.
const starting = failureOf('NOT_READY', 'The service is starting; try again shortly.');
const body = JSON.stringify(failure(starting.status, starting.ecode, starting.message, starting.entities));
const headers: Record<string, string> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': String(Buffer.byteLength(body)),
  'Cache-Control': 'no-store',
  ...starting.headers,
};

/** Answers a request that arrives before the app is attached. */
export function answerStarting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(starting.status, headers).end(body);
}

/** Refuses a WebSocket upgrade that arrives before the push hub is attached, with the same answer. */
export function refuseUpgradeStarting(_req: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${starting.status} Service Unavailable\r\n${head.join('')}Connection: close\r\n\r\n${body}`, () => socket.destroy());
}
