import { describe, expect, it } from 'vitest';
import { isInternalAddress } from '../../src/webhooks/allow-list.js';
import { signatureHeader, verifySignatureHeader, webhookSignature } from '../../src/webhooks/signature.js';

describe('the webhook signature header', () => {
  // Vector computed with: printf '1700000000.{"id":"e1"}' | openssl dgst -sha256 -hmac test-secret
  const VECTOR = '28a52e02b5d11679bd2a63a2c74cd077ee58b29b8115da72cb76352abacdb29e';
  const now = 1_700_000_000_000;

  it('is HMAC-SHA256 over "<timestamp>.<body>"', () => {
    expect(webhookSignature('test-secret', 1_700_000_000, '{"id":"e1"}')).toBe(VECTOR);
    expect(signatureHeader('test-secret', '{"id":"e1"}', now)).toBe(`t=1700000000,v1=${VECTOR}`);
  });

  it('verifies only the exact body, with the right secret, within five minutes', () => {
    const header = `t=1700000000,v1=${VECTOR}`;
    expect(verifySignatureHeader('test-secret', header, '{"id":"e1"}', now + 60_000)).toEqual({ ok: true });
    expect(verifySignatureHeader('test-secret', header, '{"id":"e2"}', now).ok).toBe(false);
    expect(verifySignatureHeader('other-secret', header, '{"id":"e1"}', now).ok).toBe(false);
    expect(verifySignatureHeader('test-secret', header, '{"id":"e1"}', now + 301_000)).toEqual({
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    expect(verifySignatureHeader('test-secret', 'v1=abc', '{"id":"e1"}', now).ok).toBe(false);
  });

  it('knows internal addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.8',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '0.0.0.0',
      '100.64.0.1',
    ])
      expect(isInternalAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '202.112.0.1', '2001:da8::1', '::ffff:8.8.8.8'])
      expect(isInternalAddress(address), address).toBe(false);
  });
});
