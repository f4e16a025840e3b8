// What the verifier benchmarks share: the clean documents and the median timing of one verification.
import { opensslSign, type VerifyFixtures } from '../test/fixtures/index.js';

const RUNS = 30;

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

/** A one-page form signed three times by the openssl test signer (pdf-lib updates, CAdES), and three times by poppler's pdfsig (~1.2 MB: pdfsig embeds a font). */
export async function cleanDocuments(fx: VerifyFixtures): Promise<[label: string, pdf: Uint8Array][]> {
  let small = fx.form;
  for (const [fieldName, signer] of [
    ['Seal1', fx.pki.rsa],
    ['Seal2', fx.pki.ec],
    ['Seal3', fx.pki.rsa],
  ] as const) {
    small = await opensslSign(small, { signer, fieldName, subFilter: 'ETSI.CAdES.detached', workDir: fx.workDir });
  }
  return [
    ['3-seal form, openssl (CAdES, RSA/ECDSA)', small],
    ['3-seal form, pdfsig (1.2 MB)', fx.threeSigned],
  ];
}

/** Median of 30 verifications after a warm-up, per signature; prints one line. */
export async function measure(
  label: string,
  pdf: Uint8Array,
  run: () => Promise<{ signatureCount: number; valid: boolean }>,
): Promise<number> {
  const first = await run();
  if (!first.valid) throw new Error(`${label}: expected a valid document`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  const m = median(times);
  const perSignature = m / first.signatureCount;
  console.log(
    `  ${label}: ${(pdf.length / 1024).toFixed(0)} KB, ${first.signatureCount} signatures, median ${m.toFixed(1)} ms = ${perSignature.toFixed(1)} ms per signature`,
  );
  return perSignature;
}
