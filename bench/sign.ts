// Benchmark of applying one seal (placement + seal appearance + PAdES signature, incremental update)
// and of verifying a three-seal PDF. Targets (issue 4): ≤ 30 ms per seal on the 1-page form; a seal
// on a 50-page PDF ≤ 2× the 1-page cost; verify ≤ 20 ms per signature.
// Run: npx tsx bench/sign.ts
//
// Documents are real LibreOffice output (a 1-page Chinese form, a 50-page document). Medians over
// 30 runs after 3 warm-up runs; key import, image embedding and CMS are inside every run.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { resolvePlacement, type PlacementSlot } from '../src/pdf/placement.js';
import { signPdf, type SigningMaterial } from '../src/pdf/pades/index.js';
import { verifyPdf } from '@infoplus/pdf-verify';
import { createCa, issueSigningCertificate } from '../src/pki/index.js';
import { officialSealSvg, rasterizeSvg } from '../src/seals/seal-image.js';
import { docxOf, sofficePdf } from '../test/helpers/office.js';

const RUNS = 30;
const WARM_UP = 3;
const SIZE = { width: 119, height: 119 };

async function median(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)];
}

const ca = await createCa({ commonName: 'Bench CA', organization: 'Bench', keyAlgorithm: 'ECDSA-P256' });
const ecdsa: SigningMaterial = await issueSigningCertificate(ca, { commonName: '示范大学', keyAlgorithm: 'ECDSA-P256', validDays: 30 });
const rsa: SigningMaterial = await issueSigningCertificate(ca, { commonName: '星河科技有限公司', keyAlgorithm: 'RSA-2048', validDays: 30 });
const image = { bytes: await rasterizeSvg(officialSealSvg({ organization: '示范大学', kind: '公章' }), 400), mime: 'image/png' as const };

const form = sofficePdf(
  docxOf([
    '请假申请表',
    '申请人：张三\u3000学号：2023012345',
    '请假事由：家中有事，需回家处理。',
    '申请人签名：【申请人签名】',
    '学院意见：【学院盖章】',
  ]),
);
const pages: string[] = [];
for (let i = 1; i <= 50; i++)
  pages.push(`第${i}页\u3000本页为长文档的正文内容，用于衡量增量签章在大文件上的开销。`, ...(i < 50 ? ['\f'] : []));
pages.push('【学院盖章】');
const fifty = sofficePdf(docxOf(pages));

const stamp = async (pdf: Uint8Array, material: SigningMaterial, slot: PlacementSlot, comment?: string) =>
  signPdf(pdf, material, { placement: await resolvePlacement(pdf, slot, SIZE), image, comment, signerName: '王五' });

const rows: Array<[string, number, string]> = [];
const coordinates: PlacementSlot = { x: 420, y: 700 };
const keyword: PlacementSlot = { placeHolder: '【学院盖章】' };

const formEc = await median(() => stamp(form, ecdsa, coordinates));
rows.push(['1-page form, ECDSA P-256, coordinates', formEc, 'target ≤ 30 ms']);
rows.push(['1-page form, RSA-2048, coordinates', await median(() => stamp(form, rsa, coordinates)), '']);
const formKeyword = await median(() => stamp(form, ecdsa, keyword));
rows.push(['1-page form, ECDSA, keyword placement', formKeyword, 'target ≤ 30 ms']);
rows.push(['1-page form, ECDSA, keyword + comment (CJK subset font)', await median(() => stamp(form, ecdsa, keyword, '同意')), '']);
const fiftyEc = await median(() => stamp(fifty, ecdsa, coordinates));
rows.push(['50-page PDF, ECDSA, coordinates', fiftyEc, `${(fiftyEc / formEc).toFixed(2)}× the 1-page seal (target ≤ 2×)`]);
const fiftyKeyword = await median(() => stamp(fifty, ecdsa, keyword));
rows.push([
  '50-page PDF, ECDSA, keyword on the last page',
  fiftyKeyword,
  `${(fiftyKeyword / formKeyword).toFixed(2)}× the 1-page seal (target ≤ 2×)`,
]);
rows.push(['50-page PDF, ECDSA, cross-page seal (50 slices)', await median(() => stamp(fifty, ecdsa, { crossPage: true })), '']);

let threeSealed = form;
for (const [material, slot] of [
  [ecdsa, { placeHolder: '【申请人签名】' }],
  [rsa, coordinates],
  [ecdsa, keyword],
] as const) {
  threeSealed = (await stamp(threeSealed, material, slot)).pdf;
}
const verifyReport = await verifyPdf(threeSealed, { trustAnchorsPem: [ca.certificatePem] });
if (!verifyReport.valid) throw new Error('the 3-seal PDF does not verify');
const verifyMedian = await median(() => verifyPdf(threeSealed, { trustAnchorsPem: [ca.certificatePem] }));
rows.push(['verify 3-seal form (all checks)', verifyMedian, `${(verifyMedian / 3).toFixed(1)} ms per signature (target ≤ 20)`]);

const soffice = execFileSync('soffice', ['--version'], { encoding: 'utf8' }).trim();
console.log(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}, ${soffice}`);
console.log(
  `Medians of ${RUNS} runs after ${WARM_UP} warm-ups (1-page form ${(form.length / 1024).toFixed(0)} KB, 50-page ${(fifty.length / 1024).toFixed(0)} KB)\n`,
);
console.log('| case | median ms | note |');
console.log('|---|---:|---|');
for (const [label, ms, note] of rows) console.log(`| ${label} | ${ms.toFixed(1)} | ${note} |`);
