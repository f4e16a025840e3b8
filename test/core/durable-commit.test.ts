import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openSqlite } from '../../src/store/db.js';
import { GroupSync } from '../../src/store/group-sync.js';
import { tempDataDir } from '../helpers/service.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('group commit of a flush', () => {
  it('answers each caller with a flush that started after it asked, sharing flushes between concurrent callers', async () => {
    const started: number[] = [];
    const release: Array<() => void> = [];
    const sync = new GroupSync(async () => {
      started.push(performance.now());
      await new Promise<void>((resolve) => release.push(resolve));
    });
    const order: string[] = [];
    const first = sync.sync().then(() => order.push('first'));
    await tick();
    // Arriving while the first flush runs: its write may not be in that flush, so all three wait for the next one.
    const late = [sync.sync(), sync.sync(), sync.sync()].map((p, i) => p.then(() => order.push(`late${i}`)));
    await tick();
    expect(started).toHaveLength(1);
    release.shift()!();
    await first;
    await tick();
    expect(order).toEqual(['first']);
    expect(started).toHaveLength(2);
    release.shift()!();
    await Promise.all(late);
    expect(order).toEqual(['first', 'late0', 'late1', 'late2']);
    expect(started).toHaveLength(2);
  });

  it('fails the callers of a failed flush and starts afresh for the next', async () => {
    let fail = true;
    const sync = new GroupSync(async () => {
      if (fail) throw new Error('EIO');
    });
    await expect(sync.sync()).rejects.toThrow('EIO');
    fail = false;
    await expect(sync.sync()).resolves.toBeUndefined();
  });
});

describe('SQLite commits', () => {
  let db: Db | undefined;
  let dir: string;
  afterEach(async () => {
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges a write only after a WAL flush that began after its commit, and never makes a read wait for one', async () => {
    dir = tempDataDir();
    const flushes: Array<{ walBytes: number; release: () => void }> = [];
    let holding = false; // the migrations' flushes pass at once
    db = await openSqlite(dir, {
      flushWal: async (walPath) => {
        if (!holding) return;
        const walBytes = fs.statSync(walPath).size;
        await new Promise<void>((release) => flushes.push({ walBytes, release }));
      },
    });
    holding = true;
    const flushesAfterOpen = flushes.length;
    const id = randomUUID();
    let acknowledged = false;
    const write = db
      .insertInto('signatures')
      .values({ id, body: '{}', version: 1, create_time: 1, update_time: 1 })
      .execute()
      .then(() => (acknowledged = true));
    await tick();
    // Committed (another reader sees it) but not acknowledged: the flush is still running.
    expect(acknowledged).toBe(false);
    const walAfterCommit = fs.statSync(`${dir}/signature.db-wal`).size;
    expect(flushes.length).toBe(flushesAfterOpen + 1);
    expect(flushes.at(-1)!.walBytes).toBe(walAfterCommit);
    // The one connection is free while the flush runs: a read does not wait.
    const row = await db.selectFrom('signatures').select('id').where('id', '=', id).executeTakeFirst();
    expect(row?.id).toBe(id);
    expect(flushes.length).toBe(flushesAfterOpen + 1);
    flushes.at(-1)!.release();
    await write;
    expect(acknowledged).toBe(true);

    // Eight concurrent transactions: one flush running, the rest answered together by the next.
    const before = flushes.length;
    const writes = Array.from({ length: 8 }, (_, i) =>
      db!
        .transaction()
        .execute((trx) =>
          trx.insertInto('signatures').values({ id: randomUUID(), body: '{}', version: i, create_time: 1, update_time: 1 }).execute(),
        ),
    );
    for (let round = 0; round < 10 && flushes.length - before < 2; round++) {
      await tick();
      flushes.at(-1)?.release();
    }
    await tick();
    for (const flush of flushes) flush.release();
    await Promise.all(writes);
    expect(flushes.length - before).toBeLessThanOrEqual(3);
    expect(flushes.length - before).toBeGreaterThanOrEqual(1);
  });
});
