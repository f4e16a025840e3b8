import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEvent {
  type: string;
  /** Who or what caused it: an account, `engine`, `service`, `public`. */
  actor?: string;
  data?: Record<string, unknown>;
  time?: number;
}

export interface AuditEntry {
  signatureId: string;
  seq: number;
  time: number;
  type: string;
  actor: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ChainBreak {
  seq: number;
  reason: string;
}

export interface AuditChain {
  signatureId: string;
  intact: boolean;
  entries: AuditEntry[];
  breaks: ChainBreak[];
  head: { seq: number; hash: string } | null;
}

/** sha256 over the entry's fields and the previous entry's hash: changing any entry breaks every later link. */
export function entryHash(
  signatureId: string,
  seq: number,
  time: number,
  type: string,
  actor: string,
  dataText: string,
  prevHash: string,
): string {
  return createHash('sha256')
    .update(JSON.stringify([signatureId, seq, time, type, actor, dataText, prevHash]))
    .digest('hex');
}

/**
 * The audit trail of each Signature: an append-only, hash-chained list of events. The head (last
 * sequence number and hash) is kept in a row of its own, so deleting the newest entries is noticed
 * as well as deleting or editing any other.
 */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly log?: Logger,
  ) {}

  /** Appends inside the caller's transaction (the Signature write that caused the event). */
  appendIn(trx: Db, signatureId: string, event: AuditEvent): Promise<void> {
    return this.appendAllIn(trx, signatureId, [event]);
  }

  /** Appends several events in order inside the caller's transaction: one head read, one insert, one head write. */
  async appendAllIn(trx: Db, signatureId: string, events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const head = await trx.selectFrom('audit_heads').selectAll().where('signature_id', '=', signatureId).executeTakeFirst();
    let seq = head ? Number(head.seq) : 0;
    let prevHash = head?.hash ?? GENESIS_HASH;
    const rows = events.map((event) => {
      seq += 1;
      const time = event.time ?? Date.now();
      const actor = event.actor ?? '';
      const dataText = JSON.stringify(event.data ?? {});
      const hash = entryHash(signatureId, seq, time, event.type, actor, dataText, prevHash);
      const row = { signature_id: signatureId, seq, time, type: event.type, actor, data: dataText, prev_hash: prevHash, hash };
      prevHash = hash;
      return row;
    });
    await trx.insertInto('audit_entries').values(rows).execute();
    if (head) await trx.updateTable('audit_heads').set({ seq, hash: prevHash }).where('signature_id', '=', signatureId).execute();
    else await trx.insertInto('audit_heads').values({ signature_id: signatureId, seq, hash: prevHash }).execute();
  }

  /**
   * Appends in a transaction of its own, without making the caller wait: a failure is logged, never
   * thrown, so recording an event can never hold up or fail stamping. The promise is for tests.
   */
  record(signatureId: string, event: AuditEvent): Promise<void> {
    const stamped = { ...event, time: event.time ?? Date.now() };
    return this.db
      .transaction()
      .execute((trx) => this.appendIn(trx, signatureId, stamped))
      .catch((error: unknown) => this.log?.error({ err: error, signatureId, type: event.type }, 'audit entry could not be appended'));
  }

  async entries(signatureId: string): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom('audit_entries').selectAll().where('signature_id', '=', signatureId).orderBy('seq').execute();
    return rows.map((row) => {
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(row.data) as Record<string, unknown>;
      } catch {
        data = { unreadable: row.data.slice(0, 200) };
      }
      return {
        signatureId: row.signature_id,
        seq: Number(row.seq),
        time: Number(row.time),
        type: row.type,
        actor: row.actor,
        data,
        prevHash: row.prev_hash,
        hash: row.hash,
        dataText: row.data,
      };
    });
  }

  /** Recomputes every link: an edited entry, a deleted one, or a cut-off tail is reported with where it is. */
  async check(signatureId: string): Promise<AuditChain> {
    const entries = (await this.entries(signatureId)) as Array<AuditEntry & { dataText: string }>;
    const head = await this.db.selectFrom('audit_heads').selectAll().where('signature_id', '=', signatureId).executeTakeFirst();
    const breaks: ChainBreak[] = [];
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    for (const entry of entries) {
      if (entry.seq !== expectedSeq) breaks.push({ seq: entry.seq, reason: `entries ${expectedSeq}–${entry.seq - 1} are missing` });
      if (entry.prevHash !== prevHash) breaks.push({ seq: entry.seq, reason: 'does not link to the entry before it' });
      const recomputed = entryHash(entry.signatureId, entry.seq, entry.time, entry.type, entry.actor, entry.dataText, entry.prevHash);
      if (recomputed !== entry.hash) breaks.push({ seq: entry.seq, reason: 'its content does not match its hash (edited)' });
      expectedSeq = entry.seq + 1;
      prevHash = entry.hash;
    }
    const last = entries.at(-1);
    if (head && (!last || Number(head.seq) !== last.seq || head.hash !== last.hash)) {
      breaks.push({
        seq: Number(head.seq),
        reason: `the log ends at entry ${last?.seq ?? 0}, but entry ${head.seq} was written (entries removed from the end)`,
      });
    }
    if (!head && entries.length > 0) breaks.push({ seq: entries[0].seq, reason: 'entries exist without a recorded head' });
    const presented = entries.map(({ dataText: _dataText, ...entry }) => entry);
    return {
      signatureId,
      intact: breaks.length === 0,
      entries: presented,
      breaks,
      head: head ? { seq: Number(head.seq), hash: head.hash } : null,
    };
  }
}
