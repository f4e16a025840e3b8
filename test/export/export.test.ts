// The export pipeline through the real service: templates → docxtemplater → the LibreOffice pool →
// stored PDF → Signature; ExportAPI; template upload; errors; queue and crash handling.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import PizZip from 'pizzip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docxOf } from '../helpers/office.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';

const TEMPLATES = path.resolve('templates');
const TEMPLATE_NAMES = ['leave-application', 'enrolment-certificate', 'agreement'];

function pdfTool(tool: string, pdf: Uint8Array, args: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdftool-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    return execFileSync(tool, [...args, path.join(dir, 'in.pdf'), ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every short Chinese string in the sample data (what must show up in the PDF). */
function chineseValues(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const line of value.split('\n')) if (/[\u4e00-\u9fff]/.test(line) && line.length <= 40) out.push(line);
  } else if (Array.isArray(value)) value.forEach((item) => chineseValues(item, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => chineseValues(item, out));
  return out;
}
const squeeze = (text: string) => text.replace(/\s+/g, '');

/** soffice.bin processes of a service's pool (their profile lives in its data dir). */
function poolPids(dataDir: string): number[] {
  const out = spawnSync('pgrep', ['-f', `${dataDir}/office/profile`], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('soffice.bin'));
}

describe('Word templates to PDF through the service', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ OFFICE_START: 'eager', OFFICE_WORKERS: '2', TEMPLATES_DIR: TEMPLATES });
  });
  afterAll(() => service?.stop());

  const readSample = (name: string) => JSON.parse(fs.readFileSync(path.join(TEMPLATES, `${name}.sample.json`), 'utf8'));
  const download = async (uri: string) => new Uint8Array(await (await service.api(new URL(uri, service.url).pathname)).arrayBuffer());

  for (const name of TEMPLATE_NAMES) {
    it(`creates a Signature from the ${name} template: Chinese text with embedded CJK fonts, default seals`, async () => {
      const sample = readSample(name);
      const seals = JSON.parse(fs.readFileSync(path.join(TEMPLATES, `${name}.seals.json`), 'utf8'));
      const created = await service.json('/signature', jsonInit('POST', { template: name, data: sample }));
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const signature = created.body.entities[0];
      expect(signature).toMatchObject({ mime: 'application/pdf', state: 'unsigned', template: name });
      expect(signature.seals.map((seal: any) => seal.placeHolder)).toEqual(seals.map((seal: any) => seal.placeHolder));
      const pdf = await download(signature.uri);
      const text = squeeze(pdfTool('pdftotext', pdf));
      for (const value of chineseValues(sample)) expect(text, value).toContain(squeeze(value));
      for (const seal of seals) expect(text).toContain(seal.placeHolder);
      const fonts = pdfTool('pdffonts', pdf).split('\n').slice(2).filter(Boolean);
      expect(fonts.some((line) => /CJK/.test(line) && /\byes\s+yes\b/.test(line))).toBe(true);
      if (name === 'agreement') {
        expect(pdfTool('pdfinfo', pdf)).toMatch(/Pages:\s+2\n/);
        const page2 = squeeze(pdfTool('pdftotext', pdf, ['-f', '2', '-l', '2']));
        expect(page2).toContain('【甲方盖章】');
        expect(page2).toContain('【乙方盖章】');
      }
    });
  }

  it('lists and serves the templates', async () => {
    const listed = await service.json('/templates');
    expect(listed.body.entities.map((t: any) => t.name)).toEqual(expect.arrayContaining(TEMPLATE_NAMES));
    const one = await service.api('/templates/agreement');
    expect(one.headers.get('content-type')).toContain('wordprocessingml');
    expect((await service.json('/templates/no-such-template')).status).toBe(404);
    expect((await service.json('/templates/..%2Fsecrets')).status).toBe(400);
  });

  it('answers the ExportAPI: bytes, {files:[{uri,page}]} with Accept JSON, the query-string form, and DOCX', async () => {
    const data = readSample('enrolment-certificate');
    const bytes = await service.api('/export/pdf', jsonInit('POST', { template: 'enrolment-certificate', data }));
    expect(bytes.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await bytes.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    const asJson = await service.json(
      '/export/pdf',
      jsonInit('POST', { template: 'agreement', data: readSample('agreement') }, { headers: { accept: 'application/json' } }),
    );
    expect(asJson.body).toEqual({ files: [{ uri: expect.stringMatching(/\/file\/[0-9a-f-]{36}$/), page: 2 }] });

    const query = new URLSearchParams({ template: 'enrolment-certificate', data: JSON.stringify(data) });
    const viaQuery = await service.api(`/export/pdf?${query}`, { method: 'POST' });
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.headers.get('content-type')).toBe('application/pdf');

    const docx = await service.api('/export/docx', jsonInit('POST', { template: 'enrolment-certificate', data }));
    const xml = new PizZip(new Uint8Array(await docx.arrayBuffer())).file('word/document.xml')!.asText();
    expect(xml).toContain(data.name);
    expect((await service.json('/export/xlsx', jsonInit('POST', { template: 'agreement' }))).body.ecode).toBe('UNSUPPORTED_FORMAT');
  });

  it('reports schema errors (422, each failing path) and creates nothing', async () => {
    const bad = { ...readSample('leave-application') };
    delete bad.name;
    const result = await service.json('/signature', jsonInit('POST', { template: 'leave-application', data: bad }));
    expect(result).toMatchObject({ status: 422, body: { ecode: 'TEMPLATE_DATA_INVALID' } });
    expect(result.body.entities).toContainEqual({ path: '$.name', message: 'is required' });
  });

  it('takes an uploaded template by file uri, refuses other hosts, and reports template errors with details', async () => {
    const own = (await uploadFile(service, docxOf(['证明：{name}', '日期：{date}']), 'own.docx')).body.entities[0];
    const created = await service.json(
      '/signature',
      jsonInit('POST', { template: `/file/${own.id}`, data: { name: '王五', date: '2026年11月22日' } }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(squeeze(pdfTool('pdftotext', await download(created.body.entities[0].uri)))).toContain('证明：王五');

    const foreign = await service.json('/signature', jsonInit('POST', { template: 'http://169.254.169.254/latest/meta-data', data: {} }));
    expect(foreign).toMatchObject({ status: 403, body: { ecode: 'TEMPLATE_ORIGIN_NOT_ALLOWED' } });

    const broken = (await uploadFile(service, docxOf(['{#rows}{name}', '{unclosed']), 'broken.docx')).body.entities[0];
    const failed = await service.json('/signature', jsonInit('POST', { template: `/file/${broken.id}`, data: {} }));
    expect(failed).toMatchObject({ status: 422, body: { ecode: 'TEMPLATE_ERROR' } });
    expect(failed.body.entities[0]).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        explanation: expect.any(String),
        xtag: expect.any(String),
        file: 'word/document.xml',
      }),
    );
  });

  it('accepts template uploads that compile, refuses bad names, syntax errors, non-docx and zip bombs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-'));
    const scoped = await startTestService({ TEMPLATES_DIR: dir });
    try {
      const putScoped = (name: string, bytes: Uint8Array, schema?: object) => {
        const form = new FormData();
        form.append('file', new Blob([bytes]), `${name}.docx`);
        if (schema) form.append('schema', JSON.stringify(schema));
        return scoped.json(`/templates/${name}`, { method: 'PUT', body: form });
      };
      const ok = await putScoped('notice', docxOf(['通知：{text}']), {
        title: '通知',
        type: 'object',
        required: ['text'],
        properties: { text: { type: 'string' } },
      });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.entities[0]).toMatchObject({ name: 'notice', title: '通知', hasSchema: true });
      expect((await putScoped('Bad_Name', docxOf(['x']))).body.ecode).toBe('INVALID_TEMPLATE_NAME');
      expect((await putScoped('broken', docxOf(['{unclosed']))).body.ecode).toBe('TEMPLATE_ERROR');
      expect((await putScoped('pdf', Buffer.from('%PDF-1.7 not a docx'))).status).toBe(415);
      const bomb = new PizZip(docxOf(['x']));
      bomb.file('word/padding.bin', Buffer.alloc(60 * 1024 * 1024));
      const bombBytes = bomb.generate({ type: 'uint8array', compression: 'DEFLATE' });
      expect(await putScoped('bomb', bombBytes)).toMatchObject({ status: 413, body: { ecode: 'ZIP_TOO_LARGE' } });
      expect((await putScoped('bad-schema', docxOf(['x']), { type: 'no-such-type' })).body.ecode).toBe('INVALID_SCHEMA');
      expect(fs.readdirSync(dir).sort()).toEqual(['notice.docx', 'notice.schema.json']);
      const missing = await scoped.json('/signature', jsonInit('POST', { template: 'notice', data: {} }));
      expect(missing.body.ecode).toBe('TEMPLATE_DATA_INVALID');
    } finally {
      await scoped.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never fetches an external image of a template (a local listener sees no request)', async () => {
    const requests: string[] = [];
    const listener = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const zip = new PizZip(docxOf(['外部图片：']));
    const xml = zip
      .file('word/document.xml')!
      .asText()
      .replace(
        '<w:body>',
        `<w:body><w:p><w:r><w:drawing xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="1" name="x"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="x.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="rIdExt"/></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`,
      );
    zip.file('word/document.xml', xml);
    zip.file(
      'word/_rels/document.xml.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdExt" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="http://127.0.0.1:${port}/tracker.png" TargetMode="External"/></Relationships>`,
    );
    const file = (await uploadFile(service, zip.generate({ type: 'uint8array', compression: 'DEFLATE' }), 'external.docx')).body
      .entities[0];
    try {
      const result = await service.api('/export/pdf', jsonInit('POST', { template: `/file/${file.id}`, data: {} }));
      expect(result.status).toBe(200);
      expect(squeeze(pdfTool('pdftotext', new Uint8Array(await result.arrayBuffer())))).toContain('外部图片');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(requests).toEqual([]);
    } finally {
      listener.close();
    }
  });

  it('pushes export progress (queued → filling → converting → stored) before the new Signature', async () => {
    const pending = await service.json('/signature', jsonInit('POST', { template: 'enrolment-certificate', generate: false }));
    expect(pending.status, JSON.stringify(pending.body)).toBe(200);
    const id = pending.body.entities[0].id;
    expect(pending.body.entities[0].uri).toBe('');
    const ticket = (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account: 'zhangsan', name: '张三' }))).body
      .entities[0].ticket;
    const events = await subscribe(`${service.url.replace('http', 'ws')}/signature/${id}/events?ticket=${encodeURIComponent(ticket)}`);
    await events.next(); // the snapshot on connect
    const generated = await service.json(
      `/signature/${id}/document`,
      jsonInit('POST', { ticket, data: readSample('enrolment-certificate') }, { auth: false }),
    );
    expect(generated.status, JSON.stringify(generated.body)).toBe(200);
    const seen = await events.until((message) => message.type === 'signature' && message.signature.uri);
    events.ws.close();
    expect(seen.filter((m) => m.type === 'progress').map((m) => m.stage)).toEqual(['queued', 'filling', 'converting', 'stored']);
    expect(seen.at(-1).signature.uri).toBe(generated.body.entities[0].uri);
  });
});

