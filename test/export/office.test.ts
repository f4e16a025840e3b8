// The warm LibreOffice pool against the real LibreOffice (soffice.bin + python3-uno): no mocks.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import libre from 'libreoffice-convert';
import { pino } from 'pino';
import PizZip from 'pizzip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfficePool, type OfficePool } from '../../src/export/office/index.js';

const NS = [
  'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"',
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"',
  'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"',
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"',
  'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"',
].join(' ');

/** A minimal WordprocessingML package: body XML + document relationships. */
function docx(body: string, relationships = ''): Buffer {
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
    'word/_rels/document.xml.rels',
    `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${relationships}</Relationships>`,
  );
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:document ${NS}><w:body>${body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440"/></w:sectPr></w:body></w:document>`,
  );
  return zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const para = (text: string) =>
  `<w:p><w:r><w:rPr><w:rFonts w:ascii="Noto Sans CJK SC" w:hAnsi="Noto Sans CJK SC" w:eastAsia="Noto Sans CJK SC"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;

const FORM = docx([para('请假申请表'), para('姓名：张三'), para('学院：计算机科学与技术学院'), para('事由：参加学术会议')].join(''));

/** An inline picture whose blip is a *linked* (r:link) image: LibreOffice's default profile fetches it. */
const linkedPicture = (rid: string, n: number) =>
  `<w:p><w:r><w:drawing><wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="${n}" name="Picture ${n}"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="${n}" name="x.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="${rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`;

const IMAGE_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image';

function externalImageDocx(httpUrl: string, fileUrl: string): Buffer {
  return docx(
    para('外部图片') + linkedPicture('rIdHttp', 1) + linkedPicture('rIdFile', 2),
    `<Relationship Id="rIdHttp" Type="${IMAGE_REL}" Target="${httpUrl}" TargetMode="External"/>` +
      `<Relationship Id="rIdFile" Type="${IMAGE_REL}" Target="${fileUrl}" TargetMode="External"/>`,
  );
}

/** A 1×1 red PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');

const isPdf = (b: Buffer) => b.subarray(0, 5).toString('latin1') === '%PDF-';

function pdfTool(dir: string, tool: 'pdftotext' | 'pdffonts' | 'pdfimages', pdf: Buffer): string {
  const file = path.join(dir, `${tool}-${Date.now()}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    const args = tool === 'pdftotext' ? [file, '-'] : tool === 'pdfimages' ? ['-list', file] : [file];
    return execFileSync(tool, args, { encoding: 'utf8' });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Does the process exist (a zombie counts as existing: it has not been reaped)? */
function exists(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`);
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** A local listener that records every request (the "remote" server of an external image link). */
async function listener(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
    res.end(PNG);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/x.png`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('LibreOffice pool', () => {
  let dir: string;
  let pool: OfficePool; // 2 workers
  let small: OfficePool; // 1 worker, queueLimit 1, conversionTimeoutMs 3000
  let recycling: OfficePool; // 1 worker, recycleAfter 2
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk, _enc, done) {
        warnings.push(String(chunk));
        done();
      },
    }),
  );

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'office-pool-'));
    // Four soffice.bin start at once beside the rest of the suite: on a loaded 2-core CI machine the
    // default 30 s start bound can pass, and the pool would quietly fall back. These tests are about
    // the warm pool, so they wait longer for it and refuse the fallback.
    const warm = { startTimeoutMs: 150_000, fallback: false, logger } as const;
    // Name the cause when a worker cannot start (the pool logs it as a warning).
    const explain = (error: unknown) => {
      throw new Error(`${(error as Error).message}\n${warnings.join('')}`, { cause: error });
    };
    [pool, small, recycling] = await Promise.all([
      createOfficePool({ ...warm, workers: 2, workDir: path.join(dir, 'a') }),
      createOfficePool({ ...warm, workers: 1, queueLimit: 1, conversionTimeoutMs: 3000, workDir: path.join(dir, 'b') }),
      createOfficePool({ ...warm, workers: 1, recycleAfter: 2, workDir: path.join(dir, 'c') }),
    ]).catch(explain);
  }, 200_000);

  afterAll(async () => {
    await Promise.all([pool?.close(), small?.close(), recycling?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('converts a Chinese one-page form, with the CJK font embedded', async () => {
    expect(pool.stats().mode).toBe('pool');
    const pdf = await pool.convert(FORM);
    expect(isPdf(pdf)).toBe(true);
    const text = pdfTool(dir, 'pdftotext', pdf);
    for (const s of ['请假申请表', '张三', '计算机科学与技术学院']) expect(text).toContain(s);
    // name type... emb sub uni object-id gen: read the columns from the right (types contain spaces).
    const fonts = pdfTool(dir, 'pdffonts', pdf)
      .split('\n')
      .slice(2)
      .filter((line) => line.trim())
      .map((line) => {
        const cols = line.trim().split(/\s+/);
        return { name: cols[0], emb: cols[cols.length - 5] };
      });
    expect(
      fonts.some((f) => /Noto(Sans|Serif)CJK/i.test(f.name) && f.emb === 'yes'),
      JSON.stringify(fonts),
    ).toBe(true);
  });

  it('stays warm: the next conversion is quick and counted', async () => {
    const before = pool.stats().converted;
    const started = performance.now();
    const pdf = await pool.convert(FORM);
    const ms = performance.now() - started;
    expect(isPdf(pdf)).toBe(true);
    expect(ms).toBeLessThan(5000);
    expect(pool.stats().converted).toBe(before + 1);
    expect(await pool.healthCheck()).toBe(true);
    expect(pool.stats().converted).toBe(before + 1); // health checks are not counted
    // Both workers serve (one may be between a recycle and its restart on a loaded machine).
    for (let i = 0; i < 60 && pool.stats().workers < 2; i++) await new Promise((resolve) => setTimeout(resolve, 500));
    expect(pool.stats()).toMatchObject({ workers: 2, busy: 0, queued: 0, mode: 'pool' });
  });

  it('does not fetch an external (TargetMode="External") image, over http or from a local file', async () => {
    const server = await listener();
    try {
      const local = path.join(dir, 'local.png');
      fs.writeFileSync(local, PNG);
      const pdf = await pool.convert(externalImageDocx(server.url, `file://${local}`));
      expect(isPdf(pdf)).toBe(true);
      expect(pdfTool(dir, 'pdftotext', pdf)).toContain('外部图片');
      expect(server.requests).toEqual([]);
      // Neither image made it into the PDF (the local file's would appear as an image).
      expect(
        pdfTool(dir, 'pdfimages', pdf)
          .split('\n')
          .slice(2)
          .filter((l) => l.trim()),
      ).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('control: an unhardened LibreOffice (libreoffice-convert, default profile) does fetch that link', async () => {
    const server = await listener();
    try {
      const pdf = await promisify(libre.convert)(externalImageDocx(server.url, 'file:///nonexistent.png'), '.pdf', undefined);
      expect(isPdf(pdf)).toBe(true);
      expect(server.requests.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('rejects with CONVERT_QUEUE_FULL when the queue is full, and converts the rest', async () => {
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => small.convert(FORM)));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const fulfilled = results.filter((r): r is PromiseFulfilledResult<Buffer> => r.status === 'fulfilled');
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const r of rejected) expect((r.reason as { code?: string }).code).toBe('CONVERT_QUEUE_FULL');
    for (const r of fulfilled) expect(isPdf(r.value)).toBe(true);
    expect(String((rejected[0].reason as Error).message)).toMatch(/busy/);
  });

  it('times out a hung soffice (SIGSTOP), kills its process groups and converts the next document', async () => {
    const before = small.stats().restarts;
    const job = small.convert(FORM);
    const [busy] = small.processes();
    expect(busy.state).toBe('busy');
    const { soffice, python } = busy as { soffice: number; python: number };
    process.kill(soffice, 'SIGSTOP');
    const started = performance.now();
    const error = (await job.catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(error.code).toBe('CONVERT_TIMEOUT');
    expect(error.message).toBe('The document could not be converted to PDF within 3 s; please try again.');
    expect(performance.now() - started).toBeGreaterThan(2500);
    const pdf = await small.convert(FORM);
    expect(isPdf(pdf)).toBe(true);
    expect(exists(soffice)).toBe(false); // killed and reaped: not even a zombie
    expect(exists(python)).toBe(false);
    expect(small.stats().restarts).toBe(before + 1);
  });

  it('reports CONVERT_FAILED when soffice.bin is killed mid-job, restarts it and converts the next document', async () => {
    const before = pool.stats().restarts;
    const job = pool.convert(FORM);
    const busy = pool.processes().find((w) => w.state === 'busy');
    expect(busy?.soffice).toBeTypeOf('number');
    process.kill(busy!.soffice!, 'SIGKILL');
    expect(await codeOf(job)).toBe('CONVERT_FAILED');
    expect(isPdf(await pool.convert(FORM))).toBe(true);
    expect(pool.stats().restarts).toBeGreaterThanOrEqual(before + 1);
    expect(exists(busy!.soffice!)).toBe(false);
  });

  it('reports CONVERT_FAILED when the python converter dies mid-job, and recovers', async () => {
    const job = pool.convert(FORM);
    const busy = pool.processes().find((w) => w.state === 'busy');
    process.kill(busy!.python!, 'SIGKILL');
    expect(await codeOf(job)).toBe('CONVERT_FAILED');
    expect(isPdf(await pool.convert(FORM))).toBe(true);
  });

  it('rejects random bytes with CONVERT_FAILED and stays usable', async () => {
    const restarts = pool.stats().restarts;
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) random[i] = Math.floor(Math.random() * 256);
    const error = (await pool.convert(random).catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(error.code).toBe('CONVERT_FAILED');
    expect(error.message).toMatch(/could not be converted to PDF/);
    expect(await codeOf(pool.convert(Buffer.alloc(0)))).toBe('CONVERT_FAILED');
    expect(await codeOf(pool.convert(Buffer.from('PK\x03\x04 not really a zip', 'latin1')))).toBe('CONVERT_FAILED');
    expect(isPdf(await pool.convert(FORM))).toBe(true);
    expect(pool.stats().restarts).toBe(restarts); // an unconvertible input does not cost a restart
  });

  it('recycles a worker after recycleAfter conversions and keeps converting', async () => {
    const first = recycling.processes()[0].soffice;
    for (let i = 0; i < 3; i++) expect(isPdf(await recycling.convert(FORM))).toBe(true);
    expect(recycling.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(recycling.stats().converted).toBe(3);
    expect(recycling.processes()[0].soffice).not.toBe(first);
    expect(exists(first!)).toBe(false);
  });

  it('close() leaves no process behind and later conversions reject with POOL_CLOSED', async () => {
    const pids = recycling.pids();
    expect(pids.length).toBe(2);
    await recycling.close();
    for (const pid of pids) expect(exists(pid), `pid ${pid}`).toBe(false);
    expect(recycling.pids()).toEqual([]);
    expect(await codeOf(recycling.convert(FORM))).toBe('POOL_CLOSED');
    expect(fs.existsSync(path.join(dir, 'c', 'tmp'))).toBe(false);
  });

  it('falls back to libreoffice-convert (hardened profile) with a warning when no worker can start', async () => {
    const fallback = await createOfficePool({
      workers: 1,
      workDir: path.join(dir, 'd'),
      sofficeBinary: path.join(dir, 'missing', 'soffice.bin'),
      startTimeoutMs: 5000,
      logger,
    });
    const server = await listener();
    try {
      expect(fallback.stats().mode).toBe('fallback');
      expect(warnings.some((w) => w.includes('libreoffice-convert'))).toBe(true);
      const pdf = await fallback.convert(externalImageDocx(server.url, 'file:///nonexistent.png'));
      expect(pdfTool(dir, 'pdftotext', pdf)).toContain('外部图片');
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
      await fallback.close();
    }
  });
});
