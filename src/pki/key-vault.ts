import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const AAD = Buffer.from('infoplus-signature seal private key');

export class KeyVaultError extends Error {
  readonly code = 'KEY_DECRYPT_FAILED';
}

/** Encrypts a private key PEM at rest: AES-256-GCM, random 96-bit IV, `v1.<iv>.<tag>.<ciphertext>` (base64url). */
export function encryptPrivateKey(privateKeyPem: string, masterKey: Buffer): string {
  if (masterKey.length !== 32) throw new Error('The master key must be 32 bytes.');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export function decryptPrivateKey(sealed: string, masterKey: Buffer): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || !ciphertext) throw new KeyVaultError('The stored key is not in a known format.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new KeyVaultError('The stored key cannot be decrypted: wrong master key or tampered data.');
  }
}
