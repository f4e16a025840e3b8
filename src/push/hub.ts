import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { type Authenticator, requireSignatureAccess } from '../http/auth/principal.js';
import { originAllowed } from '../http/cors.js';
import { httpFailureOf } from '../http/error-status.js';
import { isId } from '../util/ids.js';
import { ticketKey } from '../http/rate-limit.js';
import type { Signature } from '../signature/schema.js';

const EVENTS_PATH = /^\/signature\/([^/]+)\/events$/;

export interface PushMessage {
  type: string;
  [key: string]: unknown;
}

interface Subscriber {
  socket: WebSocket;
  /** The ticket it came with (for the per-ticket cap), if any. */
  ticket?: string;
  alive: boolean;
  expiry?: NodeJS.Timeout;
  /** The newest Signature version this socket was sent: an older one arriving late is dropped. */
  version: number;
}

/**
 * Another live stream on the same upgrade handler (e.g. a batch's progress): `path` captures an id;
 * `open` authorises the request and names the key its messages are published under.
 */
export interface PushChannel {
  path: RegExp;
  open(req: IncomingMessage, id: string): Promise<{ key: string; initial: PushMessage; expiresAt?: number }>;
}

/** Carries a published message to the other instances (Redis); they hand it to `deliver`. */
export type PushRelay = (signatureId: string, message: PushMessage) => void;

