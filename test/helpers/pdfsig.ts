import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PdfsigSignature {
  field: string;
  signatureValidation: string;
  certificateValidation: string;
  totalDocumentSigned: boolean;
}

/** An NSS database that trusts the given CA certificates, for poppler's pdfsig. */
export function nssDbTrusting(caPems: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nss-'));
  execFileSync('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`]);
  caPems.forEach((pem, i) => {
    const file = path.join(dir, `ca${i}.pem`);
    fs.writeFileSync(file, pem);
    execFileSync('certutil', ['-A', '-n', `ca${i}`, '-t', 'CT,C,C', '-i', file, '-d', `sql:${dir}`]);
  });
  return dir;
}

/** "/ca/ocsp" as it appears in a certificate inside a hex-encoded /Contents. */
const OUR_OCSP_PATH_HEX = Buffer.from('/ca/ocsp').toString('hex');

/**
 * What pdfsig says of every signature (it exits 0 even on failure, so its text is parsed).
 * `-no-ocsp` when a certificate names our OCSP responder: the service under test runs in this very
 * process, which spawnSync blocks, so NSS would wait for an answer that cannot come. Revocation is
 * cross-checked with `openssl ocsp` instead (test/seals/revocation.test.ts).
 */
export function pdfsig(nssDir: string, pdf: Uint8Array): PdfsigSignature[] {
  const file = path.join(nssDir, `check-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    const text = Buffer.from(pdf).toString('latin1').toLowerCase();
    const offline = text.includes(OUR_OCSP_PATH_HEX) ? ['-no-ocsp'] : [];
    const { stdout } = spawnSync('pdfsig', [...offline, '-nssdir', `sql:${nssDir}`, file], { encoding: 'utf8' });
    return stdout
      .split(/^Signature #\d+:$/m)
      .slice(1)
      .map((block) => ({
        field: /Signature Field Name: (.*)$/m.exec(block)?.[1] ?? '',
        signatureValidation: /Signature Validation: (.*)$/m.exec(block)?.[1] ?? '',
        certificateValidation: /Certificate Validation: (.*)$/m.exec(block)?.[1] ?? '',
        totalDocumentSigned: /Total document signed/.test(block),
      }));
  } finally {
    fs.rmSync(file, { force: true });
  }
}
