import { describe, expect, it } from 'vitest';
import { eventsOfChange } from '../../src/proof/changes.js';
import type { Seal, Signature } from '../../src/signature/schema.js';

const seal = (extra: Partial<Seal> = {}): Seal =>
  ({
    x: 0,
    y: 0,
    placeHolder: '',
    signer: { account: 'zhaoliu', name: '赵六' },
    permission: { sealTypes: [], sealIds: [], signers: [] },
    template: '',
    image: '',
    description: '',
    algorithm: '',
    signature: '',
    privateKey: '',
    ...extra,
  }) as Seal;
const signature = (seals: Seal[], uri = '/file/a'): Signature =>
  ({ id: 's1', name: 'doc.pdf', size: 1, uri, mime: 'application/pdf', createTime: 1, seals }) as Signature;
const types = (before: Signature | undefined, after: Signature, cause = 's2') => eventsOfChange(before, after, cause, 2).map((e) => e.type);

describe('what a Signature change means for the audit trail and webhooks', () => {
  it('names the provider flow: started, finished with the seal, failed', () => {
    const unsigned = signature([seal({ provider: 'esign' }), seal()]);
    const pending = signature([seal({ provider: 'esign', state: 'pending' }), seal()]);
    expect(types(unsigned, pending)).toEqual(['signature.updated', 'provider.flow_started']);
    const signed = signature(
      [seal({ provider: 'esign', state: 'signed', signature: 'MA==', signedBy: { account: 'zhaoliu', name: '赵六' } }), seal()],
      '/file/b',
    );
    expect(types(pending, signed)).toEqual(['signature.updated', 'signature.seal_applied', 'provider.flow_finished']);
    const refused = signature([seal({ provider: 'esign', state: 'refused', stateReason: 'declined' }), seal()]);
    const failed = eventsOfChange(pending, refused, 's2', 3).find((e) => e.type === 'provider.flow_failed');
    expect(failed?.data).toMatchObject({ index: 0, provider: 'esign', state: 'refused', reason: 'declined' });
  });

  it('names seals applied and removed, completion, creation and generated documents', () => {
    const none = signature([seal(), seal()]);
    const one = signature(
      [seal({ signature: 'MA==', provider: 'local', signedBy: { account: 'zhaoliu', name: '赵六' } }), seal()],
      '/file/b',
    );
    const both = signature([one.seals[0], seal({ signature: 'MQ==', signedBy: { account: 'chenqi', name: '陈七' } })], '/file/c');
    expect(types(undefined, none)).toEqual(['signature.created']);
    expect(types(none, one)).toEqual(['signature.updated', 'signature.seal_applied']);
    expect(types(one, both)).toEqual(['signature.updated', 'signature.seal_applied', 'signature.completed']);
    const removed = eventsOfChange(both, one, 's2', 4);
    expect(removed.map((e) => e.type)).toEqual(['signature.updated', 'signature.seal_removed']);
    expect(removed[1].actor).toBe('chenqi');
    expect(types(signature([seal()], ''), signature([seal()], '/file/d'), 'document')).toEqual([
      'signature.updated',
      'signature.document_generated',
    ]);
  });
});
