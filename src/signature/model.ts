import type { Seal, SealInput, SealState, Signature } from './schema.js';

/** A seal with every spec field present (empty when unknown), as S1 returns it. */
export function normalizeSeal(input: SealInput = {}): Seal {
  const { index: _index, ...seal } = input;
  return {
    ...seal,
    placeHolder: seal.placeHolder ?? '',
    signer: { account: seal.signer?.account ?? '', name: seal.signer?.name ?? '' },
    permission: {
      sealTypes: seal.permission?.sealTypes ?? [],
      sealIds: seal.permission?.sealIds ?? [],
      signers: seal.permission?.signers ?? [],
    },
    template: seal.template ?? '',
    image: seal.image ?? '',
    description: seal.description ?? '',
    algorithm: seal.algorithm ?? '',
    signature: seal.signature ?? '',
    privateKey: seal.privateKey ?? '',
  };
}

/** A seal is signed once it carries a signature; otherwise its stored flow state, or unsigned. */
export function sealState(seal: Seal): SealState {
  if (seal.signature) return 'signed';
  if (seal.state && seal.state !== 'signed') return seal.state;
  return 'unsigned';
}

/** Unsigned while `uri` is empty or any seal has no signature (the spec's rule). */
export function signatureState(signature: Pick<Signature, 'uri' | 'seals'>): 'unsigned' | 'signed' {
  if (!signature.uri) return 'unsigned';
  return signature.seals.every((seal) => seal.signature) ? 'signed' : 'unsigned';
}

/** Seals as stored: at least one (a Signature with no seals means one seal), each normalised. */
export function normalizeSeals(seals: SealInput[] | undefined): Seal[] {
  const list = seals && seals.length > 0 ? seals : [{}];
  return list.map((seal) => normalizeSeal(seal));
}

/** The Signature as the API returns it: derived fields filled in. */
export function present(signature: Signature): Signature {
  const seals = normalizeSeals(signature.seals).map((seal) => ({ ...seal, state: sealState(seal) }));
  return { ...signature, seals, state: signatureState({ uri: signature.uri, seals }) };
}
