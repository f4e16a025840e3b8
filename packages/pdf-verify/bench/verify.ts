// Benchmark of the verifier alone, in this thread (the service's worker pool: bench/verify.ts at the
// repository root). Run: npx tsx packages/pdf-verify/bench/verify.ts
//
// 1. Clean documents (see cleanDocuments): median of 30 verifications after a warm-up, per signature.
// 2. Hostile inputs (test/attacks/hostile.ts): time to the answer — a report, or the limit that
//    stopped the work (PDF_LIMIT_EXCEEDED) or PDF_UNREADABLE — with the default limits.
import os from 'node:os';
import { verifyPdf } from '../src/index.js';
import { registerNodeDigests } from '../src/node.js';
import { HOSTILE_INPUTS } from '../test/attacks/hostile.js';
import { buildFixtures } from '../test/fixtures/index.js';
import { cleanDocuments, measure } from './measure.js';

console.log(`pdf-verify bench — ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, Node ${process.version}`);
registerNodeDigests();
const fx = await buildFixtures();
try {
  const anchors = [fx.pki.rootPem];
  console.log('clean documents, in this thread:');
  const results: string[] = [];
  for (const [label, pdf] of await cleanDocuments(fx)) {
    const perSignature = await measure(label, pdf, () => verifyPdf(pdf, { trustAnchorsPem: anchors }));
    results.push(`${label} ${perSignature.toFixed(1)} ms/signature`);
  }

  console.log('hostile inputs, in this thread:');
  let worstAnswer = 0;
  for (const [name, make] of Object.entries(HOSTILE_INPUTS)) {
    const pdf = make();
    const start = performance.now();
    const outcome = await verifyPdf(pdf, { trustAnchorsPem: anchors }).then(
      (report) => `report (${report.documentStates.join(', ')})`,
      (error: { code?: string }) => error.code ?? 'error',
    );
    const elapsed = performance.now() - start;
    worstAnswer = Math.max(worstAnswer, elapsed);
    console.log(
      `  ${name.padEnd(22)} ${(pdf.length / 1024).toFixed(0).padStart(6)} KB → ${outcome.padEnd(34)} ${elapsed.toFixed(0).padStart(5)} ms`,
    );
  }
  console.log(`summary: ${results.join('; ')}; worst hostile answer ${worstAnswer.toFixed(0)} ms`);
} finally {
  fx.cleanUp();
}
