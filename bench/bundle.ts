// Sizes of the web component as browsers download it. Target (issue 11): the element itself under
// 50 KB compressed (brotli and gzip); the verifier is a chunk of its own, fetched on the first
// verify() only. Baseline: one module of 1,284,026 bytes (312 KB brotli) that every form page with
// the control downloaded.
// Run: npx tsx bench/bundle.ts (builds plugin-ui first, as npm run build:ui does)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { build } from 'vite';

const DIST = path.resolve('plugin-ui/dist');
/** Decimal units throughout, as the numbers (1.28 MB, 312 KB): the target is 50,000 bytes. */
const TARGET = 50_000;
/** The single module before the split (commit 5c0e4c6), measured the same way. */
const BASELINE = { raw: 1_284_026, gzip: 380_257, brotli9: 335_736, brotli11: 312_188 };

interface Sizes {
  raw: number;
  gzip: number;
  /** What the service sends (src/routes/widget.ts compresses with brotli quality 9). */
  brotli9: number;
  brotli11: number;
}

function sizes(file: string): Sizes {
  const body = fs.readFileSync(path.join(DIST, file));
  const brotli = (quality: number) =>
    zlib.brotliCompressSync(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }).length;
  return { raw: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length, brotli9: brotli(9), brotli11: brotli(11) };
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const row = (label: string, s: Sizes) =>
  `${label.padEnd(48)}${kb(s.raw).padStart(11)}${kb(s.gzip).padStart(11)}${kb(s.brotli9).padStart(11)}${kb(s.brotli11).padStart(11)}`;

await build({ configFile: path.resolve('plugin-ui/vite.config.ts'), logLevel: 'error' });

const element = sizes('infoplus-signature.js');
const verifier = sizes('infoplus-signature-verifier.js');
console.log(`${'file'.padEnd(48)}${'raw'.padStart(11)}${'gzip -9'.padStart(11)}${'br q9'.padStart(11)}${'br q11'.padStart(11)}`);
console.log(row('infoplus-signature.js (element, every page)', element));
console.log(row('infoplus-signature-verifier.js (first verify)', verifier));
console.log(row('before: infoplus-signature.js (all in one)', BASELINE));

const worst = Math.max(element.gzip, element.brotli9, element.brotli11);
console.log(
  `element vs target ${kb(TARGET)} compressed: gzip ${kb(element.gzip)}, brotli ${kb(element.brotli9)} (q9, served) / ${kb(element.brotli11)} (q11) → ` +
    `${worst < TARGET ? 'OK' : 'OVER'} (${((worst / TARGET) * 100).toFixed(0)} % of the target)`,
);
console.log(
  `a form page that shows the control: ${kb(BASELINE.brotli11)} → ${kb(element.brotli11)} brotli q11 ` +
    `(${kb(BASELINE.brotli9)} → ${kb(element.brotli9)} as served, ${kb(BASELINE.gzip)} → ${kb(element.gzip)} gzip), ` +
    `${(BASELINE.brotli11 / element.brotli11).toFixed(1)}× less; the verifier's ${kb(verifier.brotli9)} (served) only when verify() is called`,
);
if (worst >= TARGET) process.exitCode = 1;
