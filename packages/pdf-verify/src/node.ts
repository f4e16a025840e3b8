// Node-only helper (the rest of this folder also runs in browsers): loads trust anchors from PEM
// files, or from every *.pem / *.crt / *.cer file of a directory.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { registerDigest } from './algorithms.js';

/** PEM texts for `verifyPdf({ trustAnchorsPem })`, one per file, in a stable order. */
export async function loadTrustAnchorsPem(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const names = (await readdir(path)).filter((name) => /\.(pem|crt|cer)$/i.test(name)).sort();
      files.push(...names.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  const texts = await Promise.all(files.map((file) => readFile(file, 'utf8')));
  texts.forEach((text, i) => {
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${files[i]} holds no PEM certificate`);
  });
  return texts;
}

/** Gives the isomorphic verifier the digests WebCrypto lacks (SHAKE256 for Ed448 signatures). */
export function registerNodeDigests(): void {
  registerDigest('SHAKE256', (data) => new Uint8Array(createHash('shake256', { outputLength: 64 }).update(data).digest()));
}
