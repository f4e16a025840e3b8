import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSeals } from '../../src/signature/model.js';
import type { Signature } from '../../src/signature/schema.js';
import { type Db, isPostgres, openPostgres, openSqlite } from '../../src/store/db.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { PostgresBlobStore } from '../../src/store/blobs/postgres.js';
import { NonceRepository } from '../../src/store/nonces.js';
import {
  FlowAlreadyOpenError,
  ProviderAccountRepository,
  ProviderEventRepository,
  ProviderFlowRepository,
} from '../../src/store/provider-flows.js';
import { SealRepository } from '../../src/store/seals.js';
import { SignatureRepository } from '../../src/store/signatures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { tempDataDir } from '../helpers/service.js';

/**
 * The repositories' core flows, run on both engines through the same code: the embedded SQLite and
 * the machine's PostgreSQL (a fresh database per run). Concurrency here is real: on PostgreSQL two
 * pools are two "instances" racing on one database.
 */
describe.each(['sqlite', 'postgres'] as const)('store on %s', (engine) => {
  let db: Db;
  let other: Db;
  let database: TestDatabase | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    if (engine === 'postgres') {
      database = await createTestDatabase();
      [db, other] = await Promise.all([openPostgres(database.url), openPostgres(database.url)]);
    } else {
      db = await openSqlite(dataDir);
      other = db;
    }
  });
  afterAll(async () => {
    await db?.destroy();
    if (other !== db) await other?.destroy();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const newSignature = (): Signature => ({
    id: randomUUID(),
    name: '合同.pdf',
    size: 10,
    uri: '',
    mime: 'application/pdf',
    createTime: Date.now(),
    seals: normalizeSeals([{}, {}]),
    revisions: [],
  });

  async function insertFile(id = randomUUID()) {
    await db
      .insertInto('files')
      .values({
        id,
        sha256: 'a'.repeat(64),
        name: 'x.pdf',
        size: 10,
        mime: 'application/pdf',
        create_time: Date.now(),
        last_modified: Date.now(),
        tags: '[]',
      })
      .execute();
    return id;
  }

  it('is the engine it claims to be, migrated once to the same schema', async () => {
    expect(isPostgres(db)).toBe(engine === 'postgres');
    const names = (
      await db
        .selectFrom('kysely_migration' as any)
        .select('name')
        .orderBy('name')
        .execute()
    ).map((row: any) => row.name);
    expect(names.slice(0, 3)).toEqual(['0001-core', '0002-seals', '0003-provider-flows']);
    expect(names).toContain('0005-blobs');
  });

  it('creates and reads a Signature; of two writers racing from one version exactly one wins (the version check is in SQL)', async () => {
    const repo = new SignatureRepository(db);
    const rival = new SignatureRepository(other);
    const fileId = await insertFile();
    const signature = newSignature();
    await repo.insert(signature, [fileId]);
    expect((await rival.get(signature.id))?.version).toBe(1);

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? rival : repo).replace({ ...signature, name: `writer ${i}` }, 1, [fileId])),
    );
    const winners = outcomes.filter(Boolean);
    expect(winners).toHaveLength(1);
    const stored = await repo.get(signature.id);
    expect(stored).toMatchObject({ version: 2, signature: { name: winners[0]!.signature.name } });
    // A stale writer loses and changes nothing.
    expect(await repo.replace({ ...signature, name: 'stale' }, 1, [])).toBeUndefined();
    expect((await repo.get(signature.id))?.signature.name).toBe(winners[0]!.signature.name);
    expect(await repo.references(signature.id, fileId)).toBe(true);
    expect(typeof stored!.updateTime).toBe('number');
    expect(await repo.count()).toBeGreaterThanOrEqual(1);
  });

  it('claims a Digest nonce once, even when both instances see it at the same moment', async () => {
    const nonce = `n-${randomUUID()}`;
    const now = Math.floor(Date.now() / 1000);
    const claims = await Promise.all([
      new NonceRepository(db).claim(nonce, now + 600, now),
      new NonceRepository(other).claim(nonce, now + 600, now),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await new NonceRepository(db).claim(nonce, now + 600, now)).toBe(false);
  });

  it('keeps one open provider flow per seal slot and records a repeated callback once', async () => {
    const flows = new ProviderFlowRepository(db);
    const rivalFlows = new ProviderFlowRepository(other);
    const signatureId = randomUUID();
    const input = {
      provider: 'esign',
      signatureId,
      sealIndex: 0,
      sealId: randomUUID(),
      account: 'zhaoliu',
      accountName: '赵六',
      baseUri: 'http://x/file/1',
    };
    const opened = await Promise.allSettled([flows.open(input), rivalFlows.open(input)]);
    expect(opened.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = opened.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(FlowAlreadyOpenError);
    const flow = (await flows.openFor(signatureId, 0))!;
    const updated = await flows.update(flow.id, { state: 'pending', externalId: 'ext-1', providerRef: { accountId: 'a1' } });
    expect(updated).toMatchObject({ state: 'pending', externalId: 'ext-1', providerRef: { accountId: 'a1' }, sealIndex: 0 });
    expect((await rivalFlows.byExternalId('esign', 'ext-1'))?.id).toBe(flow.id);
    expect((await flows.stale(Date.now() + 1000)).map((f) => f.id)).toContain(flow.id);
    await flows.update(flow.id, { state: 'signed' });
    expect(await flows.openFor(signatureId, 0)).toBeUndefined();

    const events = new ProviderEventRepository(db);
    const key = `k-${randomUUID()}`;
    const recorded = await Promise.all([events.record('esign', key, '{}'), new ProviderEventRepository(other).record('esign', key, '{}')]);
    expect(recorded.filter(Boolean)).toHaveLength(1);
    const event = recorded.find(Boolean)!;
    expect((await events.unprocessed()).map((e) => e.id)).toContain(event.id);
    await events.markProcessed(event.id, 'applied');
    expect((await events.unprocessed()).map((e) => e.id)).not.toContain(event.id);
    expect(await events.count('esign')).toBeGreaterThanOrEqual(1);

    const accounts = new ProviderAccountRepository(db);
    await accounts.put('esign', 'zhaoliu', { name: '赵六', idNo: '1', idType: 19 });
    await accounts.setExternalIds('esign', 'zhaoliu', { externalId: 'acc-1' });
    expect((await new ProviderAccountRepository(other).get('esign', 'zhaoliu'))?.externalId).toBe('acc-1');
    await accounts.put('esign', 'zhaoliu', { name: '赵六', idNo: '2', idType: 19 });
    expect((await accounts.get('esign', 'zhaoliu'))?.externalId).toBeNull();
  });

  it('stores seals with their flags and JSON fields intact', async () => {
    const seals = new SealRepository(db);
    const id = randomUUID();
    await seals.insert({
      id,
      name: '公章',
      type: '公章',
      ownerKind: 'organization',
      owner: '示范大学',
      holders: ['zhaoliu'],
      imageFileId: randomUUID(),
      provider: 'local',
      certificatePem: 'PEM',
      chainPem: ['A'],
      keyAlgorithm: 'ECDSA-P256',
      providerRef: { a: 1 },
      encryptedKey: 'enc',
    });
    expect(await new SealRepository(other).get(id)).toMatchObject({
      holders: ['zhaoliu'],
      chainPem: ['A'],
      providerRef: { a: 1 },
      disabled: false,
    });
    expect((await seals.setDisabled(id, true))?.disabled).toBe(true);
    expect(await seals.encryptedKey(id)).toBe('enc');
    expect(typeof (await seals.get(id))!.createTime).toBe('number');
  });

  it('keeps blobs whole and content-addressed: chunked writes, streamed reads, concurrent identical puts, guarded deletes', async () => {
    const blobs = engine === 'postgres' ? new PostgresBlobStore(db) : new LocalBlobStore(dataDir);
    const rival = engine === 'postgres' ? new PostgresBlobStore(other) : blobs;
    await blobs.init();
    const bytes = randomBytes(600 * 1024 + 17);
    const sha = createHash('sha256').update(bytes).digest('hex');
    await Promise.all([blobs.putBytes(sha, bytes), rival.putBytes(sha, bytes)]);
    expect((await rival.read(sha)).equals(bytes)).toBe(true);
    const streamed: Buffer[] = [];
    for await (const chunk of blobs.stream(sha)) streamed.push(chunk as Buffer);
    expect(Buffer.concat(streamed).equals(bytes)).toBe(true);
    if (engine === 'postgres') {
      const row = await db.selectFrom('blobs').selectAll().where('sha256', '=', sha).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ size: bytes.length, chunks: 3 });
      // Just adopted: a delete now keeps it (another instance may be inserting its file row).
      await blobs.delete(sha);
      expect((await blobs.read(sha)).length).toBe(bytes.length);
      await db.updateTable('blobs').set({ last_used: 0 }).where('sha256', '=', sha).execute();
    }
    const temp = path.join(dataDir, 'upload.tmp');
    fs.writeFileSync(temp, bytes.subarray(0, 1000));
    const small = createHash('sha256').update(bytes.subarray(0, 1000)).digest('hex');
    await blobs.putFile(small, 1000, temp);
    expect((await rival.read(small)).equals(bytes.subarray(0, 1000))).toBe(true);
    await blobs.delete(sha);
    await expect(blobs.read(sha)).rejects.toThrow();
  });
});

