import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestHeader, digestResponse, parseDigestHeader } from '../../src/util/digest-auth.js';
import { issueTicket, verifyTicket } from '../../src/http/auth/tickets.js';
import { makePdf } from '../helpers/fixtures.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

const DIGEST = { code: 'infoplus-engine', domain: 'example.edu.cn', secret: 'digest-secret-value' };

describe('InfoPlus digest signature (test vectors)', () => {
  it('computes MD5(MD5(code:domain:secret):nonce:MD5(method:uri)) — vectors computed with md5sum', () => {
    expect(digestResponse({ code: 'c', domain: 'd', secret: 's' }, 'POST', '/u', 'n-1')).toBe('dbe0c90f255fc962eeb43e20a3908707');
    expect(digestResponse(DIGEST, 'get', '/signature/x', 'abc123-1795000000')).toBe('e406f361ed039c4a9b041ede63875c08');
  });

  it('parses its own header and the code/domain aliases', () => {
    const header = digestHeader(DIGEST, 'GET', '/signature/1', 'n-1795000000');
    expect(parseDigestHeader(header)).toMatchObject({
      username: DIGEST.code,
      realm: DIGEST.domain,
      nonce: 'n-1795000000',
      uri: '/signature/1',
    });
    expect(parseDigestHeader('Digest code="c", domain="d", nonce="n-1", uri="/", response="ff"')).toMatchObject({
      username: 'c',
      realm: 'd',
    });
    expect(parseDigestHeader('Basic abc')).toBeNull();
  });
});

