import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '../helpers/fixtures.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

describe('SignatureAPI S1/S2', () => {
  let service: TestService;
  let pdfId: string;
  let certificatePem: string;

  beforeAll(async () => {
    service = await startTestService({ BODY_LIMIT: '16kb' });
    pdfId = (await uploadFile(service, await makePdf('contract'), 'contract.pdf')).body.entities[0].id;
    certificatePem = await selfSignedCertificate();
  });
  afterAll(() => service.stop());

  async function create(body: Record<string, unknown> = {}) {
    const result = await service.json('/signature', jsonInit('POST', { file: pdfId, ...body }));
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    return result.body.entities[0];
  }

  it('creates a Signature from an uploaded PDF: a new id, uri serving the PDF, one seal when none given', async () => {
    const signature = await create({ name: '合同.pdf' });
    expect(signature.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(signature.id).not.toBe(pdfId);
    expect(signature).toMatchObject({ name: '合同.pdf', mime: 'application/pdf', state: 'unsigned' });
    expect(signature.seals).toHaveLength(1);
    expect(signature.seals[0]).toEqual({
      placeHolder: '',
      signer: { account: '', name: '' },
      permission: { sealTypes: [], sealIds: [], signers: [] },
      template: '',
      image: '',
      description: '',
      algorithm: '',
      signature: '',
      privateKey: '',
      state: 'unsigned',
    });
    const pdf = await service.api(new URL(signature.uri).pathname);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');

    const s1 = await service.json(`/signature/${signature.id}`);
    expect(s1.body).toMatchObject({ errno: 0, ecode: 'SUCCEED', error: 'Succeed.' });
    expect(s1.body.entities[0]).toEqual(signature);
  });

  it('S2 stores a whole Signature; it is signed only when every seal has a signature', async () => {
    const signature = await create({
      seals: [{ placeHolder: '【甲方盖章】' }, { placeHolder: '【乙方盖章】', signer: { account: 'bob', name: '鲍勃' } }],
    });
    const first = await service.json(
      `/signature/${signature.id}`,
      jsonInit('POST', {
        ...signature,
        seals: [{ ...signature.seals[0], signature: 'MIIB', privateKey: certificatePem }, signature.seals[1]],
      }),
    );
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.entities[0].state).toBe('unsigned');
    expect(first.body.entities[0].seals.map((s: any) => s.state)).toEqual(['signed', 'unsigned']);

    const second = await service.json(
      `/signature/${signature.id}`,
      jsonInit('POST', { seals: [{ index: 1, signature: 'MIIC', description: 'Bob' }] }),
    );
    expect(second.status).toBe(200);
    const stored = second.body.entities[0];
    expect(stored.state).toBe('signed');
    expect(stored.seals[1]).toMatchObject({
      placeHolder: '【乙方盖章】',
      signer: { account: 'bob', name: '鲍勃' },
      signature: 'MIIC',
      description: 'Bob',
    });
    expect(stored.seals[0].privateKey).toBe(certificatePem);
    expect((await service.json(`/signature/${signature.id}`)).body.entities[0]).toEqual(stored);
  });

  it('a Signature with an empty uri is unsigned even when its seals carry signatures', async () => {
    const signature = await create();
    const result = await service.json(
      `/signature/${signature.id}`,
      jsonInit('POST', { uri: '', seals: [{ index: 0, signature: 'MIIB' }] }),
    );
    expect(result.body.entities[0]).toMatchObject({ uri: '', state: 'unsigned' });
    expect(result.body.entities[0].seals[0].state).toBe('signed');
  });

  it('S2 pointing uri at a new PDF revision records it and keeps earlier revisions retrievable', async () => {
    const signature = await create();
    const revisionId = (await uploadFile(service, await makePdf('contract, stamped'), 'stamped.pdf')).body.entities[0].id;
    const result = await service.json(
      `/signature/${signature.id}`,
      jsonInit('POST', { uri: `/file/${revisionId}`, seals: [{ index: 0, signature: 'MIIB' }] }),
    );
    expect(result.status).toBe(200);
    const stored = result.body.entities[0];
    expect(stored.uri).toBe(`${service.url}/file/${revisionId}`);
    expect(stored.revisions.map((r: any) => r.fileId)).toEqual([pdfId, revisionId]);
    expect(stored.revisions[1].sealIndex).toBe(0);
    for (const id of [pdfId, revisionId]) expect((await service.json(`/file/${id}`, { method: 'DELETE' })).status).toBe(409);

    // Pointing back at the original (a removed seal) cuts the chain; the cut revision stays retrievable.
    const reverted = await service.json(
      `/signature/${signature.id}`,
      jsonInit('POST', { uri: `/file/${pdfId}`, seals: [{ index: 0, signature: '' }] }),
    );
    expect(reverted.body.entities[0].revisions.map((r: any) => r.fileId)).toEqual([pdfId]);
    expect(reverted.body.entities[0].state).toBe('unsigned');
    expect((await service.api(`/file/${revisionId}`)).status).toBe(200);
    expect((await service.json(`/file/${revisionId}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('refuses anything that looks like a private key in privateKey, and stores nothing', async () => {
    const signature = await create();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    for (const value of [pem, der, pem.replace('PRIVATE KEY', 'EC PRIVATE KEY')]) {
      const result = await service.json(`/signature/${signature.id}`, jsonInit('POST', { seals: [{ index: 0, privateKey: value }] }));
      expect(result.status).toBe(400);
      expect(result.body.ecode).toBe('PRIVATE_KEY_REFUSED');
      expect(result.body.entities[0].path).toBe('$.seals[0].privateKey');
      expect(JSON.stringify(result.body)).not.toContain(value.slice(40, 80));
    }
    const created = await service.json('/signature', jsonInit('POST', { file: pdfId, seals: [{ privateKey: pem }] }));
    expect(created.status).toBe(400);
    expect((await service.json(`/signature/${signature.id}`)).body.entities[0].seals[0].privateKey).toBe('');
  });

  it('a rejected S2 leaves the stored Signature byte-for-byte as it was', async () => {
    const signature = await create({ seals: [{ placeHolder: '【公章】', permission: { sealTypes: ['公章'] } }] });
    const before = await (await service.api(`/signature/${signature.id}`)).text();
    const rejected = [
      '{"seals": [',
      JSON.stringify({ mime: 'image/png' }),
      JSON.stringify({ seals: [{ index: 0, x: 'left' }] }),
      JSON.stringify({ seals: [{ index: 7, signature: 'x' }] }),
      JSON.stringify({ seals: [{ index: 0, signature: 'x' }, { signature: 'y' }] }),
      JSON.stringify({ id: '2b1c1a8e-2f4e-4b8a-9c1d-0e6f1a2b3c4d' }),
      JSON.stringify({ uri: 'https://elsewhere.example/file.pdf' }),
      JSON.stringify({ seals: [{ index: 0, privateKey: 'garbage' }] }),
      JSON.stringify({ version: 99, name: 'stale' }),
      JSON.stringify({ seals: [{ index: 0, signature: 'x'.repeat(20_000) }] }),
    ];
    for (const body of rejected) {
      const result = await service.json(`/signature/${signature.id}`, jsonInit('POST', body));
      expect(result.status, body.slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(result.body.errno).toBe(result.status);
    }
    expect(await (await service.api(`/signature/${signature.id}`)).text()).toBe(before);
  });

  it('answers malformed JSON with 400, schema violations with every failing path, oversized bodies with 413', async () => {
    const signature = await create();
    const malformed = await service.json(`/signature/${signature.id}`, jsonInit('POST', '{"name": '));
    expect(malformed).toMatchObject({ status: 400, body: { errno: 400, ecode: 'MALFORMED_JSON' } });

    const invalid = await service.json(
      `/signature/${signature.id}`,
      jsonInit('POST', { mime: 'text/plain', seals: [{ x: -5, permission: { sealTypes: 'x' } }, { colour: 'red' }], extra: 1 }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.ecode).toBe('INVALID_REQUEST');
    const paths = invalid.body.entities.map((e: any) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['$.mime', '$.seals[0].x', '$.seals[0].permission.sealTypes', '$.seals[1].colour', '$.extra']),
    );

    const huge = await service.json(`/signature/${signature.id}`, jsonInit('POST', { name: 'x'.repeat(20_000) }));
    expect(huge).toMatchObject({ status: 413, body: { ecode: 'BODY_TOO_LARGE' } });

    const notJson = await service.json(`/signature/${signature.id}`, {
      method: 'POST',
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(415);
  });

  it('answers 404 for unknown signatures (S1 and S2) and unknown files on create, 400 for bad ids', async () => {
    const missing = '2b1c1a8e-2f4e-4b8a-9c1d-0e6f1a2b3c4d';
    expect((await service.json(`/signature/${missing}`)).body).toMatchObject({ errno: 404, ecode: 'SIGNATURE_NOT_FOUND' });
    expect((await service.json(`/signature/${missing}`, jsonInit('POST', { name: 'x' }))).status).toBe(404);
    expect((await service.json('/signature', jsonInit('POST', { file: missing }))).status).toBe(404);
    expect((await service.json('/signature/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
    expect((await service.json('/signature', jsonInit('POST', { file: '../../etc/passwd' }))).status).toBe(400);
  });

  it('refuses to make a Signature from a file that is not a PDF', async () => {
    const { PNG_1X1 } = await import('../helpers/fixtures.js');
    const png = (await uploadFile(service, PNG_1X1, 'seal.png')).body.entities[0].id;
    const result = await service.json('/signature', jsonInit('POST', { file: png }));
    expect(result).toMatchObject({ status: 415, body: { ecode: 'NOT_A_PDF' } });
  });

  it('refuses a stale version with 409', async () => {
    const signature = await create();
    expect((await service.json(`/signature/${signature.id}`, jsonInit('POST', { version: signature.version, name: 'v2' }))).status).toBe(
      200,
    );
    const stale = await service.json(`/signature/${signature.id}`, jsonInit('POST', { version: signature.version, name: 'v3' }));
    expect(stale).toMatchObject({ status: 409, body: { ecode: 'VERSION_CONFLICT' } });
  });
});

async function selfSignedCertificate(): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  return execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      '/CN=Test Seal',
      '-days',
      '30',
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
}
