import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '../errors.js';

/** v1: one fixed additional data for every key (read only, migrated at start-up); v2: bound to its owner. */
const LEGACY_AAD = Buffer.from('infoplus-signature seal private key');
const aadFor = (owner: string) => Buffer.from(`infoplus-signature private key\0${owner}`);

export class KeyVaultError extends DomainError<'KEY_DECRYPT_FAILED'> {
  constructor(message: string) {
    super('KEY_DECRYPT_FAILED', message);
  }
}

/**
 * Encrypts a private key PEM at rest: AES-256-GCM, random 96-bit IV, `v2.<iv>.<tag>.<ciphertext>`
 * (base64url), with the owner (e.g. `seal:<id>`) as additional data — a ciphertext copied to another
 * seal's row does not decrypt there.
 */
export function encryptPrivateKey(privateKeyPem: string, masterKey: Buffer, owner: string): string {
  if (masterKey.length !== 32) throw new Error('The master key must be 32 bytes.');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(aadFor(owner));
  const ciphertext = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
  return ['v2', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** Decrypts a v2 key for its owner (or a legacy v1 key, which has no owner bound). */
export function decryptPrivateKey(sealed: string, masterKey: Buffer, owner: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if ((version !== 'v1' && version !== 'v2') || !iv || !tag || !ciphertext)
    throw new KeyVaultError('The stored key is not in a known format.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(version === 'v1' ? LEGACY_AAD : aadFor(owner));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new KeyVaultError('The stored key cannot be decrypted: wrong master key, a key of another owner, or tampered data.');
  }
}

/** True for a key still sealed without its owner (to be migrated). */
export const isLegacyKey = (sealed: string) => sealed.startsWith('v1.');
