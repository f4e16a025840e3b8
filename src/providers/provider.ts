import { DomainError } from '../errors.js';
import type { Seal, Signature } from '../signature/schema.js';
import type { ProviderFlow } from '../store/provider-flows.js';
import type { SealRecord } from '../store/seals.js';

export type PlacementKind = 'coordinates' | 'keyword' | 'cross-page';
export type PermissionRule = 'signers' | 'sealIds' | 'sealTypes';

/** What a provider can do; the broker refuses what it cannot before anything is sent. */
export interface ProviderCapabilities {
  /** `sync`: signs during the call; `redirect`: the signer finishes at the provider, a callback follows. */
  mode: 'sync' | 'redirect';
  placements: PlacementKind[];
  /** Permission constraints that hold when this provider signs (the seal applied is the one our broker checked, or the provider restricts it). */
  enforces: PermissionRule[];
  /** Draws an approval comment beside the seal. */
  comment: boolean;
  /** Can apply an organisation seal without the signer visiting the provider (自动签署). */
  silent: boolean;
}

export interface StampRequest {
  signature: Signature;
  sealIndex: number;
  slot: Seal;
  seal: SealRecord;
  user: { account: string; name: string };
  comment?: string;
  /** Where to draw the comment instead of beside the seal (local signer only; placement as a slot's). */
  commentAt?: { x?: number; y?: number; page?: number; placeHolder?: string; keywordOrder?: 0 | 1 | 2; keywordSeq?: number };
  pdf: Uint8Array;
  /** Our flow record (redirect providers keep its id with theirs). */
  flowId: string;
  /** Where the provider sends the signer back when done (our signing page). */
  returnUrl: string;
}

export type StampOutcome =
  | {
      kind: 'signed';
      pdf: Uint8Array;
      cms: Uint8Array;
      algorithm: string;
      signedAt: Date;
      fieldName: string;
      certificatePem: string;
    }
  /** The signer must go to `url`; the provider reports back by callback (or reconciliation). */
  | { kind: 'redirect'; url: string; externalId: string; providerRef: Record<string, unknown> }
  /** Signing runs at the provider without the signer (silent/automatic); a callback follows. */
  | { kind: 'pending'; externalId: string; providerRef: Record<string, unknown> };

/** Where a flow stands at the provider. */
export type FlowStatus =
  { state: 'pending' } | { state: 'signed' } | { state: 'refused' | 'failed' | 'cancelled' | 'expired'; reason: string };

/** One seal provider: the local signer, or a third-party platform. */
export interface SealProvider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  /** Provider-specific refusals beyond the capability table (e.g. a seal type it cannot express). */
  check?(slot: Seal, seal: SealRecord): void;
  start(request: StampRequest): Promise<StampOutcome>;
  /** Polls the provider (reconciliation). */
  status?(flow: ProviderFlow): Promise<FlowStatus>;
  /** The signed PDF of a finished flow. */
  download?(flow: ProviderFlow): Promise<Uint8Array>;
  cancel?(flow: ProviderFlow): Promise<void>;
  /** Asks the provider to remind the signer. */
  remind?(flow: ProviderFlow): Promise<void>;
  /** Evidence the provider issues with a finished flow (e.g. Zoho's completion certificate, a PDF). */
  attachments?(flow: ProviderFlow): Promise<Array<{ name: string; bytes: Uint8Array }>>;
}

/** How a provider's status word settles a flow: signed, or ended with our reason when the provider gives none. */
export type StatusWord = 'signed' | ['refused' | 'failed' | 'cancelled' | 'expired', string];

/** A provider's status word (any case) → our flow status; a word not listed is pending. */
export function statusFromWord(words: Record<string, StatusWord>, word: string, reason = ''): FlowStatus {
  const key = word.toLowerCase();
  const settled = Object.hasOwn(words, key) ? words[key] : undefined;
  if (!settled) return { state: 'pending' };
  return settled === 'signed' ? { state: 'signed' } : { state: settled[0], reason: reason || settled[1] };
}

export function placementKindOf(slot: Seal): PlacementKind {
  if (slot.crossPage) return 'cross-page';
  const coordinates = typeof slot.x === 'number' && typeof slot.y === 'number' && !(slot.x === 0 && slot.y === 0);
  if (coordinates) return 'coordinates';
  return slot.placeHolder?.trim() ? 'keyword' : 'coordinates';
}

/**
 * The broker's pre-flight: every non-empty permission rule of the slot must be one the provider
 * enforces, its placement kind one it supports, and a comment only where it can draw one —
 * refused with 422 naming what, before anything is sent.
 */
export function checkProviderCanHonour(provider: SealProvider, slot: Seal, seal: SealRecord, comment: string | undefined): void {
  const { capabilities } = provider;
  for (const rule of ['signers', 'sealIds', 'sealTypes'] as const) {
    if ((slot.permission?.[rule]?.length ?? 0) > 0 && !capabilities.enforces.includes(rule)) {
      throw new DomainError(
        'PROVIDER_CANNOT_ENFORCE',
        `The seal provider ${provider.name} cannot enforce the permission "${rule}" of this seal, so it is not sent there.`,
        [{ rule, provider: provider.name }],
      );
    }
  }
  const placement = placementKindOf(slot);
  if (!capabilities.placements.includes(placement)) {
    throw new DomainError('PROVIDER_CANNOT_PLACE', `The seal provider ${provider.name} cannot place a seal by ${placement}.`, [
      { placement, provider: provider.name },
    ]);
  }
  if (comment && !capabilities.comment) {
    throw new DomainError(
      'PROVIDER_CANNOT_COMMENT',
      `The seal provider ${provider.name} cannot add an approval comment; apply the seal without one.`,
      [{ provider: provider.name }],
    );
  }
  provider.check?.(slot, seal);
}
