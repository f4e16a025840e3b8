import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { until } from '../helpers/poll.js';
import { type TestService, startTestService, uploadFile } from '../helpers/service.js';
import { gql } from './helpers.js';

const SIGN = `mutation($file: URL!, $signer: String!, $seal: String!, $loc: SignatureLocation, $archive: Boolean, $id: String) {
  signFile(file: $file, signer: $signer, seal: $seal, sealLoc: $loc, archive: $archive, clientMutationId: $id) {
    status reason clientMutationId signUrl uri sha256 fieldName algorithm certificate content seal { provider }
  }
}`;

describe('GraphQL signFile with a redirect provider (the bundled e签宝 sandbox)', () => {
  let service: TestService;
  let fileUrl: string;
  let seal: any;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true', ESIGN_SANDBOX: 'true' });
    fileUrl = `${service.url}/file/${(await uploadFile(service, sofficePdf(docxOf(['请假申请表', '申请人签名：【申请人签名】'])), 'leave.pdf')).body.entities[0].id}`;
    seal = ((await service.json('/seals')).body.entities as any[]).find(
      (candidate) => candidate.provider === 'esign' && candidate.holders.includes('zhangsan'),
    );
  });
  afterAll(() => service.stop());

  it('answers PENDING with the signing URL; after the signer signs at the provider the same request returns the signed, archived file', async () => {
    expect(seal).toBeDefined();
    const discovery = await gql(service, '{ discovery { providers { name mode } } }');
    expect(discovery.data.discovery.providers).toContainEqual({ name: 'esign', mode: 'REDIRECT' });

    const variables = {
      file: fileUrl,
      signer: 'zhangsan',
      seal: seal.id,
      loc: { keyword: '【申请人签名】' },
      archive: true,
      id: 'leave-17-applicant',
    };
    const started = await gql(service, SIGN, variables);
    expect(started.errors).toBeUndefined();
    const pending = started.data.signFile;
    expect(pending).toMatchObject({
      status: 'PENDING',
      clientMutationId: 'leave-17-applicant',
      uri: null,
      sha256: null,
      seal: { provider: 'esign' },
    });
    expect(pending.signUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    // Asking again before the signer acts: the same pending answer, no second flow.
    expect((await gql(service, SIGN, variables)).data.signFile).toEqual(pending);

    const signed = await fetch(`${pending.signUrl}/sign`, { method: 'POST', redirect: 'manual' });
    expect(signed.status).toBe(303);
    const returnPage = await (await fetch(signed.headers.get('location')!)).text();
    expect(returnPage).toMatch(/data-state="(signed|pending)"/);

    const done = await until(
      async () => (await gql(service, SIGN, variables)).data.signFile,
      (result) => result.status !== 'PENDING',
    );
    expect(done).toMatchObject({ status: 'SIGNED', reason: null, signUrl: null, clientMutationId: 'leave-17-applicant' });
    expect(done.algorithm).toMatch(/PAdES-B-B$/);
    expect(done.certificate).toContain('BEGIN CERTIFICATE');
    const pdf = new Uint8Array(await (await service.api(new URL(done.uri).pathname)).arrayBuffer());
    expect(Buffer.from(done.content, 'base64').equals(Buffer.from(pdf))).toBe(true);
    const report = (await service.json('/verify', { method: 'POST', body: pdf, headers: { 'content-type': 'application/pdf' } })).body
      .entities[0];
    expect(report.signatures.map((s: any) => [s.valid, s.trusted, s.modifiedAfterSigning])).toEqual([[true, true, false]]);
    const nss = nssDbTrusting([service.esignSandbox!.caPem]);
    expect(pdfsig(nss, pdf).map((s) => s.signatureValidation)).toEqual(['Signature is Valid.']);
  });

  it('reports a refusal at the provider as REFUSED with the reason, and a flow id made up when none was given', async () => {
    const started = await gql(service, SIGN, { file: fileUrl, signer: 'zhangsan', seal: seal.id });
    const pending = started.data.signFile;
    expect(pending.status).toBe('PENDING');
    expect(pending.clientMutationId).toMatch(/^auto-/);
    const flow = service.esignSandbox!.flows().at(-1)!;
    await service.esignSandbox!.refuseAs(flow.flowId, flow.signers[0].accountId, '信息有误');
    const done = await until(
      async () =>
        (await gql(service, SIGN, { file: fileUrl, signer: 'zhangsan', seal: seal.id, id: pending.clientMutationId })).data.signFile,
      (result) => result.status !== 'PENDING',
    );
    expect(done).toMatchObject({ status: 'REFUSED', uri: null, content: null });
    expect(done.reason).toContain('信息有误');
  });
});
