// Hostile Word templates: entity-encoded external targets, field codes split across runs, `..`
// targets, raw XML tags, and images that belong to another Signature.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import PizZip from 'pizzip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDocx, sanitizeDocx } from '../../src/export/fill/index.js';
import { createLogger } from '../../src/log.js';
import { answerOf } from '../helpers/errors.js';
import { docxOf } from '../helpers/office.js';
import { type TestService, jsonInit, startTestService } from '../helpers/service.js';

const R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const noImages = async () => {
  throw new Error('no images here');
};

/** A DOCX with extra body XML (before the first paragraph) and the given document relationships. */
function hostileDocx(bodyXml: string, relationships: string): Uint8Array {
  const zip = new PizZip(docxOf(['正文']));
  zip.file(
    'word/document.xml',
    zip.file('word/document.xml')!.asText().replace('<w:document ', `<w:document ${R} `).replace('<w:body>', `<w:body>${bodyXml}`),
  );
  zip.file(
    'word/_rels/document.xml.rels',
    `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${relationships}</Relationships>`,
  );
  return zip.generate({ type: 'uint8array', compression: 'DEFLATE' });
}

const IMAGE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image';
const HYPERLINK = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink';

describe('template sanitiser (XML parser)', () => {
  it('removes an external relationship whose TargetMode and Target are entity-encoded, and what referred to it', () => {
    const zip = new PizZip(
      hostileDocx(
        '<w:p><w:hyperlink r:id="rIdEnc"><w:r><w:t>点我</w:t></w:r></w:hyperlink></w:p>',
        `<Relationship Id="rIdEnc" Type="${HYPERLINK}" Target="http&#58;//attacker.example/x" TargetMode="&#69;xternal"/>`,
      ),
    );
    const report = sanitizeDocx(zip);
    expect(report.externalRelationships).toBe(1);
    expect(zip.file('word/_rels/document.xml.rels')!.asText()).not.toContain('rIdEnc');
    expect(zip.file('word/document.xml')!.asText()).not.toContain('r:id="rIdEnc"');
    expect(zip.file('word/document.xml')!.asText()).toContain('点我');
  });

  it('drops internal targets that are absolute or climb out of the package with ..', () => {
    const zip = new PizZip(
      hostileDocx(
        '',
        [
          `<Relationship Id="rUp" Type="${IMAGE}" Target="../../../../etc/passwd"/>`,
          `<Relationship Id="rAbs" Type="${IMAGE}" Target="file:///etc/passwd"/>`,
          `<Relationship Id="rUnc" Type="${IMAGE}" Target="\\\\attacker\\share\\x.png"/>`,
          `<Relationship Id="rMissing" Type="${IMAGE}" Target="media/none.png"/>`,
        ].join(''),
      ),
    );
    expect(sanitizeDocx(zip).externalRelationships).toBe(4);
    const rels = zip.file('word/_rels/document.xml.rels')!.asText();
    for (const id of ['rUp', 'rAbs', 'rUnc', 'rMissing']) expect(rels).not.toContain(id);
    // The package's own relationship (to an existing part) stays.
    expect(zip.file('_rels/.rels')!.asText()).toContain('word/document.xml');
  });

  it('joins field codes across runs before judging them (INCLUDE + PICTURE)', () => {
    const field = [
      '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>',
      '<w:r><w:instrText xml:space="preserve"> INCLUDE</w:instrText></w:r>',
      '<w:r><w:instrText xml:space="preserve">PICTURE "http://attacker.example/t.png" \\d </w:instrText></w:r>',
      '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>图</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
      '<w:p><w:fldSimple w:instr=" &#73;NCLUDETEXT &quot;c:\\\\secret.txt&quot;"><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>',
      '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
    ].join('');
    const zip = new PizZip(hostileDocx(field, ''));
    expect(sanitizeDocx(zip).fields).toBe(2);
    const xml = zip.file('word/document.xml')!.asText();
    expect(xml).not.toContain('attacker.example');
    expect(xml).not.toContain('PICTURE');
    expect(xml).not.toContain('secret.txt');
    expect(xml).toContain(' PAGE ');
  });

  it('refuses {@raw} tags unless the template is marked trusted', async () => {
    const template = new PizZip(docxOf(['{@raw}'])).generate({ type: 'uint8array' });
    const data = { raw: '<w:p><w:r><w:t>injected</w:t></w:r></w:p>' };
    expect(
      answerOf(await renderDocx(template, data, { production: true, loadImage: noImages }).catch((error: unknown) => error)),
    ).toMatchObject({ status: 422, ecode: 'TEMPLATE_RAW_XML_REFUSED' });
    const trusted = await renderDocx(template, data, { production: true, loadImage: noImages, trusted: true });
    expect(new PizZip(trusted).file('word/document.xml')!.asText()).toContain('injected');
  });
});

