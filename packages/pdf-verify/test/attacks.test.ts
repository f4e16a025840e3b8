// The attack corpus (attacks/corpus.ts): every attack is caught, every benign update accepted,
// and pdfsig — which judges only the signed bytes — agrees that those bytes are untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPdf } from '../src/index.js';
import { registerNodeDigests } from '../src/node.js';
import { buildCorpus, type CorpusCase } from './attacks/corpus.js';
import { buildFixtures, pdfsigVerify, type VerifyFixtures } from './fixtures/index.js';

let fx: VerifyFixtures;
let corpus: CorpusCase[];

beforeAll(async () => {
  registerNodeDigests();
  fx = await buildFixtures();
  corpus = await buildCorpus(fx);
}, 300_000);

afterAll(() => fx?.cleanUp());

describe('attack corpus', () => {
  it('has at least 25 cases, attacks and benign updates', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(25);
    expect(corpus.filter((c) => c.kind === 'attack').length).toBeGreaterThanOrEqual(15);
    expect(corpus.filter((c) => c.kind === 'benign').length).toBeGreaterThanOrEqual(10);
  });

  it('gives each case its expected verdict', async () => {
    const failures: string[] = [];
    for (const c of corpus) {
      const report = await verifyPdf(c.pdf, { trustAnchorsPem: [fx.pki.rootPem] });
      const first = report.signatures[0];
      const problems: string[] = [];
      if (report.valid !== c.expect.valid) problems.push(`valid ${report.valid}`);
      if (!first) problems.push('no signature');
      else if (first.modifiedAfterSigning !== c.expect.firstModified) problems.push(`first modified ${first.modifiedAfterSigning}`);
      if (c.expect.change && !report.signatures.some((s) => s.changes.some((change) => c.expect.change!.test(change))))
        problems.push(`no change matching ${c.expect.change}`);
      if (c.expect.state && !report.signatures.some((s) => s.states.includes(c.expect.state!))) problems.push(`no state ${c.expect.state}`);
      if (c.expect.level && report.revisions.at(-1)?.level !== c.expect.level)
        problems.push(`last revision level ${report.revisions.at(-1)?.level}`);
      if (c.kind === 'benign' && !report.signatures.every((s) => s.valid && s.intact)) problems.push('a signature is not valid');
      if (problems.length > 0)
        failures.push(
          `${c.name}: ${problems.join('; ')} — ${JSON.stringify(report.signatures.map((s) => [s.field, s.states, s.changes]))}`,
        );
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('agrees with pdfsig on the signed bytes', () => {
    const disagreements: string[] = [];
    for (const c of corpus.filter((x) => x.pdfsigBytesValid)) {
      const verdicts = pdfsigVerify(fx.pki.nssDir, c.pdf, fx.workDir);
      // pdfsig says nothing of later revisions: the attacks keep signed bytes pdfsig calls valid.
      const rsaVerdicts = verdicts.filter((v) => v.field !== 'EdSeal' && v.field !== 'DocTs');
      if (rsaVerdicts.length === 0 || !rsaVerdicts.every((v) => v.signatureValidation === 'Signature is Valid.')) {
        disagreements.push(`${c.name}: ${JSON.stringify(verdicts)}`);
      }
    }
    expect(disagreements).toEqual([]);
  }, 120_000);
});
