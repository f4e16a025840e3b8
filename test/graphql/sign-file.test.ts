import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PDFArray, PDFDict, PDFDocument, PDFName, type PDFNumber } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG_1X1 } from '../helpers/fixtures.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { type TestService, startTestService, uploadFile } from '../helpers/service.js';
import { ecodes, gql } from './helpers.js';

const SIGN_FILE = `mutation Sign($file: URL!, $signer: String, $seal: String!, $sealAttr: String, $sealLoc: SignatureLocation, $comment: String,
    $commentLoc: SignatureLocation, $archive: Boolean, $id: String, $mfa: String) {
  signFile(file: $file, signer: $signer, seal: $seal, sealAttr: $sealAttr, sealLoc: $sealLoc, comment: $comment, commentLoc: $commentLoc,
      archive: $archive, clientMutationId: $id, mfa: $mfa) {
    status clientMutationId uri fileId name size sha256 fieldName signedAt algorithm certificate signUrl content
    seal { id name type provider } signer { account name }
  }
}`;

/** A two-page agreement as LibreOffice renders it, with the parties' seal placeholders on page 2. */
const AGREEMENT = [
  '技术服务合同',
  '甲方：示范大学',
  '乙方：星河科技有限公司',
  '\f',
  '甲方（盖章）：【甲方盖章】',
  '乙方（盖章）：【乙方盖章】',
];

/** Every widget: 1-based page, centre of its /Rect from the page's top-left, width. */
async function widgetsOf(pdf: Uint8Array): Promise<Array<{ page: number; x: number; y: number; width: number }>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const widgets: Array<{ page: number; x: number; y: number; width: number }> = [];
  doc.getPages().forEach((page, index) => {
    const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
    const height = page.getHeight();
    for (let i = 0; i < (annots?.size() ?? 0); i++) {
      const annot = annots!.lookup(i, PDFDict);
      if (annot.get(PDFName.of('Subtype')) !== PDFName.of('Widget')) continue;
      const [x1, y1, x2, y2] = annot
        .lookup(PDFName.of('Rect'), PDFArray)
        .asArray()
        .map((n) => (n as PDFNumber).asNumber());
      widgets.push({ page: index + 1, x: (x1 + x2) / 2, y: height - (y1 + y2) / 2, width: x2 - x1 });
    }
  });
  return widgets;
}

