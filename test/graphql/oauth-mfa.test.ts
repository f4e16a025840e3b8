import * as OTPAuth from 'otpauth';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { ecodes, gql, rawPost, token } from './helpers.js';

const TICKET_SECRET = 'oauth-test-ticket-secret-0123456789abcdef';
const READER = { id: 'portal', secret: 'portal-secret-0123456789abcdef-0123456789', scopes: ['seal:read'] };
const WORKFLOW = { id: 'workflow', secret: 'workflow-secret-0123456789abcdef-012345678', scopes: ['seal:read', 'seal:sign'] };
const ADMIN = { id: 'seal-admin', secret: 'admin-secret-0123456789abcdef-0123456789ab', scopes: ['seal:admin'] };

const SIGN = `mutation($file: URL!, $signer: String, $seal: String!, $mfa: String, $id: String) {
  signFile(file: $file, signer: $signer, seal: $seal, mfa: $mfa, clientMutationId: $id) { status sha256 fieldName }
}`;

describe('OAuth2 client credentials for the GraphQL API', () => {
  let service: TestService;
  let pdfUrl: string;
  let sealId: string;

  beforeAll(async () => {
    service = await startTestService({
      DEMO_DATA: 'true',
      TICKET_SECRET,
      OAUTH_CLIENTS: JSON.stringify([READER, WORKFLOW, ADMIN]),
      OAUTH_TOKEN_TTL: '600',
    });
    pdfUrl = `${service.url}/file/${(await uploadFile(service, sofficePdf(docxOf(['申请表', '【盖章】'])), 'form.pdf')).body.entities[0].id}`;
    sealId = ((await service.json('/seals')).body.entities as any[]).find((seal) => seal.name === '示范大学公章').id;
  });
  afterAll(() => service.stop());
  afterEach(() => vi.useRealTimers());

  it('issues a short-lived bearer token (HTTP Basic or body credentials) and refuses bad clients, grants and scopes per RFC 6749', async () => {
    const issued = await token(service, WORKFLOW.id, WORKFLOW.secret);
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'seal:read seal:sign' });
    expect(issued.body.access_token).toMatch(/^ipo1\./);

    const byBody = await fetch(`${service.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: READER.id, client_secret: READER.secret }),
    });
    expect(byBody.status).toBe(200);
    expect(byBody.headers.get('cache-control')).toBe('no-store');
    expect((await byBody.json()).scope).toBe('seal:read');

    const narrowed = await token(service, WORKFLOW.id, WORKFLOW.secret, 'seal:read');
    expect(narrowed.body.scope).toBe('seal:read');
    expect(await token(service, WORKFLOW.id, `${WORKFLOW.secret.slice(0, -1)}x`)).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(await token(service, 'nobody', WORKFLOW.secret)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token(service, READER.id, READER.secret, 'seal:sign')).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const password = await fetch(`${service.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: READER.id, client_secret: READER.secret }),
    });
    expect(password.status).toBe(400);
    expect((await password.json()).error).toBe('unsupported_grant_type');
  });

  it('grants by scope: seal:read reads, seal:sign signs, seal:admin administers; a token opens no REST route', async () => {
    const reader = `Bearer ${(await token(service, READER.id, READER.secret)).body.access_token}`;
    const workflow = `Bearer ${(await token(service, WORKFLOW.id, WORKFLOW.secret)).body.access_token}`;
    const admin = `Bearer ${(await token(service, ADMIN.id, ADMIN.secret)).body.access_token}`;

    expect((await gql(service, '{ userSeals(account: "zhaoliu") { name } }', {}, reader)).data.userSeals).toHaveLength(2);
    const readerSigns = await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: sealId }, reader);
    expect(ecodes(readerSigns)).toEqual(['INSUFFICIENT_SCOPE']);
    expect(ecodes(await gql(service, '{ adminSeals { total } }', {}, reader))).toEqual(['INSUFFICIENT_SCOPE']);

    const signed = await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: sealId }, workflow);
    expect(signed.errors).toBeUndefined();
    expect(signed.data.signFile.status).toBe('SIGNED');
    expect(ecodes(await gql(service, '{ adminSeals { total } }', {}, workflow))).toEqual(['INSUFFICIENT_SCOPE']);

    expect((await gql(service, '{ adminSeals { total } }', {}, admin)).data.adminSeals.total).toBeGreaterThanOrEqual(6);
    expect(ecodes(await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: sealId }, admin))).toEqual(['INSUFFICIENT_SCOPE']);

    const rest = await service.json('/seals', { headers: { authorization: admin } });
    expect(rest.status).toBe(401);
  });

  it('refuses a tampered token and an expired one (401 ACCESS_TOKEN_INVALID / ACCESS_TOKEN_EXPIRED)', async () => {
    const issued = (await token(service, READER.id, READER.secret)).body.access_token as string;
    const [prefix, payload, mac] = issued.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, scp: ['seal:admin'] })).toString('base64url')}.${mac}`;
    const tampered = await rawPost(service, { query: '{ adminSeals { total } }' }, { authorization: `Bearer ${forged}` });
    expect(tampered.status).toBe(401);
    expect(ecodes(tampered.body)).toEqual(['ACCESS_TOKEN_INVALID']);

    expect(
      (await rawPost(service, { query: '{ userSeals(account: "zhaoliu") { name } }' }, { authorization: `Bearer ${issued}` })).status,
    ).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 601_000 });
    const expired = await rawPost(service, { query: '{ userSeals(account: "zhaoliu") { name } }' }, { authorization: `Bearer ${issued}` });
    expect(expired.status).toBe(401);
    expect(ecodes(expired.body)).toEqual(['ACCESS_TOKEN_EXPIRED']);
    expect(expired.body.data).toBeUndefined();
  });

  it("revokes a client's tokens when the client is removed from the configuration or its secret changes", async () => {
    const issued = `Bearer ${(await token(service, WORKFLOW.id, WORKFLOW.secret)).body.access_token}`;
    const removed = await startTestService({ DEMO_DATA: 'false', TICKET_SECRET, OAUTH_CLIENTS: JSON.stringify([READER]) });
    const rotated = await startTestService({
      DEMO_DATA: 'false',
      TICKET_SECRET,
      OAUTH_CLIENTS: JSON.stringify([{ ...WORKFLOW, secret: `${WORKFLOW.secret}-rotated` }]),
    });
    const kept = await startTestService({ DEMO_DATA: 'false', TICKET_SECRET, OAUTH_CLIENTS: JSON.stringify([WORKFLOW]) });
    try {
      for (const other of [removed, rotated]) {
        const refused = await rawPost(other, { query: '{ userSeals(account: "zhaoliu") { name } }' }, { authorization: issued });
        expect(refused.status).toBe(401);
        expect(ecodes(refused.body)).toEqual(['ACCESS_TOKEN_REVOKED']);
      }
      expect((await rawPost(kept, { query: '{ userSeals(account: "zhaoliu") { name } }' }, { authorization: issued })).status).toBe(200);
    } finally {
      await Promise.all([removed.stop(), rotated.stop(), kept.stop()]);
    }
  });
});

describe('TOTP second factor for seals that require it', () => {
  let service: TestService;
  let pdfUrl: string;
  let seal: any;
  let fileId: string;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true', MFA_MAX_ATTEMPTS: '3' });
    fileId = (await uploadFile(service, sofficePdf(docxOf(['合同', '【甲方盖章】'])), 'contract.pdf')).body.entities[0].id;
    pdfUrl = `${service.url}/file/${fileId}`;
    seal = ((await service.json('/seals')).body.entities as any[]).find((candidate) => candidate.name === '示范大学合同专用章');
  });
  afterAll(() => service.stop());

  const enrol = async (account: string) => {
    const result = await gql(service, 'mutation($a: String!) { enrollTotp(account: $a) { account uri qrPng } }', { a: account });
    expect(result.errors).toBeUndefined();
    return result.data.enrollTotp;
  };
  const codeAt = (uri: string, offsetSteps = 0) =>
    (OTPAuth.URI.parse(uri) as OTPAuth.TOTP).generate({ timestamp: Date.now() + offsetSteps * 30_000 });

  it('enrols through an engine-authorised mutation: an otpauth:// URI and its QR code as PNG', async () => {
    const enrolment = await enrol('zhaoliu');
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/InfoPlus%20Signature:zhaoliu\?/);
    const parsed = OTPAuth.URI.parse(enrolment.uri) as OTPAuth.TOTP;
    expect([parsed.algorithm, parsed.digits, parsed.period]).toEqual(['SHA1', 6, 30]);
    expect(enrolment.qrPng).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(enrolment.qrPng.split(',')[1], 'base64');
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.length).toBeGreaterThan(500);

    // A user ticket cannot enrol anyone (nor itself).
    const signature = (await service.json('/signature', jsonInit('POST', { file: fileId }))).body.entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhaoliu' }))).body.entities[0]
      .ticket;
    const byTicket = await rawPost(service, { query: 'mutation { enrollTotp(account: "zhaoliu") { uri } }', ticket } as never, {
      authorization: '',
    });
    expect(ecodes(byTicket.body)).toEqual(['INSUFFICIENT_SCOPE']);
  });

  it('signFile refuses a seal requiring MFA without a code or with a wrong one, accepts a valid code once, and rate-limits wrong codes', async () => {
    const marked = await gql(service, 'mutation($s: String!) { setSealMfa(seal: $s, required: true) { id mfaRequired } }', { s: seal.id });
    expect(marked.data.setSealMfa).toEqual({ id: seal.id, mfaRequired: true });
    const discovery = await gql(service, '{ discovery { mfa { required sealIds } } }');
    expect(discovery.data.discovery.mfa).toEqual({ required: true, sealIds: [seal.id] });

    const enrolment = await enrol('zhaoliu');
    const without = await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: seal.id });
    expect(ecodes(without)).toEqual(['MFA_REQUIRED']);
    const wrong = await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: seal.id, mfa: codeAt(enrolment.uri, 20) });
    expect(ecodes(wrong)).toEqual(['MFA_INVALID']);

    const code = codeAt(enrolment.uri);
    const signed = await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: seal.id, mfa: code });
    expect(signed.errors).toBeUndefined();
    expect(signed.data.signFile.status).toBe('SIGNED');
    const replayed = await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: seal.id, mfa: code });
    expect(ecodes(replayed)).toEqual(['MFA_INVALID']);
    expect(replayed.errors![0].message).toMatch(/already used/);

    // Someone else's enrolment: the code of zhaoliu's authenticator is not chenqi's.
    const other = await gql(service, SIGN, { file: pdfUrl, signer: 'chenqi', seal: seal.id, mfa: codeAt(enrolment.uri, 1) });
    expect(ecodes(other)).toEqual(['NOT_SEAL_HOLDER']);

    // MFA_MAX_ATTEMPTS=3: one wrong code above, two more, then even a right code is refused.
    for (const attempt of ['000000', '999999'])
      expect(ecodes(await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: seal.id, mfa: attempt }))).toEqual(['MFA_INVALID']);
    const locked = await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: seal.id, mfa: codeAt(enrolment.uri, 1) });
    expect(ecodes(locked)).toEqual(['MFA_RATE_LIMITED']);

    // Seals without the requirement sign without a code.
    const official = ((await service.json('/seals')).body.entities as any[]).find((candidate) => candidate.name === '示范大学公章');
    expect((await gql(service, SIGN, { file: pdfUrl, signer: 'zhaoliu', seal: official.id })).errors).toBeUndefined();
  });

  it('the signing page asks for the code and its stamp call enforces it too', async () => {
    const contractSeal = ((await service.json('/seals')).body.entities as any[]).find(
      (candidate) => candidate.name === '星河科技有限公司合同专用章',
    );
    await gql(service, 'mutation($s: String!) { setSealMfa(seal: $s, required: true) { id } }', { s: contractSeal.id });
    const chenqi = await enrol('chenqi');
    const signature = (await service.json('/signature', jsonInit('POST', { file: fileId, seals: [{ placeHolder: '【甲方盖章】' }] }))).body
      .entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'chenqi', name: '陈七' }))).body
      .entities[0].ticket;
    const page = await (await fetch(`${service.url}/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(ticket)}`)).text();
    expect(page).toContain('name="mfa"');
    expect(page).toContain('autocomplete="one-time-code"');

    const stamp = (body: Record<string, unknown>) =>
      service.json(
        `/sign/${signature.id}/seals/0`,
        jsonInit('POST', { ticket, sealId: contractSeal.id, version: signature.version, ...body }, { auth: false }),
      );
    const refused = await stamp({});
    expect(refused.status).toBe(401);
    expect(refused.body.ecode).toBe('MFA_REQUIRED');
    const wrong = await stamp({ mfa: '123456' === codeAt(chenqi.uri) ? '654321' : '123456' });
    expect(wrong.body.ecode).toBe('MFA_INVALID');
    const unsignedStill = (await service.json(`/signature/${signature.id}`)).body.entities[0];
    expect(unsignedStill.seals[0].signature).toBe('');
    const done = await stamp({ mfa: codeAt(chenqi.uri) });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.entities[0].seals[0].state).toBe('signed');
  });
});
