import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import type { MfaGuard } from '../mfa/totp.js';
import type { SealProvider } from '../providers/provider.js';
import { checkPermission, checkSigner } from '../seals/permission.js';
import type { SealRegistry } from '../seals/registry.js';
import type { Seal, Signature } from '../signature/schema.js';
import type { EngineApi } from '../stamping/engine-client.js';
import type { StampService, StampUser } from '../stamping/stamp-service.js';
import type { SealRecord } from '../store/seals.js';
import { errorCodeOf } from './error-code.js';
import type { Batch, BatchItem, BatchRepository } from './store.js';

export interface BatchSettings {
  maxItems: number;
  concurrency: number;
  leaseMs: number;
  /** This instance's name in the batch lease. */
  instanceId: string;
}

/** An item as the approver's page shows it: its slot and, while it may still be stamped, why not (if so). */
export interface ItemView extends BatchItem {
  slot?: Seal;
  /** The rule that keeps every seal the approver holds off this slot (or the Signature changed). */
  blocked?: { ecode: string; message: string };
}

export interface BatchView {
  batch: Batch;
  items: ItemView[];
  /** Seals passing the rules of every slot some held seal can satisfy (and not of a redirect provider). */
  seals: SealRecord[];
}

const ACTIVE = new Set(['pending', 'running']);

/** The batch as the engine and the page read it. */
export function presentBatch(batch: Batch) {
  const counts = { total: batch.items.length, pending: 0, running: 0, stamped: 0, failed: 0, refused: 0 };
  for (const item of batch.items) counts[item.state]++;
  return {
    id: batch.id,
    account: batch.account,
    state: batch.state,
    sealId: batch.sealId,
    comment: batch.comment,
    createTime: batch.createTime,
    expiresAt: new Date(batch.expiresAt).toISOString(),
    counts,
    items: batch.items.map(({ position, signatureId, sealIndex, name, state, ecode, message }) => ({
      position,
      signatureId,
      sealIndex,
      name,
      state,
      ecode,
      message,
    })),
  };
}

/**
 * Batch stamping (批量盖章): the engine issues a batch for one account and a list of seal slots; the
 * approver chooses one seal (and one comment) for all and confirms once. Each item is then stamped by
 * the StampService exactly as a single stamp (S1, every permission rule, placement, its own S2), with
 * bounded concurrency, items of one Signature one after another. Every item's state is written before
 * and after its stamp; a batch whose instance died is taken over once its lease runs out, and an item
 * caught mid-stamp is settled by reading its slot (signed by us → stamped) — a slot is never stamped twice.
 *
 * Redirect providers (e签宝 signing pages, Zoho, SpaceSign) are refused up front: their seals are not
 * offered and starting with one answers BATCH_PROVIDER_NOT_BATCHABLE.
 */
