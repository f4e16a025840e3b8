import { type Kysely, PostgresAdapter, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';

/** Whether this instance runs the singletons (reconciliation, start-up recovery) right now. */
export interface Leadership {
  /** 'gained' the first time (run start-up recovery), 'held' after, 'no' while another instance leads. */
  acquire(): Promise<'gained' | 'held' | 'no'>;
  release(): Promise<void>;
}

/** The embedded default: one process, always the leader. */
export class SoleLeadership implements Leadership {
  private held = false;

  async acquire(): Promise<'gained' | 'held'> {
    if (this.held) return 'held';
    this.held = true;
    return 'gained';
  }

  async release(): Promise<void> {
    this.held = false;
  }
}

/**
 * Leadership by a PostgreSQL session advisory lock on a dedicated connection: exactly one instance
 * holds it; when that instance dies its connection closes, the lock is released, and the next
 * instance to ask takes it over (and runs start-up recovery, as a fresh leader should).
 */
export class PgAdvisoryLeadership implements Leadership {
  private client: pg.Client | null = null;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly lockKey: number,
    private readonly log: Logger,
  ) {}

  async acquire(): Promise<'gained' | 'held' | 'no'> {
    try {
      if (this.held && this.client) {
        await this.client.query('select 1');
        return 'held';
      }
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
        client.on('error', () => this.drop());
        client.on('end', () => this.drop());
        await client.connect();
        this.client = client;
      }
      const { rows } = await this.client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [this.lockKey]);
      this.held = rows[0]?.locked === true;
      if (this.held) this.log.info({ lock: this.lockKey }, 'this instance now runs the singletons (reconciliation, recovery)');
      return this.held ? 'gained' : 'no';
    } catch (error) {
      this.log.warn({ err: { message: (error as Error).message } }, 'leadership check failed');
      this.drop();
      return 'no';
    }
  }

  private drop(): void {
    if (this.held) this.log.warn('lost the singleton lock (database connection gone)');
    this.held = false;
    const client = this.client;
    this.client = null;
    client?.end().catch(() => undefined);
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held = false;
    if (client) await client.end().catch(() => undefined);
  }
}

/** The advisory-lock key of the provider reconciler ("sigrecon"). */
export const RECONCILER_LOCK = 0x7369_6772;

/** The advisory-lock key under which start-up seeding runs ("sigseed"). */
export const SEEDING_LOCK = 0x7369_6773;

/**
 * Runs `work` while holding a PostgreSQL session advisory lock (waiting for it), so instances starting
 * together do it one after another; on SQLite (one process) it just runs.
 */
export async function withClusterLock<T>(db: Kysely<any>, key: number, work: () => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return work();
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${key})`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(connection);
    }
  });
}
