import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type Driver, Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, type SqliteDialectConfig, SqliteDriver, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations/index.js';
import { startDurableWriter, syncDir, syncFileData } from './durable-fs.js';
import { GroupSync } from './group-sync.js';

export type Db = Kysely<Database>;

/**
 * Opens the embedded SQLite database in WAL mode. An acknowledged write survives `kill -9` and power
 * loss, as with `synchronous=FULL`, but the event loop never waits on the disk: SQLite commits into
 * the WAL without syncing (`synchronous=NORMAL`; it still syncs around checkpoints), and every
 * operation that wrote is answered only after the WAL has been fdatasynced on the writer thread by a
 * flush that began after its commit. Concurrent commits share one flush (group commit).
 */
export async function openSqlite(dataDir: string, options: { flushWal?: (walPath: string) => Promise<void> } = {}): Promise<Db> {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'signature.db');
  const native = new SqliteDatabase(file);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  await startDurableWriter();
  const writes = { pending: false };
  const flushWal = options.flushWal ?? syncFileData;
  const wal = new GroupSync(() => flushWal(`${file}-wal`));
  const dialect = new DurableSqliteDialect({ database: withStatementCache(native, writes) }, native, writes, wal);
  const db = new Kysely<Database>({ dialect });
  await migrateToLatest(db);
  // The database and WAL files' directory entries, once (a new file is not durable until its directory is).
  await syncDir(dataDir);
  return db;
}

class DurableSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly native: SqliteDatabase.Database,
    private readonly writes: { pending: boolean },
    private readonly wal: GroupSync,
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    return new DurableSqliteDriver(this.settings, this.native, this.writes, this.wal);
  }
}

/**
 * SQLite has one connection, held by one operation (a query, or a whole transaction) at a time. When
 * the holder wrote and is outside a transaction, its writes are committed: the connection is handed on
 * at once and the holder waits for the WAL flush, so other operations run meanwhile.
 */
class DurableSqliteDriver extends SqliteDriver {
  constructor(
    settings: SqliteDialectConfig,
    private readonly native: SqliteDatabase.Database,
    private readonly writes: { pending: boolean },
    private readonly wal: GroupSync,
  ) {
    super(settings);
  }

  override async releaseConnection(): Promise<void> {
    const committed = this.writes.pending && !this.native.inTransaction;
    if (committed) this.writes.pending = false;
    await super.releaseConnection();
    if (committed) await this.wal.sync();
  }
}

const STATEMENT_CACHE_LIMIT = 500;

/**
 * Kysely prepares every query afresh; compiling the SQL costs SQLite more than running it. Our queries
 * repeat (parameters are bound, never inlined), so prepared statements are kept by their SQL. Safe
 * because better-sqlite3 runs each statement to completion synchronously (Kysely never iterates here).
 * Kysely runs a statement right after preparing it, so a statement that may write marks the
 * connection's holder as having written (`readonly` is SQLite's own verdict; BEGIN/COMMIT count as read-only).
 */
function withStatementCache(
  native: SqliteDatabase.Database,
  writes: { pending: boolean },
): { close(): void; prepare(sql: string): SqliteDatabase.Statement } {
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
      if (!statement.readonly) writes.pending = true;
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