describe('hostile templates through the service', () => {
  let service: TestService;
  let listener: http.Server;
  let port = 0;
  const requests: string[] = [];

  beforeAll(async () => {
    listener = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
    // Generous conversion time: LibreOffice is slow on a loaded machine.
    service = await startTestService({ DEMO_DATA: 'true', CONVERT_TIMEOUT_MS: '150000' });
  });
  afterAll(async () => {
    await service?.stop();
    listener?.close();
  });

  const upload = async (bytes: Uint8Array, name: string, signature?: string) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), name);
    if (signature) form.append('signature', signature);
    return (await service.json('/file', { method: 'PUT', body: form })).body.entities[0];
  };

  it('an entity-encoded external image never reaches the network, and the PDF is made', async () => {
    const drawing = `<w:p><w:r><w:drawing xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="1" name="x"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="x.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="rIdExt"/></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`;
    const target = `http&#58;//127.0.0.1:${port}/tracker.png`;
    const file = await upload(
      hostileDocx(drawing, `<Relationship Id="rIdExt" Type="${IMAGE}" Target="${target}" TargetMode="&#x45;xternal"/>`),
      'encoded.docx',
    );
    const result = await service.api('/export/pdf', jsonInit('POST', { template: `/file/${file.id}`, data: {} }));
    expect(result.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requests).toEqual([]);
    const docx = await service.api('/export/docx', jsonInit('POST', { template: `/file/${file.id}`, data: {} }));
    expect(new PizZip(new Uint8Array(await docx.arrayBuffer())).file('word/_rels/document.xml.rels')!.asText()).not.toContain('tracker');
  }, 180_000);

  it('template images come only from files uploaded for that Signature', async () => {
    const sample = JSON.parse(fs.readFileSync(path.resolve('templates/leave-application.sample.json'), 'utf8'));
    const signature = (await service.json('/signature', jsonInit('POST', { template: 'leave-application', generate: false }))).body
      .entities[0];
    const elsewhere = await upload(PNG, 'someone-else.png');
    const refused = await service.json(
      `/signature/${signature.id}/document`,
      jsonInit('POST', { data: { ...sample, photo: elsewhere.id } }),
    );
    expect(refused).toMatchObject({ status: 403, body: { ecode: 'IMAGE_NOT_FOR_SIGNATURE' } });
    const own = await upload(PNG, 'photo.png', signature.id);
    expect(own.tags).toEqual([`signature:${signature.id}`]);
    const made = await service.json(`/signature/${signature.id}/document`, jsonInit('POST', { data: { ...sample, photo: own.id } }));
    expect(made.status, JSON.stringify(made.body)).toBe(200);
  }, 240_000);
});

describe('LibreOffice without a network', () => {
  it('starts soffice through unshare -n where the OS allows it: the program runs in place (same pid) in its own network namespace', async () => {
    const { networkIsolation } = await import('../../src/export/office/network-isolation.js');
    const { spawn } = await import('node:child_process');
    const prefix = networkIsolation(createLogger('silent'));
    // This machine allows it (root, or user namespaces); elsewhere the pool warns and runs without.
    expect(prefix[0]).toBe('unshare');
    const child = spawn(prefix[0], [...prefix.slice(1), '/bin/sleep', '5'], { detached: true, stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).toContain('sleep');
      expect(fs.readlinkSync(`/proc/${child.pid}/ns/net`)).not.toBe(fs.readlinkSync('/proc/self/ns/net'));
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