describe('tickets', () => {
  const secret = 'ticket-secret-for-tests-0123456789abcdef';
  it('round-trips and refuses altered, foreign and expired tickets', () => {
    const now = 1_800_000_000;
    const ticket = issueTicket(secret, { sid: 's1', account: 'alice', name: 'Alice', scopes: ['read'], exp: now + 60 });
    expect(verifyTicket(secret, ticket, now)).toMatchObject({ ok: true, claims: { sid: 's1', account: 'alice' } });
    expect(verifyTicket(secret, ticket, now + 60)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyTicket('another-secret-0123456789abcdef0123', ticket, now)).toEqual({ ok: false, reason: 'bad-signature' });
    const [v, payload, mac] = ticket.split('.');
    const forged = Buffer.from(JSON.stringify({ sid: 's2', account: 'alice', name: 'Alice', scopes: ['read'], exp: now + 60 })).toString(
      'base64url',
    );
    expect(verifyTicket(secret, `${v}.${forged}.${mac}`, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyTicket(secret, `${v}.${payload}`, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('authentication over HTTP', () => {
  let service: TestService;
  let sigA: string;
  let sigB: string;
  let pdfA: string;

  beforeAll(async () => {
    service = await startTestService({
      DIGEST_CODE: DIGEST.code,
      DIGEST_DOMAIN: DIGEST.domain,
      DIGEST_SECRET: DIGEST.secret,
      TICKET_TTL: '30',
    });
    pdfA = (await uploadFile(service, await makePdf('A'), 'a.pdf')).body.entities[0].id;
    const pdfB = (await uploadFile(service, await makePdf('B'), 'b.pdf')).body.entities[0].id;
    sigA = (await service.json('/signature', jsonInit('POST', { file: pdfA }))).body.entities[0].id;
    sigB = (await service.json('/signature', jsonInit('POST', { file: pdfB }))).body.entities[0].id;
  });
  afterAll(() => service.stop());

  const ticketFor = async (id: string, account = 'alice') =>
    (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account, name: 'Alice' }))).body.entities[0];

  it('401 without a credential, 401 with a wrong bearer key, both in the envelope', async () => {
    const none = await service.json(`/signature/${sigA}`, { auth: false });
    expect(none).toMatchObject({ status: 401, body: { errno: 401, ecode: 'UNAUTHORIZED', entities: [] } });
    const wrong = await service.json(`/signature/${sigA}`, { headers: { authorization: 'Bearer not-the-key-0123456789' } });
    expect(wrong.status).toBe(401);
  });

  it('issues tickets that read their own signature and its PDF, but not another signature or engine routes', async () => {
    const { ticket, expiresAt } = await ticketFor(sigA);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
    const asUser = (t: string) => ({ auth: false, headers: { 'x-infoplus-ticket': t } });
    const own = await service.json(`/signature/${sigA}`, asUser(ticket));
    expect(own.status).toBe(200);
    expect((await service.api(`/file/${pdfA}`, asUser(ticket))).status).toBe(200);
    // Tickets do not travel in URLs (history, logs, Referer) except the signing page's first load.
    expect(await service.json(`/signature/${sigA}?ticket=${encodeURIComponent(ticket)}`, { auth: false })).toMatchObject({
      status: 400,
      body: { ecode: 'TICKET_IN_URL' },
    });

    const other = await service.json(`/signature/${sigB}`, asUser(ticket));
    expect(other).toMatchObject({ status: 403, body: { errno: 403, ecode: 'TICKET_SCOPE' } });
    const s2 = await service.json(`/signature/${sigA}`, jsonInit('POST', { name: 'x', ticket }, { auth: false }));
    expect(s2).toMatchObject({ status: 403, body: { ecode: 'ENGINE_ONLY' } });
    const newTicket = await service.json(`/signature/${sigA}/tickets`, jsonInit('POST', { account: 'mallory', ticket }, { auth: false }));
    expect(newTicket.status).toBe(403);
  });

  it('refuses altered and expired tickets', async () => {
    const { ticket } = await ticketFor(sigA);
    const [v, payload, mac] = ticket.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sid: sigB })).toString('base64url');
    const altered = await service.json(`/signature/${sigB}`, {
      auth: false,
      headers: { 'x-infoplus-ticket': `${v}.${forgedPayload}.${mac}` },
    });
    expect(altered).toMatchObject({ status: 401, body: { ecode: 'TICKET_INVALID' } });

    const secrets = JSON.parse((await import('node:fs')).readFileSync(`${service.dataDir}/secrets.json`, 'utf8'));
    const expired = issueTicket(secrets.ticketSecret, { ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    const result = await service.json(`/signature/${sigA}`, { auth: false, headers: { 'x-infoplus-ticket': expired } });
    expect(result).toMatchObject({ status: 401, body: { ecode: 'TICKET_EXPIRED' } });
  });

  it('accepts the InfoPlus digest, refusing a replayed nonce, a stale nonce and a wrong uri', async () => {
    const uri = `/signature/${sigA}`;
    const now = Math.floor(Date.now() / 1000);
    const nonce = `n${Math.random().toString(36).slice(2)}-${now}`;
    const header = digestHeader(DIGEST, 'GET', uri, nonce);
    expect((await service.json(uri, { headers: { authorization: header } })).status).toBe(200);
    const replay = await service.json(uri, { headers: { authorization: header } });
    expect(replay).toMatchObject({ status: 401, body: { ecode: 'NONCE_REPLAYED' } });

    const stale = digestHeader(DIGEST, 'GET', uri, `old-${now - 6 * 60}`);
    expect((await service.json(uri, { headers: { authorization: stale } })).status).toBe(401);
    const future = digestHeader(DIGEST, 'GET', uri, `fut-${now + 6 * 60}`);
    expect((await service.json(uri, { headers: { authorization: future } })).status).toBe(401);
    const wrongUri = digestHeader(DIGEST, 'GET', `/signature/${sigB}`, `w-${now}`);
    expect((await service.json(uri, { headers: { authorization: wrongUri } })).status).toBe(401);
    const wrongSecret = digestHeader({ ...DIGEST, secret: 'nope' }, 'GET', uri, `s-${now}`);
    expect((await service.json(uri, { headers: { authorization: wrongSecret } })).status).toBe(401);
  });
});
