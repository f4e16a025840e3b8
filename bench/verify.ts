// Benchmark of verification through the service's worker pool (issue 11's numbers); the verifier
// alone: packages/pdf-verify/bench/verify.ts. Run: npx tsx bench/verify.ts
//
// 1. Clean documents (packages/pdf-verify/bench/measure.ts: a 3-seal form signed by the openssl
//    test signer and one signed by pdfsig), verified in this thread (verifyPdf) and through the
//    service's worker pool (VerifyPool), median of 30 after a warm-up. Target: ≤ 10 ms per
//    signature through the worker.
// 2. Hostile inputs (packages/pdf-verify/test/attacks/hostile.ts) through the pool: time to the answer
//    (target ≤ 2 s each) and the longest stall of this thread's event loop meanwhile, measured
//    with perf_hooks.monitorEventLoopDelay (target ≤ 50 ms).
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { verifyPdf } from '@infoplus/pdf-verify';
import { VerifyPool } from '../src/verification/pool.js';
import { cleanDocuments, measure } from '../packages/pdf-verify/bench/measure.js';
import { HOSTILE_INPUTS } from '../packages/pdf-verify/test/attacks/hostile.js';
import { buildFixtures } from '../packages/pdf-verify/test/fixtures/index.js';

console.log(
  `verify bench — ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
);
const fx = await buildFixtures();
const pool = new VerifyPool({ workers: 2, timeoutMs: 2000, queueLimit: 32, maxMemoryMb: 512 });
try {
  const anchors = [fx.pki.rootPem];
  console.log('clean documents (target ≤ 10 ms per signature through the worker):');
  const results: [string, number][] = [];
  for (const [label, pdf] of await cleanDocuments(fx)) {
    const inThread = await measure(`${label}, in this thread`, pdf, () => verifyPdf(pdf, { trustAnchorsPem: anchors }));
    const viaPool = await measure(`${label}, through the worker pool`, pdf, () => pool.verify(pdf, { trustAnchorsPem: anchors }));
    results.push([label, viaPool]);
    console.log(`    worker / in-thread = ${(viaPool / inThread).toFixed(2)}`);
  }

  console.log('hostile inputs through the worker pool (targets: answer ≤ 2000 ms, event-loop stall ≤ 50 ms):');
  let worstAnswer = 0;
  let worstStall = 0;
  for (const [name, make] of Object.entries(HOSTILE_INPUTS)) {
    const pdf = make();
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const start = performance.now();
    const outcome = await pool.verify(pdf, { trustAnchorsPem: anchors }).then(
      (report) => `report (${report.documentStates.join(', ')})`,
      (error: { code?: string }) => error.code ?? 'error',
    );
    const elapsed = performance.now() - start;
    histogram.disable();
    const stall = histogram.max / 1e6;
    worstAnswer = Math.max(worstAnswer, elapsed);
    worstStall = Math.max(worstStall, stall);
    console.log(
      `  ${name.padEnd(22)} ${(pdf.length / 1024).toFixed(0).padStart(6)} KB → ${outcome.padEnd(34)} ${elapsed.toFixed(0).padStart(5)} ms, event-loop stall max ${stall.toFixed(1)} ms`,
    );
  }
  console.log(
    `summary: worst hostile answer ${worstAnswer.toFixed(0)} ms (target ≤ 2000), worst event-loop stall ${worstStall.toFixed(1)} ms (target ≤ 50), ` +
      results.map(([label, ms]) => `${label} ${ms.toFixed(1)} ms/signature`).join('; ') +
      ' (target ≤ 10)',
  );
} finally {
  await pool.close();
  fx.cleanUp();
}
