import net from 'node:net';
import { DomainError } from '../errors.js';

export interface UrlPolicy {
  /** When non-empty, only these origins may receive webhooks. */
  origins: string[];
  /** Loopback, private, link-local and other internal addresses are refused unless this is set. */
  allowInternal: boolean;
}

/** What is wrong with a webhook URL, as a phrase after "The webhook URL" (e.g. "is not a URL"). */
export class WebhookUrlError extends DomainError<'WEBHOOK_URL_NOT_ALLOWED'> {
  constructor(message: string) {
    super('WEBHOOK_URL_NOT_ALLOWED', message);
  }
}

const blockList = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blockList.addSubnet(prefix, bits, 'ipv4');
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged by their IPv4 part below: a BlockList
// subnet over ::ffff:0:0/96 would match every IPv4 address.
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  blockList.addSubnet(prefix, bits, 'ipv6');

export function isInternalAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const mapped = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped) return isInternalAddress(mapped);
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hex) {
      const value = (parseInt(hex[1], 16) << 16) | parseInt(hex[2], 16);
      return isInternalAddress([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.'));
    }
    return blockList.check(address, 'ipv6');
  }
  return blockList.check(address, 'ipv4');
}

/** Checks the URL's form and origin at registration: https (or http), no credentials, on the allow-list. */
export function checkWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('is not a URL');
  }
  if (!['http:', 'https:'].includes(url.protocol)) throw new WebhookUrlError('must be http or https');
  if (url.username || url.password) throw new WebhookUrlError('must not carry credentials');
  if (policy.origins.length > 0 && !policy.origins.includes(url.origin))
    throw new WebhookUrlError(`is not on the allow-list (WEBHOOK_ORIGINS)`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowInternal && (host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) && isInternalAddress(host)))) {
    throw new WebhookUrlError('points at an internal address');
  }
  return url;
}
