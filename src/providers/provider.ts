import type { Seal, Signature } from '../signature/schema.js';
import type { SealRecord } from '../store/seals.js';

/** What a provider can do; the broker refuses what it cannot before anything is sent. */
export interface ProviderCapabilities {
  /** `sync`: signs during the call; `redirect`: the user finishes at the provider, a callback follows. */
  mode: 'sync' | 'redirect';
  placements: Array<'coordinates' | 'keyword' | 'cross-page'>;
  /** Permission constraints the provider itself enforces (beyond our own broker's checks). */
  enforces: Array<'signers' | 'sealIds' | 'sealTypes'>;
  comment: boolean;
}

export interface StampRequest {
  signature: Signature;
  sealIndex: number;
  slot: Seal;
  seal: SealRecord;
  user: { account: string; name: string };
  comment?: string;
  pdf: Uint8Array;
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
  | { kind: 'redirect'; url: string; flowId: string };

/** One seal provider: the local signer, or a third-party platform. */
export interface SealProvider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  start(request: StampRequest): Promise<StampOutcome>;
}
