export {
  createCa,
  issueOcspResponderCertificate,
  issueSigningCertificate,
  importSigningKey,
  type CertifiedKey,
  type IssuedCertificate,
  type RevocationUrls,
} from './certificates.js';
export { decryptPrivateKey, encryptPrivateKey, isLegacyKey, KeyVaultError } from './key-vault.js';
export { importPkcs12, Pkcs12Error, type ImportedKey } from './pkcs12.js';
export type { KeyAlgorithmName } from './webcrypto.js';
