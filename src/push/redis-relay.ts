import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PushHub, PushMessage } from './hub.js';

interface Envelope {
  origin: string;
  signatureId: string;
  message: PushMessage;
}

/**
 * Fans live-push messages out to every instance over one Redis pub/sub channel: what this instance
 * publishes goes to its own sockets at once and to the channel; what another instance published is
 * delivered here. Per socket a Signature's versions only go forward (the hub drops an older one that
 * arrives late). After Redis was unreachable, every watched Signature is re-read and re-sent, so a
 * change made meanwhile still reaches the controls. Nothing durable lives in Redis.
 */
export async function startRedisRelay(
  hub: PushHub,
  options: { publisher: Redis; subscriber: Redis; channel: string; instanceId: string; log: Logger },
): Promise<() => void> {
  const { publisher, subscriber, channel, instanceId, log } = options;
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === instanceId || typeof envelope.signatureId !== 'string' || !envelope.message) return;
    hub.deliver(envelope.signatureId, envelope.message);
  });
  let ready = subscriber.status === 'ready';
  subscriber.on('ready', () => {
    if (ready) return;
    ready = true;
    // Shortly after: ioredis re-subscribes the channel as the connection becomes ready.
    setTimeout(
      () => void hub.resync().catch((error: unknown) => log.warn({ err: error }, 'push resync after Redis reconnect failed')),
      100,
    ).unref();
  });
  subscriber.on('close', () => {
    ready = false;
  });
  await subscriber.subscribe(channel);
  ready = true;
  hub.setRelay((signatureId, message) => {
    publisher.publish(channel, JSON.stringify({ origin: instanceId, signatureId, message } satisfies Envelope)).catch((error: unknown) => {
      log.warn({ err: error, signatureId }, 'push could not reach Redis; other instances catch up when it is back');
    });
  });
  return () => hub.setRelay(null);
}
