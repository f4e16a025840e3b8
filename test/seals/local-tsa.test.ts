// The in-process TSA the LTV benchmark uses answers as RFC 3161 says: OpenSSL verifies its tokens
// (imprint, nonce, ESS signing-certificate-v2, signature), and it refuses what it cannot honour.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp } from '../../src/pdf/pades/tsa.js';
import { type LocalTsa, startLocalTsa } from '../helpers/local-tsa.js';

describe('the in-process RFC 3161 TSA', () => {
  let tsa: LocalTsa;
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    tsa = await startLocalTsa();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-tsa-'));
    fs.writeFileSync(file('tsa.pem'), tsa.certificatePem);
  });
  afterAll(async () => {
    await tsa?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers openssl ts -query with a reply openssl ts -verify accepts, nonce and certificate included', async () => {
    fs.writeFileSync(file('data.txt'), 'archived document bytes');
    execFileSync('openssl', ['ts', '-query', '-data', file('data.txt'), '-sha256', '-cert', '-out', file('q.tsq')]);
    const response = await fetch(tsa.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: fs.readFileSync(file('q.tsq')),
    });
    expect(response.headers.get('content-type')).toBe('application/timestamp-reply');
    fs.writeFileSync(file('r.tsr'), Buffer.from(await response.arrayBuffer()));
    const text = execFileSync('openssl', ['ts', '-reply', '-in', file('r.tsr'), '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Status: Granted/);
    expect(text).toMatch(/Nonce: 0x/);
    const verified = execFileSync(
      'openssl',
      ['ts', '-verify', '-queryfile', file('q.tsq'), '-in', file('r.tsr'), '-CAfile', file('tsa.pem')],
      { encoding: 'utf8' },
    );
    expect(verified).toMatch(/Verification: OK/);
    // Our client accepts it too (same imprint, same nonce).
    expect((await requestTimestamp(new Uint8Array([1, 2, 3]), { url: tsa.url })).length).toBeGreaterThan(100);
  });

  it('rejects an unknown policy and garbage; only POSTed queries', async () => {
    const reply = async (body: Uint8Array) => {
      fs.writeFileSync(
        file('x.tsr'),
        Buffer.from(
          await (await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body })).arrayBuffer(),
        ),
      );
      return execFileSync('openssl', ['ts', '-reply', '-in', file('x.tsr'), '-text'], { encoding: 'utf8' });
    };
    execFileSync('openssl', ['ts', '-query', '-digest', 'aa'.repeat(32), '-sha256', '-tspolicy', '1.2.3.9', '-out', file('p.tsq')]);
    expect(await reply(fs.readFileSync(file('p.tsq')))).toMatch(/Status: Rejected[\s\S]*policy is not supported/);
    expect(await reply(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toMatch(/Status: Rejected[\s\S]*wrong format/);
    expect((await fetch(tsa.url)).status).toBe(415);
  });
});
