// Proves the verifier is isomorphic: src/index.ts bundled for the browser (esbuild,
// platform "browser", so any Node-only import fails the build) runs in real Chromium and reaches
// exactly the verdicts Node reaches on the same files.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyPdf, type VerifyReport } from '../src/index.js';
import { buildFixtures, drawOnFirstPage, opensslSign, type VerifyFixtures } from './fixtures/index.js';

let fx: VerifyFixtures;
let server: Server;
let browser: Browser;
let baseUrl: string;
const documents: Record<string, Uint8Array> = {};

beforeAll(async () => {
  fx = await buildFixtures();
  // RSA (pdfsig) ×3, then ECDSA P-256 and RSA-PSS with a signature timestamp (openssl).
  const withEcdsa = await opensslSign(fx.threeSigned, {
    signer: fx.pki.ec,
    fieldName: 'EcSeal',
    subFilter: 'ETSI.CAdES.detached',
    workDir: fx.workDir,
  });
  documents['signed.pdf'] = await opensslSign(withEcdsa, {
    signer: fx.pki.rsa,
    fieldName: 'PssSeal',
    subFilter: 'ETSI.CAdES.detached',
    digest: 'sha384',
    pss: true,
    timestampAuthority: fx.pki.tsa,
    workDir: fx.workDir,
  });
  documents['tampered.pdf'] = await drawOnFirstPage(documents['signed.pdf'], 'Approved: 30 days');
  documents['garbage.pdf'] = new TextEncoder().encode('this is not a PDF at all');

  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].contents;
  server = createServer((request, response) => {
    const name = (request.url ?? '/').slice(1);
    if (name === 'verify.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (documents[name]) response.writeHead(200, { 'content-type': 'application/pdf' }).end(documents[name]);
    else {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        '<!doctype html><title>verify</title><script type="module">import * as v from "/verify.js"; window.verifier = v;</script>',
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  fx?.cleanUp();
});

interface BrowserResult {
  report?: VerifyReport;
  error?: { name: string; code: string };
}

async function verifyInBrowser(names: string[]): Promise<BrowserResult[]> {
  const page = await browser.newPage();
  try {
    await page.goto(baseUrl);
    await page.waitForFunction(() => 'verifier' in window);
    return await page.evaluate(
      async ({ names, trustAnchorsPem }) => {
        const verifier = (window as unknown as { verifier: typeof import('../src/index.js') }).verifier;
        const results = [];
        for (const name of names) {
          const pdf = new Uint8Array(await (await fetch(`/${name}`)).arrayBuffer());
          try {
            results.push({ report: await verifier.verifyPdf(pdf, { trustAnchorsPem }) });
          } catch (error) {
            results.push({ error: { name: (error as Error).name, code: (error as { code: string }).code } });
          }
        }
        return results;
      },
      { names, trustAnchorsPem: [fx.pki.rootPem] },
    );
  } finally {
    await page.close();
  }
}

it('gives in Chromium the same verdicts as in Node', async () => {
  const [signed, tampered, garbage] = await verifyInBrowser(['signed.pdf', 'tampered.pdf', 'garbage.pdf']);

  const options = { trustAnchorsPem: [fx.pki.rootPem] };
  expect(signed.report).toEqual(await verifyPdf(documents['signed.pdf'], options));
  expect(tampered.report).toEqual(await verifyPdf(documents['tampered.pdf'], options));
  expect(garbage.error).toEqual({ name: 'PdfParseError', code: 'PDF_UNREADABLE' });

  expect(signed.report?.valid).toBe(true);
  expect(signed.report?.signatures.map((s) => [s.field, s.signatureAlgorithm, s.valid, s.trusted])).toEqual([
    ['Seal1', 'RSASSA-PKCS1-v1_5 with SHA-256', true, true],
    ['Seal2', 'RSASSA-PKCS1-v1_5 with SHA-256', true, true],
    ['Seal3', 'RSASSA-PKCS1-v1_5 with SHA-256', true, true],
    ['EcSeal', 'ECDSA P-256 with SHA-256', true, true],
    ['PssSeal', 'RSA-PSS with SHA-384', true, true],
  ]);
  expect(signed.report?.signatures[4].timestamped).toBe(true);
  expect(tampered.report?.valid).toBe(false);
  expect(tampered.report?.signatures.every((s) => s.modifiedAfterSigning && s.changes.includes('page 1 content'))).toBe(true);
});
