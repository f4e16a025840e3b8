// Benchmark: DOCX → PDF with the warm LibreOffice pool vs libreoffice-convert (one soffice start per document).
// Run: npx tsx bench/convert.ts
//
// Targets: pool median ≤ 1/10 of libreoffice-convert's; ≥ 15 docs/s with a 2-worker pool and 2 concurrent clients.
//
// Documents: a one-page Chinese leave-application form built here (title, a 2-column table, a signature
// line), plus every templates/<name>.docx that has a templates/<name>.sample.json (rendered with
// docxtemplater); templates without sample data are skipped.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docxtemplater from 'docxtemplater';
import libre from 'libreoffice-convert';
import PizZip from 'pizzip';
import { createOfficePool } from '../src/export/office/index.js';

const POOL_WARMUPS = 2;
const POOL_RUNS = 20;
const LIBRE_RUNS = 5;
const THROUGHPUT_DOCS = 40;
const CLIENTS = 2;
const WORKERS = 2;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const run = (text: string, size = 24, bold = false) =>
  `<w:r><w:rPr><w:rFonts w:ascii="Noto Serif CJK SC" w:hAnsi="Noto Serif CJK SC" w:eastAsia="Noto Serif CJK SC"/>${bold ? '<w:b/>' : ''}<w:sz w:val="${size}"/></w:rPr><w:t xml:space="preserve">${esc(text)}</w:t></w:r>`;
const cell = (text: string, width: number, bold = false) =>
  `<w:tc><w:tcPr><w:tcW w:w="${width}" w:type="dxa"/></w:tcPr><w:p>${run(text, 24, bold)}</w:p></w:tc>`;

/** A one-page Chinese form: title, 8-row table, signature line. */
function formDocx(): Buffer {
  const rows: Array<[string, string]> = [
    ['姓名', '张三'],
    ['学号', '2023010123'],
    ['学院', '计算机科学与技术学院'],
    ['请假类型', '事假'],
    ['起止时间', '2024年5月6日 至 2024年5月10日（共5天）'],
    ['请假事由', '参加在上海举办的全国计算机体系结构学术会议并作报告。'],
    ['辅导员意见', '同意。'],
    ['学院意见', '同意，请按时返校并办理销假手续。'],
  ];
  const border =
    '<w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/><w:right w:val="single" w:sz="4"/><w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/>';
  const table = `<w:tbl><w:tblPr><w:tblW w:w="9000" w:type="dxa"/><w:tblBorders>${border}</w:tblBorders></w:tblPr><w:tblGrid><w:gridCol w:w="2200"/><w:gridCol w:w="6800"/></w:tblGrid>${rows
    .map(([k, v]) => `<w:tr><w:trPr><w:trHeight w:val="600"/></w:trPr>${cell(k, 2200, true)}${cell(v, 6800)}</w:tr>`)
    .join('')}</w:tbl>`;
  const body =
    `<w:p><w:pPr><w:jc w:val="center"/></w:pPr>${run('学生请假申请表', 36, true)}</w:p>` +
    table +
    `<w:p/><w:p><w:pPr><w:jc w:val="right"/></w:pPr>${run('申请人签字：__________    日期：2024年5月1日')}</w:p>`;
  const zip = new PizZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440"/></w:sectPr></w:body></w:document>`,
  );
  return zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** templates/<name>.docx rendered with templates/<name>.sample.json (templates without sample data are skipped). */
function templateDocs(): Array<{ name: string; docx: Buffer }> {
  const dir = path.resolve('templates');
  if (!fs.existsSync(dir)) return [];
  const docs: Array<{ name: string; docx: Buffer }> = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.docx'))
    .sort()) {
    const name = file.slice(0, -'.docx'.length);
    const sample = path.join(dir, `${name}.sample.json`);
    if (!fs.existsSync(sample)) {
      console.log(`(skipping templates/${file}: no ${name}.sample.json)`);
      continue;
    }
    try {
      const doc = new Docxtemplater(new PizZip(fs.readFileSync(path.join(dir, file))), { paragraphLoop: true, linebreaks: true });
      doc.render(JSON.parse(fs.readFileSync(sample, 'utf8')));
      docs.push({ name: `templates/${file}`, docx: doc.getZip().generate({ type: 'nodebuffer', compression: 'DEFLATE' }) });
    } catch (error) {
      console.log(`(skipping templates/${file}: ${(error as Error).message})`);
    }
  }
  return docs;
}

