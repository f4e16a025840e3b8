import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { type Authenticator, requireSignatureAccess } from '../http/auth/principal.js';
import { originAllowed } from '../http/cors.js';
import { ApiError } from '../http/errors.js';
import { isId } from '../http/ids.js';
import type { Signature } from '../signature/schema.js';

const EVENTS_PATH = /^\/signature\/([^/]+)\/events$/;

export interface PushMessage {
  type: string;
  [key: string]: unknown;
}

interface Subscriber {
  socket: WebSocket;
  alive: boolean;
  expiry?: NodeJS.Timeout;
  /** The newest Signature version this socket was sent: an older one arriving late is dropped. */
  version: number;
}

/** Carries a published message to the other instances (Redis); they hand it to `deliver`. */
export type PushRelay = (signatureId: string, message: PushMessage) => void;

/** Close code for a drained instance: "service restart", the component reconnects (to another instance). */
export const CLOSE_SERVICE_RESTART = 1012;

/**
 * Live push: `ws(s)://…/signature/:id/events`, authenticated like S1 (engine credential or a ticket in
 * the `ticket` query parameter). A subscriber gets the current Signature on connect, then
 * `{type:"signature", signature}` after every change and other progress events for that signature.
 * Pings every heartbeat interval drop connections that stop answering; a ticket's expiry closes its
 * connection (code 4001).
 */
export class PushHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly heartbeat: NodeJS.Timeout;
  private relay: PushRelay | null = null;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly loadSignature: (id: string) => Promise<Signature | undefined>,
    private readonly log: Logger,
    heartbeatMs: number,
    private readonly allowedOrigins: readonly string[],
  ) {
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** With several instances: every publish also goes to the relay (see push/redis-relay.ts). */
  setRelay(relay: PushRelay | null): void {
    this.relay = relay;
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      this.upgrade(req, socket, head).catch((error: unknown) => {
        this.log.error({ err: error }, 'websocket upgrade failed');
        refuse(socket, 500, 'Internal Server Error');
      });
    });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = EVENTS_PATH.exec(url.pathname);
    if (!match) return refuse(socket, 404, 'Not Found');
    const id = match[1];
    if (!isId(id)) return refuse(socket, 400, 'Bad Request');
    if (!originAllowed(req.headers.origin, req.headers.host, this.allowedOrigins)) return refuse(socket, 403, 'Forbidden');
    let expiresAt: number | undefined;
    try {
      const principal = await this.authenticator.authenticate({
        method: 'GET',
        uri: req.url ?? '/',
        authorization: req.headers.authorization,
        ticket: url.searchParams.get('ticket') ?? undefined,
      });
      requireSignatureAccess(principal, id, 'read');
      if (principal?.kind === 'user') expiresAt = principal.claims.exp * 1000;
    } catch (error) {
      if (error instanceof ApiError) return refuse(socket, error.status, error.ecode);
      throw error;
    }
    const signature = await this.loadSignature(id);
    if (!signature) return refuse(socket, 404, 'Not Found');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.subscribe(id, ws, signature, expiresAt));
  }

  private subscribe(id: string, socket: WebSocket, current: Signature, expiresAt?: number): void {
    const subscriber: Subscriber = { socket, alive: true, version: versionOf(current) };
    let set = this.subscribers.get(id);
    if (!set) this.subscribers.set(id, (set = new Set()));
    set.add(subscriber);
    socket.on('pong', () => {
      subscriber.alive = true;
    });
    socket.on('message', () => undefined);
    socket.on('close', () => this.drop(id, subscriber));
    socket.on('error', () => this.drop(id, subscriber));
    if (expiresAt !== undefined) {
      subscriber.expiry = setTimeout(() => socket.close(4001, 'ticket expired'), Math.max(0, expiresAt - Date.now()));
      subscriber.expiry.unref();
    }
    socket.send(JSON.stringify({ type: 'signature', signature: current }));
    // A change that landed between loading `current` and subscribing would otherwise be missed.
    void this.loadSignature(id).then((latest) => latest && this.sendTo(subscriber, { type: 'signature', signature: latest }), () => undefined);
  }

  private drop(id: string, subscriber: Subscriber): void {
    if (subscriber.expiry) clearTimeout(subscriber.expiry);
    const set = this.subscribers.get(id);
    set?.delete(subscriber);
    if (set && set.size === 0) this.subscribers.delete(id);
  }

  /** Sends a message to everyone watching the signature, on this instance and (through the relay) the others. */
  publish(signatureId: string, message: PushMessage): void {
    this.deliver(signatureId, message);
    this.relay?.(signatureId, message);
  }

  /** Sends a message to this instance's watchers only; Signature versions only ever go forward per socket. */
  deliver(signatureId: string, message: PushMessage): void {
    const set = this.subscribers.get(signatureId);
    if (!set) return;
    for (const subscriber of set) this.sendTo(subscriber, message);
  }

  private sendTo(subscriber: Subscriber, message: PushMessage): void {
    if (subscriber.socket.readyState !== WebSocket.OPEN) return;
    if (message.type === 'signature') {
      const version = versionOf(message.signature as Signature);
      if (version <= subscriber.version) return;
      subscriber.version = version;
    }
    subscriber.socket.send(JSON.stringify(message));
  }

  /** Re-sends the current state of every watched Signature that moved on (after the relay was down). */
  async resync(): Promise<void> {
    for (const id of [...this.subscribers.keys()]) {
      const latest = await this.loadSignature(id).catch(() => undefined);
      if (latest) this.deliver(id, { type: 'signature', signature: latest });
    }
  }

  /** Sockets connected to this instance. */
  connectionCount(): number {
    let count = 0;
    for (const set of this.subscribers.values()) count += set.size;
    return count;
  }

  subscriberCount(signatureId: string): number {
    return this.subscribers.get(signatureId)?.size ?? 0;
  }

  private beat(): void {
    for (const [id, set] of this.subscribers) {
      for (const subscriber of set) {
        if (!subscriber.alive) {
          subscriber.socket.terminate();
          this.drop(id, subscriber);
          continue;
        }
        subscriber.alive = false;
        subscriber.socket.ping();
      }
    }
  }

  /** Closes every connection with 1001 (going away), or another code such as 1012 when draining for a restart. */
  close(code = 1001, reason = 'server shutting down'): void {
    clearInterval(this.heartbeat);
    for (const set of this.subscribers.values()) {
      for (const subscriber of set) subscriber.socket.close(code, reason);
    }
    this.subscribers.clear();
    this.wss.close();
  }
}

function versionOf(signature: Signature | undefined): number {
  return typeof signature?.version === 'number' ? signature.version : 0;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}
