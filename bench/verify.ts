// Benchmark of verifyPdf on a one-page form with three signatures. Target: ≤ 20 ms per signature.
// Run: npx tsx bench/verify.ts
//
// Two documents: signed three times by poppler's pdfsig (which embeds a ~750 KB font on the first
// signature, so the file is ~1.2 MB and every digest runs over it) and three times by the openssl
// test signer (pdf-lib incremental updates, CAdES, small file). Median over 30 runs after one
// warm-up run; the first (cold) run is printed too.
import { verifyPdf } from '../src/pdf/verify/index.js';
import { buildFixtures, opensslSign } from '../test/pdf/verify/fixtures/index.js';

const RUNS = 30;

async function measure(label: string, pdf: Uint8Array, trustAnchorsPem: string[]): Promise<void> {
  const coldStart = performance.now();
  const report = await verifyPdf(pdf, { trustAnchorsPem });
  const cold = performance.now() - coldStart;
  if (!report.valid) throw new Error(`${label}: expected a valid document, got ${JSON.stringify(report.signatures.map((s) => s.states))}`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await verifyPdf(pdf, { trustAnchorsPem });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)];
  const perSignature = median / report.signatureCount;
  console.log(
    `${label}: ${(pdf.length / 1024).toFixed(0)} KB, ${report.signatureCount} signatures, ` +
      `median ${median.toFixed(1)} ms (${perSignature.toFixed(1)} ms per signature), ` +
      `min ${times[0].toFixed(1)} ms, max ${times[RUNS - 1].toFixed(1)} ms, cold ${cold.toFixed(1)} ms`,
  );
}

const fx = await buildFixtures();
try {
  const anchors = [fx.pki.rootPem];
  await measure('pdfsig ×3 (RSA-2048, adbe.pkcs7.detached)', fx.threeSigned, anchors);

  let small = fx.form;
  for (const [fieldName, signer] of [['Seal1', fx.pki.rsa], ['Seal2', fx.pki.ec], ['Seal3', fx.pki.rsa]] as const) {
    small = await opensslSign(small, { signer, fieldName, subFilter: 'ETSI.CAdES.detached', workDir: fx.workDir });
  }
  await measure('openssl ×3 (RSA, ECDSA P-256, RSA; ETSI.CAdES.detached)', small, anchors);
} finally {
  fx.cleanUp();
}