describe('conversion failures through the service', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      OFFICE_START: 'eager',
      OFFICE_WORKERS: '1',
      CONVERT_QUEUE_LIMIT: '1',
      CONVERT_TIMEOUT_MS: '3000',
      TEMPLATES_DIR: TEMPLATES,
    });
  });
  afterAll(() => service?.stop());

  const exportPdf = () =>
    service.json(
      '/export/pdf',
      jsonInit(
        'POST',
        {
          template: 'enrolment-certificate',
          data: JSON.parse(fs.readFileSync(path.join(TEMPLATES, 'enrolment-certificate.sample.json'), 'utf8')),
        },
        { headers: { accept: 'application/json' } },
      ),
    );

  it('answers 503 CONVERT_QUEUE_FULL with Retry-After when the queue is full, and serves the rest', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => exportPdf()));
    const full = results.filter((r) => r.status === 503);
    expect(full.length).toBeGreaterThan(0);
    expect(full[0].body.ecode).toBe('CONVERT_QUEUE_FULL');
    expect(full[0].headers.get('retry-after')).toBeTruthy();
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
  });

  it('fails a job whose soffice is killed mid-conversion with a clear error, then converts the next', async () => {
    const [pid] = poolPids(service.dataDir);
    expect(pid).toBeGreaterThan(0);
    // Paused first, so the job is certainly inside soffice when it is killed.
    process.kill(pid, 'SIGSTOP');
    const pending = exportPdf();
    await new Promise((resolve) => setTimeout(resolve, 700));
    process.kill(pid, 'SIGKILL');
    const failed = await pending;
    expect(failed).toMatchObject({ status: 500, body: { ecode: 'CONVERT_FAILED', error: expect.stringMatching(/convert/i) } });
    const next = await exportPdf();
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(poolPids(service.dataDir)).not.toContain(pid);
  });

  it('times out a hung soffice (504 CONVERT_TIMEOUT), kills it and converts the next', async () => {
    const [pid] = poolPids(service.dataDir);
    process.kill(pid, 'SIGSTOP');
    const hung = await exportPdf();
    expect(hung).toMatchObject({ status: 504, body: { ecode: 'CONVERT_TIMEOUT' } });
    const next = await exportPdf();
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(false);
  });
});
