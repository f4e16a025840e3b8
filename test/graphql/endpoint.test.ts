import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery } from 'graphql';
import { auditServer } from 'graphql-http';
import { makePdf } from '../helpers/fixtures.js';
import { ENGINE_KEY, type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { GRAPHQL_RESPONSE, ecodes, gql, rawPost } from './helpers.js';

const SEAL_FIELDS = 'id name type owner ownerKind holders provider enabled imageUri certificate keyAlgorithm mfaRequired createTime';

describe('GraphQL SignatureAPI v2: the endpoint', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true' });
  });
  afterAll(() => service.stop());

  it('serves the schema file at GET /graphql/schema, without credentials', async () => {
    const response = await fetch(`${service.url}/graphql/schema`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toBe(fs.readFileSync(path.resolve('src/graphql/schema.graphql'), 'utf8'));
    expect(text).toContain('signFile(');
    expect(text).toContain('adminSeals(filter: SealFilter');
  });

  it('discovery describes the service through a GraphQL client', async () => {
    const result = await gql(
      service,
      `{ discovery { service { name version apiVersion } pickerUrl endpoint tokenUrl placements keywordOrders defaultKeywordOrder defaultKeywordSeq
      sealTypes algorithms providers { name mode placements comment } maxFileSize mfa { required methods how sealIds } } }`,
    );
    expect(result.errors).toBeUndefined();
    const discovery = result.data.discovery;
    expect(discovery.service).toEqual({
      name: 'infoplus-signature-service',
      version: JSON.parse(fs.readFileSync('package.json', 'utf8')).version,
      apiVersion: 'v2',
    });
    expect(discovery.pickerUrl).toBe(`${service.url}/seal-picker?ticket={ticket}`);
    expect(discovery.endpoint).toBe(`${service.url}/graphql`);
    expect(discovery.tokenUrl).toBe(`${service.url}/oauth/token`);
    expect(discovery.placements).toEqual(['COORDINATES', 'KEYWORD', 'CROSS_PAGE']);
    expect(discovery.keywordOrders).toEqual([0, 1, 2]);
    expect([discovery.defaultKeywordOrder, discovery.defaultKeywordSeq]).toEqual([2, 1]);
    expect(discovery.sealTypes).toEqual(['个人签名', '公章', '合同专用章'].sort());
    expect(discovery.algorithms).toEqual(['SHA256withECDSA; PAdES-B-B', 'SHA256withRSA; PAdES-B-B']);
    expect(discovery.providers).toEqual([
      { name: 'local', mode: 'SYNC', placements: ['COORDINATES', 'KEYWORD', 'CROSS_PAGE'], comment: true },
    ]);
    expect(discovery.maxFileSize).toBe(20 * 1024 * 1024);
    expect(discovery.mfa).toMatchObject({ required: false, methods: ['TOTP'], sealIds: [] });
  });

  it('follows GraphQL-over-HTTP: GET for queries, both media types, 405 for a mutation by GET, 400/200 for invalid documents', async () => {
    const query = encodeURIComponent('{ discovery { service { name } } }');
    const get = (accept: string, q = query) =>
      fetch(`${service.url}/graphql?query=${q}`, { headers: { accept, authorization: `Bearer ${ENGINE_KEY}` } });
    const modern = await get(GRAPHQL_RESPONSE);
    expect(modern.status).toBe(200);
    expect(modern.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect((await modern.json()).data.discovery.service.name).toBe('infoplus-signature-service');
    const legacy = await get('application/json');
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get('content-type')).toMatch(/^application\/json/);

    const mutation = await get(GRAPHQL_RESPONSE, encodeURIComponent('mutation { enrollTotp(account: "zhangsan") { uri } }'));
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toMatch(/POST/);

    const syntax = await rawPost(service, { query: '{ discovery { ' });
    expect(syntax.status).toBe(400);
    expect(syntax.type).toMatch(/^application\/graphql-response\+json/);
    expect(ecodes(syntax.body)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const unknownField = await rawPost(service, { query: '{ discovery { nope } }' }, { accept: 'application/json' });
    expect(unknownField.status).toBe(200);
    expect(unknownField.type).toMatch(/^application\/json/);
    expect(ecodes(unknownField.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    const form = await rawPost(service, 'query=%7Bdiscovery%7D', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(ecodes(form.body)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
  });

  it('passes every GraphQL-over-HTTP audit of graphql-http (MUST, SHOULD and MAY)', async () => {
    const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${ENGINE_KEY}`);
      return fetch(input, { ...init, headers });
    };
    const results = await auditServer({ url: `${service.url}/graphql`, fetchFn });
    expect(results.length).toBeGreaterThan(50);
    expect(
      results.filter((result) => result.status !== 'ok').map((result) => `${result.name}: ${(result as { reason?: string }).reason}`),
    ).toEqual([]);
  });

  it('refuses a call without credentials (401) and with a wrong engine key, GraphQL-shaped', async () => {
    const none = await rawPost(service, { query: '{ discovery { pickerUrl } }' }, { authorization: '' });
    expect(none.status).toBe(401);
    expect(ecodes(none.body)).toEqual(['UNAUTHORIZED']);
    const wrong = await rawPost(service, { query: '{ discovery { pickerUrl } }' }, { authorization: 'Bearer not-the-engine-key-at-all' });
    expect(wrong.status).toBe(401);
    expect(ecodes(wrong.body)).toEqual(['UNAUTHORIZED']);
    expect(wrong.body.data).toBeUndefined();
  });

  it('refuses a query nested too deep and one that costs too much (400 with graphql-response+json), and accepts the same shapes within the limits', async () => {
    const deep =
      '{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } } }';
    const tooDeep = await rawPost(service, { query: deep });
    expect(tooDeep.status).toBe(400);
    expect(ecodes(tooDeep.body)).toContain('QUERY_TOO_DEEP');
    expect(tooDeep.body.data).toBeUndefined();
    const shallow = await rawPost(service, { query: '{ __schema { types { fields { type { name } } } } }' });
    expect(shallow.status).toBe(200);

    const page = `adminSeals(first: 100) { seals { ${SEAL_FIELDS} } nextToken total }`;
    const affordable = await rawPost(service, { query: `{ a: ${page} }` });
    expect(affordable.status, JSON.stringify(affordable.body)).toBe(200);
    // The same page three times over by aliases: the cost adds up.
    const costly = await rawPost(service, { query: `{ a: ${page} b: ${page} c: ${page} }` });
    expect(costly.status).toBe(400);
    expect(ecodes(costly.body)).toEqual(['QUERY_TOO_COSTLY']);
    expect(costly.body.errors[0].extensions.maxCost).toBe(2000);
  });

  it('runs a batch of operations (a JSON array) and refuses one larger than the limit before running any', async () => {
    const batch = await rawPost(service, [
      { query: '{ discovery { service { name } } }' },
      { query: 'query Q($a: String) { userSeals(account: $a) { name } }', variables: { a: 'wangwu' } },
    ]);
    expect(batch.status).toBe(200);
    expect(batch.body).toHaveLength(2);
    expect(batch.body[1].data.userSeals.map((seal: any) => seal.name).sort()).toEqual(['王五', '计算机科学与技术学院公章'].sort());

    // Eleven enrolments would each change state: none may run.
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ query: `mutation { enrollTotp(account: "batch-${i}") { uri } }` }));
    const refused = await rawPost(service, tooMany);
    expect(refused.status).toBe(400);
    expect(ecodes(refused.body)).toEqual(['BATCH_TOO_LARGE']);
    const check = await gql(service, '{ discovery { mfa { required } } }');
    expect(check.errors).toBeUndefined();
    const enrolled = await rawPost(service, { query: 'mutation { enrollTotp(account: "batch-0") { account } }' });
    expect(enrolled.status).toBe(200); // (enrolling works; the refused batch simply never ran)
  });

  it('refuses a request body over GRAPHQL_BODY_LIMIT with 413', async () => {
    const huge = await rawPost(service, { query: `{ discovery { pickerUrl } } # ${'x'.repeat(70 * 1024)}` });
    expect(huge.status).toBe(413);
    expect(ecodes(huge.body)).toEqual(['BODY_TOO_LARGE']);
    const malformed = await rawPost(service, '{"query": ');
    expect(malformed.status).toBe(400);
    expect(ecodes(malformed.body)).toEqual(['MALFORMED_JSON']);
  });

  it('answers introspection in development', async () => {
    const result = await gql(service, getIntrospectionQuery());
    expect(result.errors).toBeUndefined();
    expect(result.data.__schema.mutationType.name).toBe('Mutation');
  });
});

describe('GraphQL SignatureAPI v2: production', () => {
  const production = { NODE_ENV: 'production', TICKET_SECRET: 't'.repeat(40), SEAL_MASTER_KEY: 'ab'.repeat(32), DEMO_DATA: 'true' };

  it('turns introspection off unless GRAPHQL_INTROSPECTION=true, and keeps serving queries', async () => {
    const closed = await startTestService(production);
    const open = await startTestService({ ...production, GRAPHQL_INTROSPECTION: 'true' });
    try {
      const refused = await rawPost(closed, { query: '{ __schema { queryType { name } } }' });
      expect(refused.status).toBe(400);
      expect(new Set(ecodes(refused.body))).toEqual(new Set(['INTROSPECTION_DISABLED']));
      expect(refused.body.errors[0].message).toMatch(/introspection/i);
      expect((await gql(closed, '{ discovery { service { name } } }')).data.discovery.service.name).toBe('infoplus-signature-service');
      const allowed = await rawPost(open, { query: '{ __schema { queryType { name } } }' });
      expect(allowed.status).toBe(200);
      expect(allowed.body.data.__schema.queryType.name).toBe('Query');
    } finally {
      await closed.stop();
      await open.stop();
    }
  });
});

describe('GraphQL SignatureAPI v2: userSeals and adminSeals', () => {
  let service: TestService;
  let ticketOf: (account: string) => Promise<string>;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true' });
    const file = (await uploadFile(service, await makePdf('form'), 'form.pdf')).body.entities[0].id;
    const signature = (await service.json('/signature', jsonInit('POST', { file }))).body.entities[0];
    ticketOf = async (account) =>
      (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account, name: account }))).body.entities[0].ticket;
  });
  afterAll(() => service.stop());

  it('userSeals: an engine names the account; a ticket answers for its own account only', async () => {
    const byEngine = await gql(service, `query($a: String) { userSeals(account: $a) { ${SEAL_FIELDS} } }`, { a: 'zhaoliu' });
    expect(byEngine.errors).toBeUndefined();
    const seals = byEngine.data.userSeals;
    expect(seals.map((seal: any) => seal.name).sort()).toEqual(['示范大学公章', '示范大学合同专用章'].sort());
    for (const seal of seals) {
      expect(seal).toMatchObject({ owner: '示范大学', ownerKind: 'ORGANIZATION', provider: 'local', enabled: true, mfaRequired: false });
      expect(seal.holders).toContain('zhaoliu');
      expect(seal.certificate).toContain('BEGIN CERTIFICATE');
      expect(seal.certificate).not.toContain('PRIVATE');
      expect(seal.imageUri).toMatch(new RegExp(`^${service.url}/file/`));
    }
    const unnamed = await gql(service, '{ userSeals { id } }');
    expect(ecodes(unnamed)).toEqual(['ACCOUNT_REQUIRED']);

    const ticket = await ticketOf('chenqi');
    const own = await fetch(`${service.url}/graphql?query=${encodeURIComponent('{ userSeals { name } }')}`, {
      headers: { accept: GRAPHQL_RESPONSE, 'x-infoplus-ticket': ticket },
    });
    expect((await own.json()).data.userSeals).toEqual([{ name: '星河科技有限公司合同专用章' }]);
    const other = await rawPost(service, { query: '{ userSeals(account: "zhaoliu") { name } }', ticket } as never, { authorization: '' });
    expect(other.status).toBe(200);
    expect(ecodes(other.body)).toEqual(['ACCOUNT_MISMATCH']);
    expect(other.body.data).toBeNull();
  });

  it("userSealsPage: pages through a holder's seals with nextToken, same seals as userSeals", async () => {
    const all = (await gql(service, `query($a: String) { userSeals(account: $a) { id } }`, { a: 'zhaoliu' })).data.userSeals.map(
      (seal: any) => seal.id,
    );
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const result: any = await gql(
        service,
        'query($a: String, $after: String) { userSealsPage(account: $a, first: 1, after: $after) { seals { id } nextToken total } }',
        { a: 'zhaoliu', after },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data.userSealsPage.total).toBe(all.length);
      seen.push(...result.data.userSealsPage.seals.map((seal: any) => seal.id));
      after = result.data.userSealsPage.nextToken;
      if (!after) break;
    }
    expect(seen.sort()).toEqual([...all].sort());
    expect(seen.length).toBeGreaterThan(1);
    expect(ecodes(await gql(service, '{ userSealsPage(account: "zhaoliu", after: "bogus") { total } }'))).toEqual(['INVALID_CURSOR']);
  });

  it('adminSeals: pages through every seal with nextToken, filters by type, holder, owner, enabled and ids; refused to a ticket', async () => {
    const all = (await service.json('/seals')).body.entities as any[];
    expect(all.length).toBeGreaterThanOrEqual(6);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const result: any = await gql(
        service,
        'query($after: String) { adminSeals(first: 2, after: $after) { seals { id } nextToken total } }',
        { after },
      );
      expect(result.errors).toBeUndefined();
      const page = result.data.adminSeals;
      expect(page.total).toBe(all.length);
      expect(page.seals.length).toBeLessThanOrEqual(2);
      seen.push(...page.seals.map((seal: any) => seal.id));
      after = page.nextToken;
      pages++;
    } while (after && pages < 20);
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(seen).toEqual(all.map((seal) => seal.id));

    const byType = await gql(service, '{ adminSeals(filter: { type: "公章" }) { seals { name } total nextToken } }');
    expect(byType.data.adminSeals.seals.map((seal: any) => seal.name).sort()).toEqual(['示范大学公章', '计算机科学与技术学院公章'].sort());
    expect(byType.data.adminSeals.nextToken).toBeNull();
    const byHolder = await gql(
      service,
      '{ adminSeals(filter: { holder: "wangwu", owner: "示范大学计算机科学与技术学院" }) { seals { name } } }',
    );
    expect(byHolder.data.adminSeals.seals.map((seal: any) => seal.name)).toEqual(['计算机科学与技术学院公章']);
    const target = all.find((seal) => seal.name === '李四');
    await service.json(`/seals/${target.id}/disable`, { method: 'POST' });
    const disabled = await gql(service, '{ adminSeals(filter: { enabled: false }) { seals { id enabled } } }');
    expect(disabled.data.adminSeals.seals).toEqual([{ id: target.id, enabled: false }]);
    const byIds = await gql(service, 'query($ids: [String!]) { adminSeals(filter: { ids: $ids, provider: "local" }) { total } }', {
      ids: [all[0].id, all[1].id],
    });
    expect(byIds.data.adminSeals.total).toBe(2);

    const badCursor = await gql(service, '{ adminSeals(after: "garbage") { total } }');
    expect(ecodes(badCursor)).toEqual(['INVALID_CURSOR']);
    const tooBig = await gql(service, '{ adminSeals(first: 1000) { total } }');
    expect(ecodes(tooBig)).toEqual(['INVALID_REQUEST']);
    const ticket = await ticketOf('zhaoliu');
    const byTicket = await rawPost(service, { query: '{ adminSeals { total } }', ticket } as never, { authorization: '' });
    expect(ecodes(byTicket.body)).toEqual(['INSUFFICIENT_SCOPE']);
  });
});

