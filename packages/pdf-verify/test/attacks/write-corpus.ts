// Writes the attack corpus and the hostile inputs to a folder, with their expected verdicts
// (expected.json), for inspection with other validators. Run: npx tsx packages/pdf-verify/test/attacks/write-corpus.ts DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildFixtures } from '../fixtures/index.js';
import { buildCorpus } from './corpus.js';
import { HOSTILE_INPUTS } from './hostile.js';

const dir = resolve(process.argv[2] ?? 'attack-corpus');
mkdirSync(dir, { recursive: true });
const fx = await buildFixtures();
try {
  const corpus = await buildCorpus(fx);
  const expected: Record<string, unknown> = {};
  for (const c of corpus) {
    writeFileSync(join(dir, `${c.kind}-${c.name}.pdf`), c.pdf);
    expected[`${c.kind}-${c.name}.pdf`] = { about: c.about, ...c.expect, change: c.expect.change?.source };
  }
  for (const [name, make] of Object.entries(HOSTILE_INPUTS)) {
    writeFileSync(join(dir, `hostile-${name}.pdf`), make());
    expected[`hostile-${name}.pdf`] = { about: 'must be answered quickly: a report or PDF_UNREADABLE / PDF_LIMIT_EXCEEDED' };
  }
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected, null, 2));
  writeFileSync(join(dir, 'root-ca.pem'), fx.pki.rootPem);
  console.log(`${corpus.length + Object.keys(HOSTILE_INPUTS).length} files written to ${dir}`);
} finally {
  fx.cleanUp();
}
