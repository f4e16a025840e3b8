import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';

/**
 * The spec's `privateKey` field carries the seal's public certificate. Anything that is, or could be,
 * a private key is refused and never stored; a certificate or public key in PEM is accepted.
 */
export type KeyFieldVerdict = { ok: true } | { ok: false; reason: string };

const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|-----BEGIN OPENSSH PRIVATE KEY-----|PRIVATE KEY/i;

function isDerPrivateKey(base64: string): boolean {
  const der = Buffer.from(base64, 'base64');
  if (der.length < 32) return false;
  const attempts: Array<() => unknown> = [
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
    () => createPrivateKey({ key: der, format: 'der', type: 'sec1' }),
  ];
  return attempts.some((attempt) => {
    try {
      attempt();
      return true;
    } catch {
      return false;
    }
  });
}

/** Certificates already found acceptable: every S2 of a stamped Signature repeats its seals' certificates. */
const accepted = new Set<string>();
const ACCEPTED_LIMIT = 1024;

export function checkPublicKeyField(value: string): KeyFieldVerdict {
  const text = value.trim();
  if (text === '' || accepted.has(text)) return { ok: true };
  const verdict = judgePublicKeyField(text);
  if (verdict.ok) {
    accepted.add(text);
    if (accepted.size > ACCEPTED_LIMIT) accepted.delete(accepted.values().next().value!);
  }
  return verdict;
}

function judgePublicKeyField(text: string): KeyFieldVerdict {
  if (PRIVATE_PEM.test(text)) return { ok: false, reason: 'contains a private key; it must carry only the public certificate (PEM)' };
  const compact = text.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+=*$/.test(compact) && isDerPrivateKey(compact)) {
    return { ok: false, reason: 'contains a private key (DER); it must carry only the public certificate (PEM)' };
  }
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    try {
      new X509Certificate(text);
      return { ok: true };
    } catch {
      return { ok: false, reason: 'is not a readable PEM certificate' };
    }
  }
  if (text.includes('-----BEGIN PUBLIC KEY-----')) {
    try {
      createPublicKey(text);
      return { ok: true };
    } catch {
      return { ok: false, reason: 'is not a readable PEM public key' };
    }
  }
  return { ok: false, reason: 'must be the seal certificate in PEM (-----BEGIN CERTIFICATE-----)' };
}