describe('GraphQL SignatureAPI v2: the seal picker (discovery → picker → signFile)', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true' });
  });
  afterAll(() => service.stop());

  it("a picker ticket opens a page of the user's enabled seals (filtered by sealAttr) and nothing else", async () => {
    const issued = await gql(service, 'mutation { pickerTicket(account: "zhaoliu") { ticket url expiresAt } }');
    expect(issued.errors).toBeUndefined();
    const { ticket, url, expiresAt } = issued.data.pickerTicket;
    expect(url).toBe(`${service.url}/seal-picker?ticket=${encodeURIComponent(ticket)}`);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('示范大学公章');
    expect(html).toContain('示范大学合同专用章');
    expect(html).not.toContain('王五');
    const contracts = await (await fetch(`${url}&sealAttr=${encodeURIComponent('合同专用章')}`)).text();
    expect(contracts).toContain('示范大学合同专用章');
    expect(contracts).not.toContain('示范大学公章');

    const seals = (await service.json('/seals')).body.entities as any[];
    const own = seals.find((seal) => seal.name === '示范大学公章');
    const foreign = seals.find((seal) => seal.name === '王五');
    const image = await fetch(`${service.url}/seal-picker/images/${own.id}?ticket=${encodeURIComponent(ticket)}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${service.url}/seal-picker/images/${foreign.id}?ticket=${encodeURIComponent(ticket)}`)).status).toBe(403);
    expect((await fetch(`${service.url}/seal-picker`)).status).toBe(401);

    // The picker ticket reads the user's seals over GraphQL, and opens no Signature and cannot sign.
    const file = (await uploadFile(service, await makePdf('x'), 'x.pdf')).body.entities[0].id;
    const signature = (await service.json('/signature', jsonInit('POST', { file }))).body.entities[0];
    expect((await service.json(`/signature/${signature.id}`, { auth: false, headers: { 'x-infoplus-ticket': ticket } })).body.ecode).toBe(
      'TICKET_SCOPE',
    );
    const signs = await rawPost(
      service,
      { query: `mutation { signFile(file: "${service.url}/file/${file}", seal: "${own.id}") { status } }`, ticket } as never,
      { authorization: '' },
    );
    expect(ecodes(signs.body)).toEqual(['INSUFFICIENT_SCOPE']);
    const reads = await rawPost(service, { query: '{ userSeals { name } }', ticket } as never, { authorization: '' });
    expect(reads.body.data.userSeals).toHaveLength(2);
  });

  it('in a browser, the chosen seal is posted to the page that opened the picker', async () => {
    const { ticket } = (await gql(service, 'mutation { pickerTicket(account: "chenqi") { ticket } }')).data.pickerTicket;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${service.url}/graphql/schema`);
      const received = page.evaluate(
        (pickerUrl) =>
          new Promise<any>((resolve) => {
            window.addEventListener('message', (event) => resolve({ data: event.data, origin: event.origin }));
            window.open(pickerUrl, 'picker', 'width=480,height=640');
          }),
        `${service.url}/seal-picker?ticket=${encodeURIComponent(ticket)}&origin=${encodeURIComponent(service.url)}`,
      );
      const popup = await page.waitForEvent('popup');
      await popup.waitForLoadState();
      await popup.getByRole('button').click();
      const message = await received;
      expect(message.origin).toBe(service.url);
      expect(message.data).toMatchObject({
        type: 'infoplus-signature:seal-picked',
        seal: { name: '星河科技有限公司合同专用章', type: '合同专用章', mfaRequired: false },
      });
    } finally {
      await browser.close();
    }
  });
});
