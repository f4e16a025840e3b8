import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '../errors.js';

export class Pkcs12Error extends DomainError<'P12_BAD_PASSPHRASE' | 'P12_NO_KEY' | 'P12_NO_CERTIFICATE' | 'P12_UNREADABLE'> {}

export interface ImportedKey {
  privateKeyPem: string;
  certificatePem: string;
  chainPem: string[];
}

function runOpenssl(args: string[], passphrase: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'openssl',
      args,
      { env: { ...process.env, P12_PASSPHRASE: passphrase }, timeout: 20_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({
          code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) || 1 : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/**
 * Reads a PKCS#12 bundle with OpenSSL (the passphrase passed through the environment, never the
 * command line): the private key as PKCS#8 PEM, the certificate matching it, and the rest as chain.
 */
export async function importPkcs12(bytes: Uint8Array, passphrase: string): Promise<ImportedKey> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p12-'));
  const file = path.join(dir, 'bundle.p12');
  try {
    await fs.writeFile(file, bytes, { mode: 0o600 });
    const args = ['pkcs12', '-in', file, '-nodes', '-passin', 'env:P12_PASSPHRASE'];
    let result = await runOpenssl(args, passphrase);
    if (result.code !== 0 && /unsupported|RC2|legacy/i.test(result.stderr)) result = await runOpenssl([...args, '-legacy'], passphrase);
    if (result.code !== 0) {
      if (/mac verify|invalid password|bad decrypt/i.test(result.stderr))
        throw new Pkcs12Error('P12_BAD_PASSPHRASE', 'The PKCS#12 passphrase is wrong.');
      throw new Pkcs12Error('P12_UNREADABLE', 'The file is not a readable PKCS#12 bundle.');
    }
    const keyPem = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(
      result.stdout,
    )?.[0];
    if (!keyPem) throw new Pkcs12Error('P12_NO_KEY', 'The PKCS#12 bundle holds no private key.');
    const privateKey = createPrivateKey(keyPem);
    const certificates = [...result.stdout.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
      (m) => `${m[0]}\n`,
    );
    const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const own = certificates.find((pem) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).equals(publicDer));
    if (!own) throw new Pkcs12Error('P12_NO_CERTIFICATE', 'The PKCS#12 bundle holds no certificate for its private key.');
    return {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      certificatePem: own,
      chainPem: certificates.filter((pem) => pem !== own),
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