export class BatchService {
  private readonly running = new Set<string>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly repo: BatchRepository,
    private readonly engine: EngineApi,
    private readonly stamps: StampService,
    private readonly registry: SealRegistry,
    private readonly providers: Map<string, SealProvider>,
    private readonly publish: (key: string, message: { type: string; [key: string]: unknown }) => void,
    private readonly log: Logger,
    private readonly settings: BatchSettings,
    private readonly mfa?: MfaGuard,
  ) {}

  async issue(input: {
    account: string;
    name: string;
    items: Array<{ signatureId: string; sealIndex: number }>;
    ttlSeconds: number;
  }): Promise<Batch> {
    if (input.items.length > this.settings.maxItems) {
      throw new DomainError(
        'BATCH_TOO_LARGE',
        `A batch holds at most ${this.settings.maxItems} items; this one has ${input.items.length}.`,
        [{ max: this.settings.maxItems, given: input.items.length }],
      );
    }
    const seen = new Set<string>();
    const items = await mapBounded(input.items, 8, async ({ signatureId, sealIndex }) => {
      const item = { signatureId, sealIndex, version: 0, name: '', state: 'pending' as const, ecode: '', message: '' };
      const key = `${signatureId}#${sealIndex}`;
      if (seen.has(key))
        return {
          ...item,
          state: 'refused' as const,
          ecode: 'DUPLICATE_ITEM',
          message: `Seal ${sealIndex} of ${signatureId} is already in this batch.`,
        };
      seen.add(key);
      try {
        const signature = await this.engine.getSignature(signatureId);
        if (!signature.seals[sealIndex])
          return {
            ...item,
            name: signature.name,
            state: 'refused' as const,
            ecode: 'SEAL_NOT_FOUND',
            message: `The Signature has no seal ${sealIndex}.`,
          };
        return { ...item, name: signature.name, version: signature.version ?? 0 };
      } catch (error) {
        const { ecode, message } = errorCodeOf(error);
        return { ...item, state: 'refused' as const, ecode, message };
      }
    });
    const batch = await this.repo.create(
      { id: randomUUID(), account: input.account, accountName: input.name, expiresAt: Date.now() + input.ttlSeconds * 1000 },
      items,
    );
    this.log.info({ batchId: batch.id, account: input.account, items: items.length }, 'stamp batch issued');
    return batch;
  }

  async get(id: string): Promise<Batch> {
    const batch = await this.repo.get(id);
    if (!batch) throw new DomainError('BATCH_NOT_FOUND', `No batch ${id}.`);
    return batch;
  }

  /** What the approver's page shows: each item's slot, which items no seal can take, and the seals offered. */
  async view(id: string): Promise<BatchView> {
    const batch = await this.get(id);
    const held = (await this.registry.list()).filter((seal) => seal.holders.includes(batch.account));
    const items = await mapBounded(batch.items, 8, (item) => this.itemView(batch, item, held));
    const open = items.filter((item) => ACTIVE.has(item.state) && item.slot && !item.blocked);
    const seals = held.filter((seal) => this.batchable(seal) && open.every((item) => checkPermission(batch.account, item.slot!, seal).ok));
    return { batch, items, seals };
  }

  private async itemView(batch: Batch, item: BatchItem, held: SealRecord[]): Promise<ItemView> {
    if (!ACTIVE.has(item.state)) return item;
    let signature: Signature;
    try {
      signature = await this.engine.getSignature(item.signatureId);
    } catch (error) {
      return { ...item, blocked: errorCodeOf(error) };
    }
    const slot = signature.seals[item.sealIndex];
    if (!slot) return { ...item, blocked: { ecode: 'SEAL_NOT_FOUND', message: `The Signature has no seal ${item.sealIndex}.` } };
    if (batch.state === 'open' && signature.version !== item.version) {
      return { ...item, slot, blocked: { ecode: 'DOCUMENT_CHANGED', message: 'The document changed after the batch was issued.' } };
    }
    const signer = checkSigner(batch.account, slot);
    if (!signer.ok) return { ...item, slot, blocked: { ecode: signer.rule, message: signer.message } };
    const verdicts = held.map((seal) => checkPermission(batch.account, slot, seal));
    if (verdicts.some((verdict) => verdict.ok)) return { ...item, slot };
    const failing = verdicts.find((verdict) => !verdict.ok);
    return {
      ...item,
      slot,
      blocked:
        failing && !failing.ok
          ? { ecode: failing.rule, message: failing.message }
          : { ecode: 'NOT_SEAL_HOLDER', message: `${batch.account} holds no seal.` },
    };
  }

  private batchable(seal: SealRecord): boolean {
    return !seal.disabled && this.providers.get(seal.provider)?.capabilities.mode === 'sync';
  }

  /** The approver's one confirmation: items no seal can take are refused with their rule, the rest run. */
  async start(id: string, account: string, choice: { sealId: string; comment?: string; mfa?: string }): Promise<Batch> {
    const view = await this.view(id);
    const { batch } = view;
    if (batch.account !== account) throw new DomainError('TICKET_SCOPE', 'The ticket is for another account.');
    if (batch.state !== 'open') throw new DomainError('BATCH_ALREADY_STARTED', 'This batch was already confirmed.');
    if (batch.expiresAt <= Date.now()) throw new DomainError('BATCH_EXPIRED', 'This batch has expired; ask for a new one.');
    const seal = await this.registry.get(choice.sealId);
    if (this.providers.get(seal.provider)?.capabilities.mode !== 'sync') {
      throw new DomainError(
        'BATCH_PROVIDER_NOT_BATCHABLE',
        `Seals of ${seal.provider} are applied on the provider's own signing page, one document at a time; they cannot be used in a batch.`,
      );
    }
    if (!view.seals.some((offered) => offered.id === seal.id)) {
      throw new DomainError('BATCH_SEAL_NOT_OFFERED', `The seal ${seal.name} does not satisfy the rules of every slot in this batch.`);
    }
    await this.mfa?.check(account, seal.id, choice.mfa);
    for (const item of view.items) {
      if (ACTIVE.has(item.state) && item.blocked) await this.repo.setItem(id, item.position, { state: 'refused', ...item.blocked });
    }
    if (
      !(await this.repo.start(id, {
        sealId: seal.id,
        comment: choice.comment ?? '',
        runner: this.settings.instanceId,
        leaseUntil: Date.now() + this.settings.leaseMs,
      }))
    ) {
      throw new DomainError('BATCH_ALREADY_STARTED', 'This batch was already confirmed.');
    }
    this.log.info({ batchId: id, account, sealId: seal.id }, 'stamp batch confirmed');
    void this.run(id);
    return this.get(id);
  }

  /** Resumes batches whose instance stopped (now and every lease period). */
  startSweeper(): void {
    const sweep = async () => {
      for (const id of await this.repo.orphaned(Date.now()).catch(() => [])) void this.run(id);
    };
    void sweep();
    this.sweeper = setInterval(() => void sweep(), this.settings.leaseMs);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Resolves when the batch is done (or held elsewhere). */
  async run(id: string): Promise<void> {
    if (this.running.has(id)) return;
    this.running.add(id);
    const { leaseMs, instanceId } = this.settings;
    const renew = setInterval(
      () => void this.repo.claim(id, instanceId, Date.now() + leaseMs, Date.now()).catch(() => undefined),
      Math.max(200, leaseMs / 3),
    );
    renew.unref();
    try {
      if (!(await this.repo.claim(id, instanceId, Date.now() + leaseMs, Date.now()))) return;
      const batch = await this.get(id);
      const user: StampUser = { account: batch.account, name: batch.accountName };
      const bySignature = new Map<string, BatchItem[]>();
      for (const item of batch.items.filter((entry) => ACTIVE.has(entry.state))) {
        bySignature.set(item.signatureId, [...(bySignature.get(item.signatureId) ?? []), item]);
      }
      await mapBounded([...bySignature.values()], this.settings.concurrency, async (group) => {
        let version: number | undefined;
        for (const [i, item] of group.entries()) {
          version = await this.runItem(batch, { ...item, version: version ?? item.version }, user);
          // Our own stamp moved the Signature on: the next slot of it is shown (and resumed) at that version.
          if (version !== undefined && group[i + 1]) await this.repo.setItem(batch.id, group[i + 1].position, { version });
        }
      });
      await this.repo.finish(id, instanceId);
      const done = await this.get(id);
      this.publish(`batch:${id}`, { type: 'batch.done', batch: presentBatch(done) });
      this.log.info({ batchId: id, counts: presentBatch(done).counts }, 'stamp batch finished');
    } catch (error) {
      this.log.error({ err: error, batchId: id }, 'stamp batch interrupted; it resumes once its lease runs out');
    } finally {
      clearInterval(renew);
      this.running.delete(id);
    }
  }

  /** Stamps one item; returns the Signature version our stamp left (for the next slot of that Signature). */
  private async runItem(batch: Batch, item: BatchItem, user: StampUser): Promise<number | undefined> {
    if (item.state === 'running') {
      // Caught mid-stamp by a crash: the slot itself says whether that stamp landed.
      const settled = await this.settleInterrupted(batch, item);
      if (settled) return settled.version;
    }
    await this.repo.setItem(batch.id, item.position, { state: 'running', version: item.version });
    this.announce(batch.id, { ...item, state: 'running' });
    try {
      const { signature } = await this.stamps.stamp(
        item.signatureId,
        item.sealIndex,
        user,
        batch.sealId!,
        { version: item.version },
        batch.comment || undefined,
      );
      await this.repo.setItem(batch.id, item.position, { state: 'stamped', ecode: '', message: '' });
      this.announce(batch.id, { ...item, state: 'stamped', ecode: '', message: '' });
      return signature.version;
    } catch (error) {
      const { ecode, message } = errorCodeOf(error);
      await this.repo.setItem(batch.id, item.position, { state: 'failed', ecode, message });
      this.announce(batch.id, { ...item, state: 'failed', ecode, message });
      return undefined;
    }
  }

  private async settleInterrupted(batch: Batch, item: BatchItem): Promise<{ version: number | undefined } | undefined> {
    const signature = await this.engine.getSignature(item.signatureId);
    const slot = signature.seals[item.sealIndex];
    if (!slot?.signature || slot.signedBy?.account !== batch.account || slot.sealId !== batch.sealId) return undefined;
    await this.repo.setItem(batch.id, item.position, { state: 'stamped', ecode: '', message: '' });
    this.announce(batch.id, { ...item, state: 'stamped', ecode: '', message: '' });
    this.log.info({ batchId: batch.id, position: item.position }, 'batch item found stamped after an interruption');
    const latest = signature.revisions?.at(-1);
    return { version: latest?.sealIndex === item.sealIndex ? signature.version : undefined };
  }

  private announce(batchId: string, item: BatchItem): void {
    const { position, signatureId, sealIndex, name, state, ecode, message } = item;
    this.publish(`batch:${batchId}`, { type: 'batch.item', item: { position, signatureId, sealIndex, name, state, ecode, message } });
  }
}

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapBounded<T, R>(inputs: T[], limit: number, fn: (input: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await fn(inputs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}