interface Summary {
  median: number;
  p95: number;
  min: number;
  max: number;
  n: number;
}

function summarize(times: number[]): Summary {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { median, p95: at(0.95), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

async function timeRuns(runs: number, fn: () => Promise<Buffer>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const pdf = await fn();
    times.push(performance.now() - start);
    if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('not a PDF');
  }
  return times;
}

const ms = (v: number) => `${v.toFixed(v < 100 ? 1 : 0)} ms`;
const row = (cols: string[], widths: number[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

function machine(): string[] {
  let lo = 'unknown';
  try {
    lo = execFileSync('/usr/lib/libreoffice/program/soffice.bin', ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    try {
      lo = execFileSync('soffice', ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
    } catch {
      // keep unknown
    }
  }
  const cpus = os.cpus();
  return [
    `CPU: ${cpus[0]?.model ?? 'unknown'} (${os.availableParallelism()} cores available, ${cpus.length} online)`,
    `Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()}; Node ${process.version}`,
    `LibreOffice: ${lo}`,
  ];
}

const form = formDocx();
const templates = templateDocs();
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-office-'));
const libreConvert = promisify(libre.convert) as (document: Buffer, format: string, filter: string | undefined) => Promise<Buffer>;

console.log(machine().join('\n'));
console.log('');

const startedAt = performance.now();
const pool = await createOfficePool({ workers: WORKERS, workDir });
const startupMs = performance.now() - startedAt;
try {
  if (pool.stats().mode !== 'pool') throw new Error('the pool fell back to libreoffice-convert: nothing to benchmark');
  await timeRuns(POOL_WARMUPS, () => pool.convert(form));
  const poolTimes = summarize(await timeRuns(POOL_RUNS, () => pool.convert(form)));

  const templateTimes: Array<{ name: string; s: Summary }> = [];
  for (const t of templates) {
    await timeRuns(1, () => pool.convert(t.docx));
    templateTimes.push({ name: t.name, s: summarize(await timeRuns(10, () => pool.convert(t.docx))) });
  }

  // Throughput: CLIENTS clients, each converting its share one after another.
  const perClient = THROUGHPUT_DOCS / CLIENTS;
  const tStart = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => timeRuns(perClient, () => pool.convert(form))));
  const tSeconds = (performance.now() - tStart) / 1000;
  const docsPerSecond = THROUGHPUT_DOCS / tSeconds;

  const libreTimes = summarize(await timeRuns(LIBRE_RUNS, () => libreConvert(form, '.pdf', undefined)));

  const widths = [44, 10, 10, 10, 10, 5];
  console.log(row(['1-page Chinese form (DOCX → PDF)', 'median', 'p95', 'min', 'max', 'runs'], widths));
  console.log('-'.repeat(widths.reduce((a, b) => a + b + 2, -2)));
  const line = (label: string, s: Summary) => console.log(row([label, ms(s.median), ms(s.p95), ms(s.min), ms(s.max), String(s.n)], widths));
  line(`warm pool (${WORKERS} workers, sequential)`, poolTimes);
  for (const t of templateTimes) line(`warm pool: ${t.name}`, t.s);
  line('libreoffice-convert (soffice per document)', libreTimes);
  console.log('');
  const ratio = poolTimes.median / libreTimes.median;
  console.log(`pool startup (${WORKERS} workers, first ready): ${ms(startupMs)}`);
  console.log(
    `pool median / libreoffice-convert median: ${ratio.toFixed(3)} (1/${(1 / ratio).toFixed(0)})  target ≤ 0.1  ${ratio <= 0.1 ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `throughput: ${THROUGHPUT_DOCS} documents, ${CLIENTS} concurrent clients, ${WORKERS} workers: ${tSeconds.toFixed(2)} s = ${docsPerSecond.toFixed(1)} docs/s  target ≥ 15  ${docsPerSecond >= 15 ? 'OK' : 'MISSED'}`,
  );
  console.log(`libreoffice-convert equivalent: ${(1000 / libreTimes.median).toFixed(2)} docs/s per client`);
  console.log('pool stats:', JSON.stringify(pool.stats()));
} finally {
  await pool.close();
  fs.rmSync(workDir, { recursive: true, force: true });
}
