// Fuzzing the verifier for a bounded time: mutations of signed fixtures and of the hostile inputs
// go through the service's worker pool, and every one must be answered within the deadline with a
// report or a clear PDF_UNREADABLE / PDF_LIMIT_EXCEEDED — never a timeout, never an uncaught error.
// FUZZ_SECONDS sets the time (default 60 in CI, 15 elsewhere); FUZZ_SEED the first seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyPool } from '../../src/verification/pool.js';
import { deepNesting, HOSTILE_INPUTS } from '../../packages/pdf-verify/test/attacks/hostile.js';
import { buildFixtures, opensslSign, type VerifyFixtures } from '../../packages/pdf-verify/test/fixtures/index.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? (process.env.CI ? 60 : 15));
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

/** mulberry32: a small seeded PRNG, so a failing input can be made again from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '%%EOF\n',
  'startxref\n0\n',
  ' 0 R',
  '<<',
  '>>',
  '[',
  ']',
  '/Predictor 12',
  '/Columns 0',
  '/Prev 0',
  'endstream',
  'stream\n',
  '/ByteRange [0 1 2 3]',
  '/Kids [1 0 R]',
  '9999999999',
  '-1',
  '/Filter /FlateDecode',
  'obj',
  'endobj',
];

function mutate(seedPdf: Uint8Array, next: () => number): Uint8Array {
  const bytes = Buffer.from(seedPdf);
  const at = () => Math.floor(next() * bytes.length);
  switch (Math.floor(next() * 6)) {
    case 0: {
      // flip bytes
      const out = Buffer.from(bytes);
      for (let i = 0, n = 1 + Math.floor(next() * 16); i < n; i++) out[at()] = Math.floor(next() * 256);
      return out;
    }
    case 1: // truncate
      return bytes.subarray(0, at());
    case 2: {
      // insert a PDF token
      const i = at();
      return Buffer.concat([bytes.subarray(0, i), Buffer.from(TOKENS[Math.floor(next() * TOKENS.length)], 'latin1'), bytes.subarray(i)]);
    }
    case 3: {
      // duplicate a region
      const i = at();
      const length = Math.floor(next() * 4096);
      return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i, i + length), bytes.subarray(i)]);
    }
    case 4: {
      // rewrite a number
      const text = bytes.toString('latin1');
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length === 0) return bytes;
      const match = numbers[Math.floor(next() * numbers.length)];
      const value = [0, 1, 2 ** 31, 2 ** 53, Number(match[0]) + 1, Number(match[0]) * 1000][Math.floor(next() * 6)];
      return Buffer.from(text.slice(0, match.index) + String(value) + text.slice((match.index ?? 0) + match[0].length), 'latin1');
    }
    default: {
      // delete a region
      const i = at();
      return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + Math.floor(next() * 2048))]);
    }
  }
}

let fx: VerifyFixtures;
let pool: VerifyPool;
let seeds: Uint8Array[];

beforeAll(async () => {
  fx = await buildFixtures();
  let small = fx.form;
  for (const [fieldName, signer] of [
    ['Seal1', fx.pki.rsa],
    ['Seal2', fx.pki.ec],
  ] as const) {
    small = await opensslSign(small, { signer, fieldName, subFilter: 'ETSI.CAdES.detached', workDir: fx.workDir });
  }
  seeds = [
    fx.threeSigned,
    small,
    HOSTILE_INPUTS.predictorZeroColumns(),
    HOSTILE_INPUTS.prevLoop(),
    HOSTILE_INPUTS.hugeCounts(),
    deepNesting(2000),
  ];
  pool = new VerifyPool({ workers: 2, timeoutMs: 5000, queueLimit: 64, maxMemoryMb: 512 });
}, 300_000);

afterAll(async () => {
  await pool?.close();
  fx?.cleanUp();
});

describe('verifier fuzzing', () => {
  it(
    `answers every mutated input within the deadline, without an uncaught error (${SECONDS} s)`,
    async () => {
      const next = random(SEED);
      const findings: string[] = [];
      const outcomes = new Map<string, number>();
      const deadline = Date.now() + SECONDS * 1000;
      let count = 0;
      while (Date.now() < deadline) {
        const batch = Array.from({ length: 4 }, () => {
          const seed = seeds[Math.floor(next() * seeds.length)];
          let pdf = mutate(seed, next);
          if (next() < 0.3) pdf = mutate(pdf, next);
          return pdf;
        });
        await Promise.all(
          batch.map(async (pdf) => {
            const outcome = await pool.verify(pdf, { trustAnchorsPem: [fx.pki.rootPem] }).then(
              () => 'report',
              (error: { code?: string; message?: string }) => {
                if (error.code === 'VERIFY_TIMEOUT' || error.code === 'VERIFY_FAILED' || !error.code) {
                  findings.push(
                    `${error.code}: ${error.message} (input sha of ${pdf.length} bytes, first bytes ${Buffer.from(pdf.subarray(0, 16)).toString('hex')})`,
                  );
                }
                return error.code ?? 'error';
              },
            );
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          }),
        );
        count += batch.length;
      }
      console.log(`fuzzed ${count} inputs in ${SECONDS} s (seed ${SEED}): ${JSON.stringify(Object.fromEntries(outcomes))}`);
      expect(count).toBeGreaterThan(10);
      expect(findings).toEqual([]);
    },
    (SECONDS + 120) * 1000,
  );
});