/** A server on another origin that counts requests: a redirector (allow-listed) and the place it points at. */
async function startHostile(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/target.pdf` }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4 not really');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('GraphQL signFile', () => {
  let service: TestService;
  let hostile: Awaited<ReturnType<typeof startHostile>>;
  let outsider: Awaited<ReturnType<typeof startHostile>>;
  let agreementUrl: string;
  let seals: any[];
  let nss: string;
  let caPem: string;
  const sealNamed = (name: string) => seals.find((seal) => seal.name === name);
  /** Files and sign requests stored: a refusal must change neither. */
  const stored = () => {
    const db = new Database(path.join(service.dataDir, 'signature.db'), { readonly: true });
    try {
      return {
        files: (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n,
        requests: (db.prepare('SELECT count(*) AS n FROM sign_requests').get() as { n: number }).n,
      };
    } finally {
      db.close();
    }
  };
  const sign = (variables: Record<string, unknown>) => gql(service, SIGN_FILE, { file: agreementUrl, ...variables });
  const verify = async (pdf: Uint8Array) =>
    (await service.json('/verify', { method: 'POST', body: pdf, headers: { 'content-type': 'application/pdf' } })).body.entities[0];

  beforeAll(async () => {
    hostile = await startHostile();
    outsider = await startHostile();
    service = await startTestService({ DEMO_DATA: 'true', SIGN_FILE_ORIGINS: hostile.url });
    const pdf = sofficePdf(docxOf(AGREEMENT));
    agreementUrl = `${service.url}/file/${(await uploadFile(service, pdf, '技术服务合同.pdf')).body.entities[0].id}`;
    seals = (await service.json('/seals')).body.entities;
    caPem = await (await service.api('/ca.pem')).text();
    nss = nssDbTrusting([caPem]);
  });
  afterAll(async () => {
    await service.stop();
    await hostile.close();
    await outsider.close();
  });

  it('signs a FileAPI file at coordinates and archives it: the result is valid in pdfsig and in our verifier', async () => {
    const before = stored();
    const seal = sealNamed('示范大学合同专用章');
    const result = await sign({ signer: 'zhaoliu', seal: seal.id, sealLoc: { page: 1, x: 200, y: 300 }, archive: true });
    expect(result.errors).toBeUndefined();
    const signed = result.data.signFile;
    expect(signed).toMatchObject({
      status: 'SIGNED',
      name: '技术服务合同.pdf',
      fieldName: 'Seal 1',
      signUrl: null,
      seal: { id: seal.id, name: '示范大学合同专用章', type: '合同专用章', provider: 'local' },
      signer: { account: 'zhaoliu', name: '赵六' },
    });
    expect(signed.algorithm).toBe('SHA256withECDSA; PAdES-B-B');
    expect(signed.certificate).toBe(seal.certificatePem);
    expect(signed.certificate).toContain('BEGIN CERTIFICATE');
    expect(Math.abs(Date.parse(signed.signedAt) - Date.now())).toBeLessThan(60_000);
    expect(signed.uri).toBe(`${service.url}/file/${signed.fileId}`);

    const pdf = new Uint8Array(await (await service.api(new URL(signed.uri).pathname)).arrayBuffer());
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(signed.sha256);
    expect(pdf.byteLength).toBe(signed.size);
    expect(Buffer.from(signed.content, 'base64').equals(Buffer.from(pdf))).toBe(true);
    const poppler = pdfsig(nss, pdf);
    expect(poppler).toEqual([
      {
        field: 'Seal 1',
        signatureValidation: 'Signature is Valid.',
        certificateValidation: 'Certificate is Trusted.',
        totalDocumentSigned: true,
      },
    ]);
    const report = await verify(pdf);
    expect(report.valid).toBe(true);
    expect(report.signatures[0]).toMatchObject({ field: 'Seal 1', valid: true, trusted: true, intact: true, modifiedAfterSigning: false });

    const [widget] = await widgetsOf(pdf);
    expect(widget.page).toBe(1);
    expect(widget.x).toBeCloseTo(200, 0);
    expect(widget.y).toBeCloseTo(300, 0);
    expect(stored().files).toBe(before.files + 1);
  });

  it('places by keyword (keywordOrder/keywordSeq) on page 2 and draws an approval comment beside the seal', async () => {
    const result = await sign({
      signer: 'chenqi',
      seal: sealNamed('星河科技有限公司合同专用章').id,
      sealLoc: { keyword: '【乙方盖章】', keywordOrder: 1, keywordSeq: 1 },
      comment: '同意',
    });
    expect(result.errors).toBeUndefined();
    const pdf = new Uint8Array(Buffer.from(result.data.signFile.content, 'base64'));
    const [widget] = await widgetsOf(pdf);
    expect(widget.page).toBe(2);
    const withoutComment = await sign({
      signer: 'chenqi',
      seal: sealNamed('星河科技有限公司合同专用章').id,
      sealLoc: { keyword: '【乙方盖章】' },
    });
    const [plain] = await widgetsOf(new Uint8Array(Buffer.from(withoutComment.data.signFile.content, 'base64')));
    expect(plain.page).toBe(2);
    expect(widget.width).toBeGreaterThan(plain.width + 20); // the comment widens the appearance
    expect(pdfsig(nss, pdf)[0].signatureValidation).toBe('Signature is Valid.');
    // The keyword's line: both placements sit on it.
    expect(Math.abs(widget.y - plain.y)).toBeLessThan(30);
    const first = await sign({
      signer: 'zhaoliu',
      seal: sealNamed('示范大学公章').id,
      sealLoc: { keyword: '盖章', keywordOrder: 1, keywordSeq: 1 },
    });
    const last = await sign({
      signer: 'zhaoliu',
      seal: sealNamed('示范大学公章').id,
      sealLoc: { keyword: '盖章', keywordOrder: 2, keywordSeq: 1 },
    });
    const [firstWidget] = await widgetsOf(new Uint8Array(Buffer.from(first.data.signFile.content, 'base64')));
    const [lastWidget] = await widgetsOf(new Uint8Array(Buffer.from(last.data.signFile.content, 'base64')));
    expect(firstWidget.y).toBeLessThan(lastWidget.y); // 甲方 line above 乙方 line
  });

  it('draws the comment at commentLoc (its own widget of the same signature) instead of beside the seal', async () => {
    const seal = sealNamed('示范大学合同专用章');
    const result = await sign({
      signer: 'zhaoliu',
      seal: seal.id,
      sealLoc: { page: 1, x: 300, y: 200 },
      comment: '同意签约',
      commentLoc: { keyword: '【甲方盖章】', keywordOrder: 1 },
    });
    expect(result.errors).toBeUndefined();
    const pdf = new Uint8Array(Buffer.from(result.data.signFile.content, 'base64'));
    const widgets = await widgetsOf(pdf);
    expect(widgets).toHaveLength(2);
    const [sealWidget, commentWidget] = widgets;
    expect(sealWidget).toMatchObject({ page: 1 });
    expect(sealWidget.x).toBeCloseTo(300, 0);
    expect(sealWidget.width).toBeCloseTo(119, 0); // the seal alone, no comment beside it
    expect(commentWidget.page).toBe(2);
    // poppler lists each widget of a multi-widget field as a signature of its own (README: Digital signatures).
    const poppler = pdfsig(nss, pdf);
    expect(poppler.map((s) => s.signatureValidation)).toEqual(['Signature is Valid.', 'Signature is Valid.']);
    const report = await verify(pdf);
    expect(report.valid).toBe(true);
    expect(report.signatureCount).toBe(1);
  });

  it('without archive stores nothing through the FileAPI and returns the signed PDF inline', async () => {
    const before = stored();
    const result = await sign({ signer: 'wangwu', seal: sealNamed('王五').id });
    expect(result.errors).toBeUndefined();
    expect(result.data.signFile).toMatchObject({ status: 'SIGNED', uri: null, fileId: null });
    const pdf = new Uint8Array(Buffer.from(result.data.signFile.content, 'base64'));
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(result.data.signFile.sha256);
    expect((await verify(pdf)).valid).toBe(true);
    // Default placement: the last page.
    expect((await widgetsOf(pdf))[0].page).toBe(2);
    expect(stored().files).toBe(before.files);
  });

  it('is idempotent by clientMutationId: the same request twice signs and stores once; another request under the id is refused', async () => {
    const before = stored();
    const variables = {
      signer: 'zhaoliu',
      seal: sealNamed('示范大学公章').id,
      sealLoc: { page: 2, x: 300, y: 400 },
      archive: true,
      id: 'wf-4711-step-3',
    };
    const [once, twice] = await Promise.all([sign(variables), sign(variables)]);
    expect(once.errors).toBeUndefined();
    expect(twice.data.signFile).toEqual(once.data.signFile);
    const third = await sign(variables);
    expect(third.data.signFile.sha256).toBe(once.data.signFile.sha256);
    expect(once.data.signFile.clientMutationId).toBe('wf-4711-step-3');
    expect(stored()).toEqual({ files: before.files + 1, requests: before.requests + 1 });
    const reused = await sign({ ...variables, sealLoc: { page: 1, x: 300, y: 400 } });
    expect(ecodes(reused)).toEqual(['MUTATION_ID_REUSED']);
    expect(stored()).toEqual({ files: before.files + 1, requests: before.requests + 1 });
  });

  it('refuses every bad input with its ecode, fetching, signing and storing nothing', async () => {
    const before = stored();
    const png = `${service.url}/file/${(await uploadFile(service, PNG_1X1, 'x.png')).body.entities[0].id}`;
    const afterUpload = stored();
    const official = sealNamed('示范大学公章');
    const lisi = sealNamed('李四');
    await service.json(`/seals/${lisi.id}/disable`, { method: 'POST' });
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'a file on a non-allow-listed origin',
        { file: `${outsider.url}/contract.pdf`, signer: 'zhaoliu', seal: official.id },
        'FILE_ORIGIN_NOT_ALLOWED',
      ],
      [
        'a route of the engine that is not a FileAPI file',
        { file: `${service.url}/seals`, signer: 'zhaoliu', seal: official.id },
        'FILE_ORIGIN_NOT_ALLOWED',
      ],
      [
        'a redirect from an allow-listed origin',
        { file: `${hostile.url}/redirect.pdf`, signer: 'zhaoliu', seal: official.id },
        'FILE_REDIRECT_REFUSED',
      ],
      ['a file: URL', { file: 'file:///etc/passwd', signer: 'zhaoliu', seal: official.id }, 'INVALID_FILE_URL'],
      ['a file that is not a PDF', { file: png, signer: 'zhaoliu', seal: official.id }, 'NOT_A_PDF'],
      ['an unknown seal', { signer: 'zhaoliu', seal: '00000000-0000-4000-8000-000000000000' }, 'SEAL_NOT_FOUND'],
      ['a seal the signer does not hold', { signer: 'chenqi', seal: official.id }, 'NOT_SEAL_HOLDER'],
      ['a seal of another type than sealAttr', { signer: 'zhaoliu', seal: official.id, sealAttr: '合同专用章' }, 'SEAL_TYPE_NOT_ALLOWED'],
      ['a disabled seal', { signer: 'lisi', seal: lisi.id }, 'SEAL_DISABLED'],
      [
        'a placement keyword not in the PDF',
        { signer: 'zhaoliu', seal: official.id, sealLoc: { keyword: '【丙方盖章】' } },
        'PLACEHOLDER_NOT_FOUND',
      ],
      ['a page that does not exist', { signer: 'zhaoliu', seal: official.id, sealLoc: { page: 9, x: 100, y: 100 } }, 'PAGE_OUT_OF_RANGE'],
      ['x without y', { signer: 'zhaoliu', seal: official.id, sealLoc: { x: 100 } }, 'INVALID_REQUEST'],
      ['no signer named by the engine', { seal: official.id }, 'ACCOUNT_REQUIRED'],
      [
        'a comment location without a comment',
        { signer: 'zhaoliu', seal: official.id, commentLoc: { page: 1, x: 10, y: 10 } },
        'INVALID_REQUEST',
      ],
      [
        'a comment keyword not in the PDF',
        { signer: 'zhaoliu', seal: official.id, comment: '同意', commentLoc: { keyword: '【审批意见】' } },
        'PLACEHOLDER_NOT_FOUND',
      ],
    ];
    for (const [what, variables, ecode] of cases) {
      const result = await sign({ archive: true, ...variables, id: `refused-${ecode}` });
      expect(ecodes(result), what).toEqual([ecode]);
      expect(result.data, what).toBeNull();
      expect(result.errors![0].path, what).toEqual(['signFile']);
    }
    expect(outsider.hits).toEqual([]);
    expect(hostile.hits).toEqual(['/redirect.pdf']); // asked once, the redirect not followed
    expect(stored()).toEqual(afterUpload);
    expect(afterUpload.files).toBe(before.files + 1); // only the PNG uploaded for the test
    await service.json(`/seals/${lisi.id}/enable`, { method: 'POST' });
  });
});