describe('singleton leadership on PostgreSQL', () => {
  it('one instance holds the advisory lock; when its connection dies, the next to ask takes over (told it gained the lock, so it runs the start-up recovery)', async () => {
    const { PgAdvisoryLeadership } = await import('../../src/scale/leadership.js');
    const { createLogger } = await import('../../src/log.js');
    const database = await createTestDatabase();
    const log = createLogger('silent');
    const key = 0x5157;
    const first = new PgAdvisoryLeadership(database.url, key, log);
    const second = new PgAdvisoryLeadership(database.url, key, log);
    try {
      expect(await first.acquire()).toBe('gained');
      expect(await second.acquire()).toBe('no');
      expect(await first.acquire()).toBe('held');
      // The leader's session disappears as if its process died.
      const admin = await openPostgres(database.url);
      const leaderLock = sql`from pg_locks where locktype = 'advisory' and objid = ${key}
        and database = (select oid from pg_database where datname = current_database())`;
      await sql`select pg_terminate_backend(pid) ${leaderLock}`.execute(admin);
      // pg_terminate_backend only signals the backend; the lock goes when it has exited.
      const deadline = Date.now() + 5000;
      while ((await sql<{ n: number }>`select count(*)::int as n ${leaderLock}`.execute(admin)).rows[0]!.n > 0) {
        if (Date.now() > deadline) throw new Error('the terminated leader still holds the lock after 5 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await admin.destroy();
      expect(await second.acquire()).toBe('gained');
      expect(await first.acquire()).toBe('no');
    } finally {
      await first.release();
      await second.release();
      await database.drop();
    }
  });
});
