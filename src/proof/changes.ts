import { createHash } from 'node:crypto';
import type { Seal, Signature } from '../signature/schema.js';

/** Event types a webhook subscriber can ask for. */
export const WEBHOOK_EVENT_TYPES = [
  'signature.created',
  'signature.document_generated',
  'signature.seal_applied',
  'signature.seal_removed',
  'signature.completed',
  'provider.flow_started',
  'provider.flow_finished',
  'provider.flow_failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface DerivedEvent {
  type: WebhookEventType | 'signature.updated';
  actor: string;
  data: Record<string, unknown>;
}

const ENDED = new Set(['failed', 'refused', 'expired', 'cancelled']);

function sealSummary(seal: Seal, index: number): Record<string, unknown> {
  return {
    index,
    ...(seal.sealId ? { sealId: seal.sealId } : {}),
    ...(seal.sealName ? { sealName: seal.sealName } : {}),
    ...(seal.sealType ? { sealType: seal.sealType } : {}),
    provider: seal.provider ?? 'local',
  };
}

const signedCount = (signature: Signature) => signature.seals.filter((seal) => seal.signature).length;
const complete = (signature: Signature) =>
  Boolean(signature.uri) && signature.seals.length > 0 && signedCount(signature) === signature.seals.length;

/**
 * What a stored change of a Signature means for outsiders: the audit entries and webhook events it
 * causes, worked out from the Signature before and after (so every writer — S2 from the engine, the
 * stamping flow, provider callbacks — is covered the same way). `signature.updated` (an S2 write) is
 * for the audit trail only.
 */
export function eventsOfChange(before: Signature | undefined, after: Signature, cause: string, version: number): DerivedEvent[] {
  if (!before) {
    return [
      {
        type: 'signature.created',
        actor: 'engine',
        data: {
          name: after.name,
          ...(after.template ? { template: after.template } : {}),
          seals: after.seals.length,
          ...(after.uri ? { uri: after.uri } : {}),
        },
      },
    ];
  }
  const events: DerivedEvent[] = [];
  const bodyHash = createHash('sha256').update(JSON.stringify(after)).digest('hex');
  events.push({
    type: 'signature.updated',
    actor: cause === 's2' ? 'engine' : 'service',
    data: { cause, version, bodySha256: bodyHash, ...(after.uri !== before.uri ? { uri: after.uri } : {}) },
  });
  if (cause === 'document' && after.uri && after.uri !== before.uri)
    events.push({
      type: 'signature.document_generated',
      actor: 'service',
      data: { uri: after.uri, ...(after.template ? { template: after.template } : {}) },
    });
  after.seals.forEach((seal, index) => {
    const old = before.seals[index];
    const provider = seal.provider ?? 'local';
    if (seal.signature && seal.signature !== old?.signature) {
      const applier = seal.signedBy?.account ?? '';
      events.push({
        type: 'signature.seal_applied',
        actor: applier,
        data: { ...sealSummary(seal, index), signedBy: seal.signedBy ?? null, signedAt: seal.signedAt ?? null, uri: after.uri },
      });
      if (old?.state === 'pending' && provider !== 'local')
        events.push({ type: 'provider.flow_finished', actor: applier, data: { ...sealSummary(seal, index), state: 'signed' } });
    } else if (!seal.signature && old?.signature) {
      events.push({
        type: 'signature.seal_removed',
        actor: old.signedBy?.account ?? '',
        data: { ...sealSummary(old, index), uri: after.uri },
      });
    }
    if (seal.state === 'pending' && old?.state !== 'pending')
      events.push({ type: 'provider.flow_started', actor: seal.signer?.account ?? '', data: sealSummary(seal, index) });
    if (seal.state && ENDED.has(seal.state) && seal.state !== old?.state && provider !== 'local') {
      events.push({
        type: 'provider.flow_failed',
        actor: '',
        data: { ...sealSummary(seal, index), state: seal.state, reason: seal.stateReason ?? '' },
      });
    }
  });
  if (complete(after) && !complete(before))
    events.push({ type: 'signature.completed', actor: 'service', data: { uri: after.uri, seals: after.seals.length } });
  return events;
}
