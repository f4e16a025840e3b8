import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestTsa {
  url: string;
  /** The TSA's self-signed certificate (trust it to validate timestamps). */
  certificatePem: string;
  /** Requests answered so far. */
  requests: number;
  /** `ok` answers properly; `error` answers HTTP 500; `rejection` answers a timestamp reply with status rejection. */
  mode: 'ok' | 'error' | 'rejection';
  close(): Promise<void>;
}

/** A real RFC 3161 time-stamping authority on localhost: OpenSSL's `ts -reply` behind an HTTP server. */
export async function startTestTsa(): Promise<TestTsa> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-'));
  const key = path.join(dir, 'tsa.key');
  const cert = path.join(dir, 'tsa.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '30',
      '-subj',
      '/CN=Test TSA',
      '-addext',
      'extendedKeyUsage=critical,timeStamping',
      '-addext',
      'keyUsage=critical,digitalSignature',
    ],
    { stdio: 'ignore' },
  );
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  const config = path.join(dir, 'tsa.cnf');
  fs.writeFileSync(
    config,
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      `serial = ${dir}/serial`,
      'crypto_device = builtin',
      `signer_cert = ${cert}`,
      `signer_key = ${key}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );

  const state = { requests: 0, mode: 'ok' as TestTsa['mode'] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      state.requests++;
      if (state.mode === 'error' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(500).end('TSA unavailable');
        return;
      }
      const id = `${Date.now()}-${state.requests}`;
      const query = path.join(dir, `${id}.tsq`);
      const reply = path.join(dir, `${id}.tsr`);
      fs.writeFileSync(query, Buffer.concat(chunks));
      try {
        if (state.mode === 'rejection') {
          // A reply for a different request: status granted but for another imprint is what a broken TSA sends.
          const other = path.join(dir, `${id}-other.tsq`);
          const data = path.join(dir, `${id}.txt`);
          fs.writeFileSync(data, 'something else');
          execFileSync('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', other], { stdio: 'ignore' });
          execFileSync('openssl', ['ts', '-reply', '-config', config, '-queryfile', other, '-out', reply], { stdio: 'ignore' });
        } else {
          execFileSync('openssl', ['ts', '-reply', '-config', config, '-queryfile', query, '-out', reply], { stdio: 'ignore' });
        }
        res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(fs.readFileSync(reply));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    certificatePem: fs.readFileSync(cert, 'utf8'),
    get requests() {
      return state.requests;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        fs.rmSync(dir, { recursive: true, force: true });
      }),
  };
}
