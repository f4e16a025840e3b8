import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { Signature, SignatureVerification, VerifyReport } from '../../src/contract/index.js';
import { expectContract } from '../helpers/contract.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

/** A two-page agreement as LibreOffice renders it, with the parties' seal placeholders on page 2. */
const AGREEMENT = [
  '技术服务合同',
  '甲方：示范大学',
  '乙方：星河科技有限公司',
  '第一条 甲方委托乙方开发表单签章插件，乙方按约定完成并交付。',
  '\f',
  '第二条 本合同一式两份，双方各执一份，自双方盖章之日起生效。',
  '甲方（盖章）：【甲方盖章】',
  '乙方（盖章）：【乙方盖章】',
];

describe('stamping through the signing address', () => {
  let service: TestService;
  let pdfId: string;
  let seals: any[];
  let nss: string;
  const sealNamed = (name: string) => seals.find((seal) => seal.name === name);

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true' });
    pdfId = (await uploadFile(service, sofficePdf(docxOf(AGREEMENT)), '技术服务合同.pdf')).body.entities[0].id;
    seals = (await service.json('/seals')).body.entities;
    nss = nssDbTrusting([await (await service.api('/ca.pem')).text()]);
  });
  afterAll(() => service.stop());

  async function agreement(
    sealsSpec: unknown[] = [
      { placeHolder: '【甲方盖章】', permission: { sealTypes: ['合同专用章'] } },
      { placeHolder: '【乙方盖章】', signer: { account: 'chenqi', name: '陈七' } },
    ],
  ) {
    return (await service.json('/signature', jsonInit('POST', { file: pdfId, seals: sealsSpec }))).body.entities[0];
  }
  const ticket = async (id: string, account: string, name = account) =>
    (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account, name }))).body.entities[0].ticket as string;
  /** Stamps what the signer was shown: the Signature's current version unless the body names one. */
  const stamp = async (id: string, index: number, body: Record<string, unknown>) => {
    const shown =
      body.version === undefined && body.sha256 === undefined
        ? { version: (await service.json(`/signature/${id}`)).body.entities[0].version }
        : {};
    return service.json(`/sign/${id}/seals/${index}`, jsonInit('POST', { ...shown, ...body }, { auth: false }));
  };

  it('two users stamp the sample agreement (one with a comment, one by keyword): pdfsig and our verifier accept every signature', async () => {
    // The shipped two-page agreement template, rendered with its sample data (as the dev start does).
    const sample = JSON.parse(fs.readFileSync(path.resolve('templates/agreement.sample.json'), 'utf8'));
    const created = await service.json(
      '/signature',
      jsonInit('POST', {
        template: 'agreement',
        data: sample,
        seals: [
          { placeHolder: '【甲方盖章】', permission: { sealTypes: ['合同专用章'] } },
          { placeHolder: '【乙方盖章】', signer: { account: 'chenqi', name: '陈七' } },
        ],
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const signature = created.body.entities[0];
    const zhaoliu = await ticket(signature.id, 'zhaoliu', '赵六');
    const page = await service.api(`/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(zhaoliu)}`, { auth: false });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('示范大学合同专用章');
    expect(html).not.toContain('示范大学公章</span>');
    expect(html).not.toContain('星河科技有限公司合同专用章');

    const first = await stamp(signature.id, 0, { ticket: zhaoliu, sealId: sealNamed('示范大学合同专用章').id, comment: '同意' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const afterFirst = first.body.entities[0];
    expect(afterFirst.seals[0]).toMatchObject({
      state: 'signed',
      sealName: '示范大学合同专用章',
      comment: '同意',
      provider: 'local',
      signedBy: { account: 'zhaoliu' },
    });
    expect(afterFirst.seals[0].algorithm).toMatch(/PAdES-B-B/);
    expect(afterFirst.seals[0].privateKey).toContain('BEGIN CERTIFICATE');
    expect(afterFirst.seals[0].privateKey).not.toContain('PRIVATE');
    expect(afterFirst.state).toBe('unsigned');

    const chenqi = await ticket(signature.id, 'chenqi', '陈七');
    const second = await stamp(signature.id, 1, { ticket: chenqi, sealId: sealNamed('星河科技有限公司合同专用章').id });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const signed = second.body.entities[0];
    expect(signed.state).toBe('signed');

    const pdf = new Uint8Array(await (await service.api(new URL(signed.uri).pathname)).arrayBuffer());
    const poppler = pdfsig(nss, pdf);
    expect(poppler).toHaveLength(2);
    for (const result of poppler) {
      expect(result.signatureValidation).toBe('Signature is Valid.');
      expect(result.certificateValidation).toBe('Certificate is Trusted.');
    }
    expect(poppler[1].totalDocumentSigned).toBe(true);

    const report = (await service.json(`/signature/${signed.id}/verify`)).body.entities[0];
    expectContract(SignatureVerification, report);
    expectContract(Signature, signed);
    expect(report.valid).toBe(true);
    expect(report.matchesRecord).toBe(true);
    expect(report.signatures.map((s: any) => [s.sealIndex, s.valid, s.trusted, s.modifiedAfterSigning])).toEqual([
      [0, true, true, false],
      [1, true, true, false],
    ]);

    // The first revision is an exact prefix of the final PDF: nothing earlier was rewritten.
    const original = new Uint8Array(await (await service.api(new URL(signature.uri).pathname)).arrayBuffer());
    expect(Buffer.from(pdf.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true);
  });

  it('three users apply three seals in turn; all valid in pdfsig and the verify routes, which catch a flipped byte and a later drawing', async () => {
    const form = sofficePdf(
      docxOf(['请假申请表', '申请人：张三', '申请人签名：【申请人签名】', '辅导员意见：【辅导员签章】', '学院意见：【学院盖章】']),
    );
    const fileId = (await uploadFile(service, form, '请假申请表.pdf')).body.entities[0].id;
    const created = await service.json(
      '/signature',
      jsonInit('POST', {
        file: fileId,
        seals: [
          { placeHolder: '【申请人签名】', signer: { account: 'zhangsan', name: '张三' }, permission: { sealTypes: ['个人签名'] } },
          { placeHolder: '【辅导员签章】', permission: { signers: ['lisi'], sealTypes: ['个人签名'] } },
          { placeHolder: '【学院盖章】', permission: { sealTypes: ['公章'] } },
        ],
      }),
    );
    const id = created.body.entities[0].id;
    const steps: Array<[number, string, string, string, string | undefined]> = [
      [0, 'zhangsan', '张三', '张三', undefined],
      [1, 'lisi', '李四', '李四', '情况属实，同意请假。'],
      [2, 'wangwu', '王五', '计算机科学与技术学院公章', '同意'],
    ];
    let latest: any;
    for (const [index, account, name, sealName, comment] of steps) {
      const result = await stamp(id, index, { ticket: await ticket(id, account, name), sealId: sealNamed(sealName).id, comment });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      latest = result.body.entities[0];
    }
    expect(latest.state).toBe('signed');
    expect(latest.revisions?.length ?? 3).toBeGreaterThanOrEqual(3);

    const pdf = new Uint8Array(await (await service.api(new URL(latest.uri).pathname)).arrayBuffer());
    const poppler = pdfsig(nss, pdf);
    expect(poppler.map((s) => [s.signatureValidation, s.certificateValidation])).toEqual(
      Array(3).fill(['Signature is Valid.', 'Certificate is Trusted.']),
    );
    expect(poppler.map((s) => s.totalDocumentSigned)).toEqual([false, false, true]);
    const stored = (await service.json(`/signature/${id}/verify`)).body.entities[0];
    expect(stored).toMatchObject({ valid: true, matchesRecord: true });
    expect(stored.signatures.map((s: any) => [s.sealIndex, s.valid, s.trusted, s.intact, s.modifiedAfterSigning])).toEqual([
      [0, true, true, true, false],
      [1, true, true, true, false],
      [2, true, true, true, false],
    ]);

    const verifyUpload = async (bytes: Uint8Array) =>
      (await service.json('/verify', { method: 'POST', body: bytes, headers: { 'Content-Type': 'application/pdf' } })).body.entities[0];
    const flipped = pdf.slice();
    flipped[Math.floor(form.length / 2)] ^= 0x01;
    const broken = await verifyUpload(flipped);
    expectContract(VerifyReport, broken);
    expect(broken.valid).toBe(false);
    expect(broken.signatures.every((s: any) => s.intact === false && s.states.includes('DIGEST_MISMATCH'))).toBe(true);

    const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
    doc.getPage(0).drawText('APPROVED', { x: 300, y: 300, size: 40, font: await doc.embedFont(StandardFonts.Helvetica) });
    const drawn = await verifyUpload(await doc.commit({ useObjectStreams: false }));
    expect(drawn.valid).toBe(false);
    expect(drawn.signatures.map((s: any) => [s.valid, s.modifiedAfterSigning])).toEqual(Array(3).fill([true, true]));
  });

  it('denies each permission rule with its own ecode, and changes nothing', async () => {
    const signature = await agreement([
      { placeHolder: '【甲方盖章】', permission: { signers: ['zhaoliu'] } },
      { placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu' } },
      { placeHolder: '【甲方盖章】', permission: { sealIds: [sealNamed('示范大学公章').id] } },
      { placeHolder: '【甲方盖章】', permission: { sealTypes: ['公章'] } },
      { placeHolder: '【乙方盖章】' },
    ]);
    const wangwu = await ticket(signature.id, 'wangwu');
    const zhaoliu = await ticket(signature.id, 'zhaoliu');
    const cases: Array<[number, string, string, string]> = [
      [0, wangwu, '计算机科学与技术学院公章', 'SIGNER_NOT_ALLOWED'],
      [1, wangwu, '计算机科学与技术学院公章', 'SIGNER_MISMATCH'],
      [2, zhaoliu, '示范大学合同专用章', 'SEAL_ID_NOT_ALLOWED'],
      [3, zhaoliu, '示范大学合同专用章', 'SEAL_TYPE_NOT_ALLOWED'],
      [4, wangwu, '星河科技有限公司合同专用章', 'NOT_SEAL_HOLDER'],
    ];
    for (const [index, who, sealName, ecode] of cases) {
      const result = await stamp(signature.id, index, { ticket: who, sealId: sealNamed(sealName).id });
      expect(result.status, ecode).toBe(403);
      expect(result.body.ecode).toBe(ecode);
    }
    const before = await (await service.api(`/signature/${signature.id}`)).text();

    const official = sealNamed('示范大学公章');
    await service.json(`/seals/${official.id}/disable`, { method: 'POST' });
    const disabled = await stamp(signature.id, 4, { ticket: zhaoliu, sealId: official.id });
    expect(disabled.body.ecode).toBe('SEAL_DISABLED');
    await service.json(`/seals/${official.id}/enable`, { method: 'POST' });
    expect(await (await service.api(`/signature/${signature.id}`)).text()).toBe(before);

    expect((await stamp(signature.id, 4, { ticket: zhaoliu, sealId: official.id })).status).toBe(200);
    const again = await stamp(signature.id, 4, { ticket: zhaoliu, sealId: official.id });
    expect(again).toMatchObject({ status: 409, body: { ecode: 'SEAL_ALREADY_SIGNED' } });
  });

  it('refuses a wrong or missing ticket, and a placeholder that is not in the PDF', async () => {
    const signature = await agreement();
    const other = await agreement();
    const foreign = await ticket(other.id, 'zhaoliu');
    const sealId = sealNamed('示范大学合同专用章').id;
    expect((await stamp(signature.id, 0, { ticket: foreign, sealId })).body.ecode).toBe('TICKET_SCOPE');
    expect((await stamp(signature.id, 0, { ticket: `${foreign}x`, sealId })).status).toBe(401);
    expect((await stamp(signature.id, 0, { sealId })).status).toBe(401); // no ticket in the body, header or cookie
    const page = await service.api(`/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(foreign)}`, { auth: false });
    expect(page.status).toBe(403);

    const missing = await agreement([{ placeHolder: '【丙方盖章】' }]);
    const result = await stamp(missing.id, 0, { ticket: await ticket(missing.id, 'zhaoliu'), sealId });
    expect(result).toMatchObject({ status: 422, body: { ecode: 'PLACEHOLDER_NOT_FOUND' } });
    expect((await service.json(`/signature/${missing.id}`)).body.entities[0].seals[0].state).toBe('unsigned');
  });

  it('removes only the most recent seal, only by the one who applied it, reverting the PDF', async () => {
    const signature = await agreement();
    const zhaoliu = await ticket(signature.id, 'zhaoliu');
    const chenqi = await ticket(signature.id, 'chenqi');
    const firstResult = (await stamp(signature.id, 0, { ticket: zhaoliu, sealId: sealNamed('示范大学合同专用章').id })).body.entities[0];
    await stamp(signature.id, 1, { ticket: chenqi, sealId: sealNamed('星河科技有限公司合同专用章').id });

    const remove = (index: number, who: string) =>
      service.json(`/sign/${signature.id}/seals/${index}`, { method: 'DELETE', auth: false, headers: { 'x-infoplus-ticket': who } });
    expect((await remove(0, zhaoliu)).body.ecode).toBe('NOT_MOST_RECENT_SEAL');
    expect((await remove(1, zhaoliu)).body.ecode).toBe('NOT_SEAL_APPLIER');
    const removed = await remove(1, chenqi);
    expect(removed.status).toBe(200);
    const after = removed.body.entities[0];
    expect(after.uri).toBe(firstResult.uri);
    expect(after.seals[1]).toMatchObject({ state: 'unsigned', signature: '', signer: { account: 'chenqi' } });
    expect(after.seals[0].signature).toBe(firstResult.seals[0].signature);
    const report = (await service.json(`/signature/${signature.id}/verify`)).body.entities[0];
    expect(report.signatureCount).toBe(1);
    expect(report.signatures[0].valid).toBe(true);
  });

  it('keeps private keys out of the seal API and issues certificates from the exportable CA', async () => {
    const created = await service.json(
      '/seals',
      jsonInit('POST', { name: '教务处公章', type: '公章', owner: '示范大学教务处', holders: ['zhaoliu'] }),
    );
    expect(created.status).toBe(200);
    const listed = await service.api('/seals');
    const text = await listed.text();
    expect(text).not.toMatch(/PRIVATE KEY|encrypted|privateKeyPem/i);
    const seal = created.body.entities[0];
    expect(seal).toMatchObject({ name: '教务处公章', type: '公章', ownerKind: 'organization', provider: 'local', disabled: false });
    expect(seal.certificatePem).toContain('BEGIN CERTIFICATE');
    const image = await service.api(new URL(seal.image).pathname);
    expect(image.headers.get('content-type')).toBe('image/png');
  });

  it('imports a seal key from PKCS#12 (never served, deleted after import) and stamps with it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p12-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-subj',
      '/CN=External Seal CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'seal.key',
      '-out',
      'seal.csr',
      '-subj',
      '/O=示范大学/CN=示范大学财务专用章',
      '-utf8',
    );
    fs.writeFileSync(path.join(dir, 'ext.cnf'), 'keyUsage=critical,digitalSignature,nonRepudiation\n');
    run(
      'x509',
      '-req',
      '-in',
      'seal.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'seal.pem',
      '-days',
      '30',
      '-extfile',
      'ext.cnf',
    );
    run(
      'pkcs12',
      '-export',
      '-inkey',
      'seal.key',
      '-in',
      'seal.pem',
      '-certfile',
      'ca.pem',
      '-passout',
      'pass:correct horse',
      '-out',
      'seal.p12',
    );
    const p12 = new Uint8Array(fs.readFileSync(path.join(dir, 'seal.p12')));
    const caPem = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    fs.rmSync(dir, { recursive: true, force: true });

    const upload = await uploadFile(service, p12, 'seal.p12');
    expect(upload.body.entities[0].mime).toBe('application/x-pkcs12');
    const p12Id = upload.body.entities[0].id;
    expect((await service.json(`/file/${p12Id}`)).body.ecode).toBe('PRIVATE_KEY_FILE');

    const input = { name: '示范大学财务专用章', type: '财务专用章', owner: '示范大学', holders: ['zhaoliu'], p12: p12Id };
    const wrong = await service.json('/seals', jsonInit('POST', { ...input, passphrase: 'wrong' }));
    expect(wrong).toMatchObject({ status: 422, body: { ecode: 'P12_BAD_PASSPHRASE' } });
    expect((await service.json(`/file/${p12Id}/meta`)).status).toBe(200);

    const created = await service.json('/seals', jsonInit('POST', { ...input, passphrase: 'correct horse' }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.entities[0]).toMatchObject({ keyAlgorithm: 'RSA-2048', type: '财务专用章' });
    expect(JSON.stringify(created.body)).not.toMatch(/PRIVATE KEY/);
    expect((await service.json(`/file/${p12Id}/meta`)).status).toBe(404);

    const signature = await agreement([{ placeHolder: '【甲方盖章】', permission: { sealTypes: ['财务专用章'] } }]);
    const result = await stamp(signature.id, 0, { ticket: await ticket(signature.id, 'zhaoliu'), sealId: created.body.entities[0].id });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.entities[0].seals[0].algorithm).toBe('SHA256withRSA; PAdES-B-B');
    const pdf = new Uint8Array(await (await service.api(new URL(result.body.entities[0].uri).pathname)).arrayBuffer());
    const external = nssDbTrusting([caPem]);
    expect(pdfsig(external, pdf).map((s) => [s.signatureValidation, s.certificateValidation])).toEqual([
      ['Signature is Valid.', 'Certificate is Trusted.'],
    ]);
    fs.rmSync(external, { recursive: true, force: true });
  });
});
