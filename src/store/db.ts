import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations/index.js';

export type Db = Kysely<Database>;

/**
 * Opens the embedded SQLite database in WAL mode with `synchronous=FULL`: a commit returns only after
 * the WAL is on disk, so an acknowledged write survives `kill -9` and power loss.
 */
export async function openSqlite(dataDir: string): Promise<Db> {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'signature.db');
  const native = new SqliteDatabase(file);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = FULL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: native }) });
  await migrateToLatest(db);
  return db;
}

export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
