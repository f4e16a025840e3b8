// Benchmark of long-term signatures (issue 16). Run: npx tsx bench/ltv.ts
// 1. One seal as PAdES-B-B, as B-T (signature timestamp) and as B-LTA (B-T + DSS with our CA's
//    OCSP response and CRL + document timestamp), with a persistent in-process RFC 3161 TSA on a real
//    HTTP port (test/helpers/local-tsa.ts; the tests' OpenSSL TSA spawns `openssl ts` per request,
//    which measures process start-up, not LTV). Target: B-LTA ≤ 3× B-B.
// 2. Verifying the B-T file (revocation not checked) and the B-LTA file with its embedded
//    revocation data (no network). Target: embedded revocation adds ≤ 5 ms per signature.
import os from 'node:os';
import { signPdf, type SigningMaterial } from '../src/pdf/pades/index.js';
import { requestTimestamp } from '../src/pdf/pades/tsa.js';
import { registerNodeDigests } from '@infoplus/pdf-verify/node';
import { verifyPdf } from '@infoplus/pdf-verify';
import { createCa, issueSigningCertificate } from '../src/pki/index.js';
import { CertificateRevocation } from '../src/seals/revocation.js';
import type { BuiltinAuthority } from '../src/seals/authority.js';
import { issueOcspResponderCertificate } from '../src/pki/index.js';
import { insertCertificateOnlySeal } from '../test/helpers/seal-row.js';
import { openSqlite } from '../src/store/db.js';
import { officialSealSvg, rasterizeSvg } from '../src/seals/seal-image.js';
import { startLocalTsa } from '../test/helpers/local-tsa.js';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import fs from 'node:fs';
import path from 'node:path';

const RUNS = 41;
const median = async (run: () => Promise<unknown>) => {
  for (let i = 0; i < 8; i++) await run(); // warmed the same way, whichever case runs first
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
};

registerNodeDigests();
console.log(`ltv bench — ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, Node ${process.version}`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ltv-bench-'));
const tsa = await startLocalTsa();
try {
  const ca = await createCa({ commonName: 'Bench CA', organization: 'Bench', keyAlgorithm: 'ECDSA-P256' });
  const responder = await issueOcspResponderCertificate(ca, 30);
  const authority = { get: async () => ca, ocspResponder: async () => responder } as unknown as BuiltinAuthority;
  const db = await openSqlite(dir);
  const revocation = new CertificateRevocation(db, authority);
  const material: SigningMaterial = await issueSigningCertificate(ca, {
    commonName: '示范大学',
    keyAlgorithm: 'ECDSA-P256',
    validDays: 30,
  });
  await insertCertificateOnlySeal(db, 'bench', material.certificatePem);
  const image = { bytes: await rasterizeSvg(officialSealSvg({ organization: '示范大学', kind: '公章' }), 400), mime: 'image/png' as const };
  const doc = await PDFDocument.create();
  doc
    .addPage([595, 842])
    .drawText('Enrolment certificate', { x: 72, y: 760, size: 20, font: await doc.embedFont(StandardFonts.Helvetica) });
  const form = await doc.save();
  const placement = {
    kind: 'anchors' as const,
    anchors: [{ page: 0, x: 420, y: 600, origin: 'top-left' as const }],
    width: 119,
    height: 119,
  };
  const tsaOptions = { url: tsa.url };

  const bb = await median(() => signPdf(form, material, { placement, image }));
  const bt = await median(() => signPdf(form, material, { placement, image, tsa: tsaOptions }));
  // As the built-in signer does it: validation data first, then signature, DSS and document
  // timestamp in one pass over the document.
  const lta = async () => {
    const longTerm = await revocation.validationData(material.certificatePem);
    return (await signPdf(form, material, { placement, image, tsa: tsaOptions, longTerm })).pdf;
  };
  const ltaMs = await median(lta);
  const roundTrip = await median(() => requestTimestamp(new Uint8Array(64), tsaOptions));
  const dssData = await median(() => revocation.validationData(material.certificatePem));
  console.log(
    `parts: one TSA round trip ${roundTrip.toFixed(1)} ms (B-LTA makes two), validation data (OCSP answer + CRL) ${dssData.toFixed(1)} ms`,
  );
  console.log(
    `seal: B-B ${bb.toFixed(1)} ms, B-T ${bt.toFixed(1)} ms, B-LTA ${ltaMs.toFixed(1)} ms = ${(ltaMs / bb).toFixed(2)}× B-B (target ≤ 3×)`,
  );

  const anchors = [ca.certificatePem, tsa.certificatePem];
  const btFile = (await signPdf(form, material, { placement, image, tsa: tsaOptions })).pdf;
  const ltaFile = await lta();
  const plain = await median(() => verifyPdf(btFile, { trustAnchorsPem: anchors }));
  const embeddedReport = await verifyPdf(ltaFile, { trustAnchorsPem: anchors, revocation: { mode: 'embedded' } });
  if (embeddedReport.signatures[0].revocation.status !== 'good')
    throw new Error(`expected embedded revocation data to answer: ${JSON.stringify(embeddedReport.signatures[0].revocation)}`);
  const embeddedPlain = await median(() => verifyPdf(ltaFile, { trustAnchorsPem: anchors }));
  const embedded = await median(() => verifyPdf(ltaFile, { trustAnchorsPem: anchors, revocation: { mode: 'embedded' } }));
  const signatures = embeddedReport.signatureCount;
  console.log(
    `verify: B-T file ${plain.toFixed(1)} ms; B-LTA file (${signatures} signatures) without revocation ${embeddedPlain.toFixed(1)} ms, with embedded revocation ${embedded.toFixed(1)} ms → revocation adds ${(embedded - embeddedPlain).toFixed(1)} ms = ${((embedded - embeddedPlain) / signatures).toFixed(1)} ms per signature (target ≤ 5 ms per signature)`,
  );
  await db.destroy();
} finally {
  await tsa.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
