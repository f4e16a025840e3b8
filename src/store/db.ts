import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(native) }) });
  await migrateToLatest(db);
  return db;
}

const STATEMENT_CACHE_LIMIT = 500;

/**
 * Kysely prepares every query afresh; compiling the SQL costs SQLite more than running it. Our queries
 * repeat (parameters are bound, never inlined), so prepared statements are kept by their SQL. Safe
 * because better-sqlite3 runs each statement to completion synchronously (Kysely never iterates here).
 */
function withStatementCache(native: SqliteDatabase.Database): { close(): void; prepare(sql: string): SqliteDatabase.Statement } {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => native.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = native.prepare(sql);
        statements.set(sql, statement);
        if (statements.size > STATEMENT_CACHE_LIMIT) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
  };
}

/** int8 (bigint, count(*)) as a JS number: our epoch-ms times and sizes stay far below 2^53. */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A pg pool with our type parsing; `max` connections. */
export function createPgPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (restart, failover) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Opens PostgreSQL (`DATABASE_URL`) through the same repositories and migrations as SQLite. Commits are
 * durable by PostgreSQL's own `synchronous_commit` (on by default). Migrations take Kysely's lock table,
 * so instances starting together migrate once.
 */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Db> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPgPool(url, options.max ?? 10) }) });
  await migrateToLatest(db);
  return db;
}

export async function openDatabase(options: { dataDir: string; databaseUrl: string | null }): Promise<Db> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openSqlite(options.dataDir);
}

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** A unique-constraint violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