/** A revocation relayed between instances (never sent to a socket), addressed to every Signature. */
const TICKET_REVOKED = 'ticket-revoked';
const EVERY_SIGNATURE = '*';

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
  private total = 0;
  private readonly perTicket = new Map<string, number>();
  private relay: PushRelay | null = null;
  private readonly channels: PushChannel[] = [];

  constructor(
    private readonly authenticator: Authenticator,
    private readonly loadSignature: (id: string) => Promise<Signature | undefined>,
    private readonly log: Logger,
    heartbeatMs: number,
    private readonly allowedOrigins: readonly string[],
    /** Caps: sockets per ticket and in total (beyond them the upgrade is answered 429). */
    private readonly caps: { perTicket: number; total: number } = { perTicket: Infinity, total: Infinity },
  ) {
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** With several instances: every publish also goes to the relay (see push/redis-relay.ts). */
  setRelay(relay: PushRelay | null): void {
    this.relay = relay;
  }

  addChannel(channel: PushChannel): void {
    this.channels.push(channel);
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
    const channel = match ? undefined : this.channels.find((candidate) => candidate.path.test(url.pathname));
    if (channel) return this.upgradeChannel(channel, channel.path.exec(url.pathname)![1], req, socket, head);
    if (!match) return refuse(socket, 404, 'Not Found');
    const id = match[1];
    if (!isId(id)) return refuse(socket, 400, 'Bad Request');
    if (!originAllowed(req.headers.origin, req.headers.host, this.allowedOrigins)) return refuse(socket, 403, 'Forbidden');
    let expiresAt: number | undefined;
    let ticket: string | undefined;
    try {
      const principal = await this.authenticator.authenticate({
        method: 'GET',
        uri: req.url ?? '/',
        authorization: req.headers.authorization,
        ticket: url.searchParams.get('ticket') ?? undefined,
      });
      requireSignatureAccess(principal, id, 'read');
      if (principal?.kind === 'user') {
        expiresAt = principal.claims.exp * 1000;
        ticket = ticketKey(principal.claims);
      }
    } catch (error) {
      const refused = httpFailureOf(error);
      if (refused) return refuse(socket, refused.status, refused.ecode);
      throw error;
    }
    if (this.total >= this.caps.total) return refuse(socket, 503, 'Service Unavailable');
    if (ticket !== undefined && (this.perTicket.get(ticket) ?? 0) >= this.caps.perTicket) return refuse(socket, 429, 'Too Many Requests');
    const signature = await this.loadSignature(id);
    if (!signature) return refuse(socket, 404, 'Not Found');
    // Counted from here, before the handshake completes, so a burst cannot overshoot the caps.
    this.count(ticket, +1);
    let subscribed = false;
    socket.once('close', () => {
      if (!subscribed) this.count(ticket, -1);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      subscribed = true;
      this.subscribe(id, ws, signature, expiresAt, ticket);
    });
  }

  private async upgradeChannel(channel: PushChannel, id: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!isId(id)) return refuse(socket, 400, 'Bad Request');
    if (!originAllowed(req.headers.origin, req.headers.host, this.allowedOrigins)) return refuse(socket, 403, 'Forbidden');
    let opened: Awaited<ReturnType<PushChannel['open']>>;
    try {
      opened = await channel.open(req, id);
    } catch (error) {
      const refused = httpFailureOf(error);
      return refused ? refuse(socket, refused.status, refused.ecode) : refuse(socket, 403, 'Forbidden');
    }
    if (this.total >= this.caps.total) return refuse(socket, 503, 'Service Unavailable');
    this.count(undefined, +1);
    let subscribed = false;
    socket.once('close', () => {
      if (!subscribed) this.count(undefined, -1);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      subscribed = true;
      const subscriber: Subscriber = { socket: ws, alive: true, version: 0 };
      let set = this.subscribers.get(opened.key);
      if (!set) this.subscribers.set(opened.key, (set = new Set()));
      set.add(subscriber);
      ws.on('pong', () => {
        subscriber.alive = true;
      });
      ws.on('message', () => undefined);
      ws.on('close', () => this.drop(opened.key, subscriber));
      ws.on('error', () => this.drop(opened.key, subscriber));
      if (opened.expiresAt !== undefined) {
        subscriber.expiry = setTimeout(() => ws.close(4001, 'ticket expired'), Math.max(0, opened.expiresAt - Date.now()));
        subscriber.expiry.unref();
      }
      ws.send(JSON.stringify(opened.initial));
    });
  }

  private count(ticket: string | undefined, delta: number): void {
    this.total += delta;
    if (ticket === undefined) return;
    const next = (this.perTicket.get(ticket) ?? 0) + delta;
    if (next > 0) this.perTicket.set(ticket, next);
    else this.perTicket.delete(ticket);
  }

  private subscribe(id: string, socket: WebSocket, current: Signature, expiresAt?: number, ticket?: string): void {
    const subscriber: Subscriber = { socket, alive: true, ticket, version: versionOf(current) };
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
    void this.loadSignature(id).then(
      (latest) => latest && this.sendTo(subscriber, { type: 'signature', signature: latest }),
      () => undefined,
    );
  }

  private drop(id: string, subscriber: Subscriber): void {
    if (subscriber.expiry) clearTimeout(subscriber.expiry);
    const set = this.subscribers.get(id);
    if (set?.delete(subscriber)) this.count(subscriber.ticket, -1);
    if (set && set.size === 0) this.subscribers.delete(id);
  }

  /** Closes every socket opened with this ticket (revoked), code 4003, here and (through the relay) on the other instances. */
  closeTicket(jti: string): void {
    this.closeTicketHere(jti);
    this.relay?.(EVERY_SIGNATURE, { type: TICKET_REVOKED, jti });
  }

  private closeTicketHere(jti: string): void {
    for (const set of this.subscribers.values()) {
      for (const subscriber of set) if (subscriber.ticket === jti) subscriber.socket.close(4003, 'ticket revoked');
    }
  }

  /** Sends a message to everyone watching the signature, on this instance and (through the relay) the others. */
  publish(signatureId: string, message: PushMessage): void {
    this.deliver(signatureId, message);
    this.relay?.(signatureId, message);
  }

  /** Sends a message to this instance's watchers only; Signature versions only ever go forward per socket. */
  deliver(signatureId: string, message: PushMessage): void {
    if (message.type === TICKET_REVOKED && typeof message.jti === 'string') return this.closeTicketHere(message.jti);
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
