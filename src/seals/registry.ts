import { createPrivateKey } from 'node:crypto';
import { DomainError, notFound } from '../errors.js';
import { newId } from '../util/ids.js';
import { decryptPrivateKey, encryptPrivateKey, importPkcs12, isLegacyKey, issueSigningCertificate } from '../pki/index.js';
import type { FileStore } from '../store/files.js';
import { ALLOWED_MIME } from '../store/sniff.js';
import type { OwnerKind, SealRecord, SealRepository } from '../store/seals.js';
import type { BuiltinAuthority } from './authority.js';
import type { CreateSealRequest } from '../contract/seal.js';
import { officialSealSvg, personalSealSvg, rasterizeSvg } from './seal-image.js';

export const SEAL_TYPES = ['公章', '合同专用章', '财务专用章', '个人签名', '手写'] as const;
const PERSONAL_TYPES = new Set(['个人签名', '手写']);

/** What `POST /seals` accepts (the contract's CreateSealRequest). */
export type CreateSealInput = CreateSealRequest;

/** A provider that must know a seal before it can be used (e.g. xuper's signature/create). */
export interface SealRegistrar {
  register(input: {
    seal: CreateSealInput;
    ownerKind: OwnerKind;
    png: Uint8Array;
  }): Promise<{ providerRef: Record<string, unknown>; image?: Uint8Array }>;
}

export interface SigningMaterial {
  privateKeyPem: string;
  certificatePem: string;
  chainPem: string[];
}

/**
 * The seal registry: seals with their owner, holders, image and — for the local signer — a private
 * key (encrypted at rest with the master key, never returned) and X.509 certificate.
 */
const IMAGE_CACHE_LIMIT = 256;

export class SealRegistry {
  /** Seal images by content digest (stamps read them every time; files never change under their digest). */
  private readonly imageCache = new Map<string, { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }>();

  constructor(
    private readonly repo: SealRepository,
    private readonly files: FileStore,
    private readonly authority: BuiltinAuthority,
    private readonly masterKey: Buffer,
    /** Configured providers (seals naming another one are refused) and their registration hooks. */
    private readonly providers: { names: () => string[]; registrars: Map<string, SealRegistrar> } = {
      names: () => ['local'],
      registrars: new Map(),
    },
  ) {}

  list(): Promise<SealRecord[]> {
    return this.repo.list();
  }

  async get(id: string): Promise<SealRecord> {
    const seal = await this.repo.get(id);
    if (!seal) throw notFound('seal', id);
    return seal;
  }

  async create(input: CreateSealInput): Promise<SealRecord> {
    const ownerKind: OwnerKind = input.ownerKind ?? (PERSONAL_TYPES.has(input.type) ? 'person' : 'organization');
    const provider = input.provider ?? 'local';
    if (!this.providers.names().includes(provider)) {
      throw new DomainError(
        'PROVIDER_UNAVAILABLE',
        `The seal provider "${provider}" is not configured on this service (configured: ${this.providers.names().join(', ')}).`,
      );
    }
    let imageFileId = input.image ? await this.checkImage(input.image) : await this.generateImage(input, ownerKind);
    let providerRef: Record<string, unknown> =
      provider === 'esign' ? { autoSign: ownerKind === 'organization' && input.providerOptions?.autoSign === true } : {};
    const registrar = this.providers.registrars.get(provider);
    if (registrar) {
      const png = await this.pngOfFile(imageFileId);
      const registered = await registrar.register({ seal: input, ownerKind, png });
      providerRef = { ...providerRef, ...registered.providerRef };
      // The image the provider keeps is the one it will stamp; show that one.
      if (registered.image) {
        const stored = await this.files.putBytes(registered.image, { name: `${input.name}.png`, mime: ALLOWED_MIME.png });
        imageFileId = stored.id;
        providerRef.imageFileId = stored.id;
      }
    }

    let certificatePem: string | null = null;
    let chainPem: string[] = [];
    let privateKeyPem: string | null = null;
    let keyAlgorithm: string | null = null;
    let p12FileToDelete: string | null = null;
    if (provider === 'local') {
      if (input.p12) {
        const file = await this.files.get(input.p12);
        if (!file) throw new DomainError('FILE_NOT_FOUND', `No file with id ${input.p12}.`);
        if (file.mime !== ALLOWED_MIME.p12) throw new DomainError('NOT_PKCS12', `File ${file.id} is ${file.mime}, not a PKCS#12 bundle.`);
        const imported = await importPkcs12(await this.files.readBytes(file), input.passphrase ?? '');
        ({ certificatePem, chainPem, privateKeyPem } = imported);
        keyAlgorithm = keyAlgorithmOf(privateKeyPem);
        p12FileToDelete = file.id;
      } else {
        const ca = await this.authority.get();
        const issued = await issueSigningCertificate(ca, {
          commonName: input.name,
          organization: ownerKind === 'organization' ? input.owner : undefined,
          keyAlgorithm: input.keyAlgorithm ?? 'ECDSA-P256',
          validDays: 3 * 365,
          revocationUrls: this.authority.revocationUrls(),
        });
        ({ certificatePem, chainPem, privateKeyPem } = issued);
        keyAlgorithm = input.keyAlgorithm ?? 'ECDSA-P256';
      }
    }
    const id = newId();
    const seal = await this.repo.insert({
      id,
      name: input.name,
      type: input.type,
      ownerKind,
      owner: input.owner,
      holders: [...new Set(input.holders)],
      imageFileId,
      provider,
      certificatePem,
      chainPem,
      keyAlgorithm,
      providerRef,
      encryptedKey: privateKeyPem ? encryptPrivateKey(privateKeyPem, this.masterKey, `seal:${id}`) : null,
      ltv: input.ltv ?? null,
    });
    // The bundle's key now lives encrypted in the registry; the plain upload must not linger.
    if (p12FileToDelete) await this.files.delete(p12FileToDelete);
    return seal;
  }

  async setDisabled(id: string, disabled: boolean): Promise<SealRecord> {
    const seal = await this.repo.setDisabled(id, disabled);
    if (!seal) throw notFound('seal', id);
    return seal;
  }

  /** Per-seal LTV: true/false overrides the global LTV setting, null follows it. */
  async setLtv(id: string, ltv: boolean | null): Promise<SealRecord> {
    const seal = await this.repo.setLtv(id, ltv);
    if (!seal) throw notFound('seal', id);
    return seal;
  }

  /** The key and certificate for the local signer; the decrypted key lives only in the caller's hands. */
  async signingMaterial(seal: SealRecord): Promise<SigningMaterial> {
    const encrypted = await this.repo.encryptedKey(seal.id);
    if (!encrypted || !seal.certificatePem) {
      throw new DomainError('SEAL_HAS_NO_KEY', `The seal ${seal.name} has no key for the local signer (provider ${seal.provider}).`);
    }
    return {
      privateKeyPem: decryptPrivateKey(encrypted, this.masterKey, `seal:${seal.id}`),
      certificatePem: seal.certificatePem,
      chainPem: seal.chainPem,
    };
  }

  /** Re-seals keys stored before they were bound to their seal id (v1 → v2); returns how many. */
  async migrateKeyBinding(): Promise<number> {
    let migrated = 0;
    for (const seal of await this.repo.list()) {
      const encrypted = await this.repo.encryptedKey(seal.id);
      if (!encrypted || !isLegacyKey(encrypted)) continue;
      const pem = decryptPrivateKey(encrypted, this.masterKey, `seal:${seal.id}`);
      if (await this.repo.replaceEncryptedKey(seal.id, encrypted, encryptPrivateKey(pem, this.masterKey, `seal:${seal.id}`))) migrated++;
    }
    return migrated;
  }

  /** The seal image as PNG or JPEG, kept in memory by content (SVG images are rasterised once). */
  async imagePng(seal: SealRecord): Promise<{ bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }> {
    const file = await this.files.get(seal.imageFileId);
    if (!file) throw new DomainError('SEAL_IMAGE_MISSING', `The image of seal ${seal.name} is missing.`);
    const cached = this.imageCache.get(file.sha256);
    if (cached) return cached;
    let image: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' };
    if (file.mime === ALLOWED_MIME.png || file.mime === ALLOWED_MIME.jpeg) {
      image = { bytes: await this.files.readBytes(file), mime: file.mime };
    } else {
      image = { bytes: await rasterizeSvg((await this.files.readBytes(file)).toString('utf8'), 512), mime: 'image/png' };
    }
    this.imageCache.set(file.sha256, image);
    if (this.imageCache.size > IMAGE_CACHE_LIMIT) this.imageCache.delete(this.imageCache.keys().next().value!);
    return image;
  }

  /** A stored seal image as PNG (SVG rasterised); JPEG cannot carry a seal's transparency. */
  private async pngOfFile(fileId: string): Promise<Uint8Array> {
    const file = await this.files.get(fileId);
    if (!file) throw new DomainError('FILE_NOT_FOUND', `No file with id ${fileId}.`);
    if (file.mime === ALLOWED_MIME.png) return this.files.readBytes(file);
    if (file.mime === ALLOWED_MIME.svg) return rasterizeSvg((await this.files.readBytes(file)).toString('utf8'), 512);
    throw new DomainError('NOT_AN_IMAGE', 'This provider needs the seal image as PNG (or SVG).');
  }

  private async checkImage(fileId: string): Promise<string> {
    const file = await this.files.get(fileId);
    if (!file) throw new DomainError('FILE_NOT_FOUND', `No file with id ${fileId}.`);
    if (![ALLOWED_MIME.png, ALLOWED_MIME.jpeg, ALLOWED_MIME.svg].includes(file.mime as never)) {
      throw new DomainError('NOT_AN_IMAGE', `File ${fileId} is ${file.mime}; a seal image is PNG, JPEG or SVG.`);
    }
    return file.id;
  }

  private async generateImage(input: CreateSealInput, ownerKind: OwnerKind): Promise<string> {
    const svg =
      ownerKind === 'person'
        ? personalSealSvg({ name: input.owner })
        : officialSealSvg({ organization: input.owner, kind: input.type === '公章' ? '' : input.type });
    const png = await rasterizeSvg(svg, 512);
    const stored = await this.files.putBytes(png, { name: `${input.name}.png`, mime: ALLOWED_MIME.png });
    return stored.id;
  }
}

function keyAlgorithmOf(privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `RSA-${details.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec')
    return `ECDSA-${details.namedCurve === 'prime256v1' ? 'P256' : details.namedCurve === 'secp384r1' ? 'P384' : details.namedCurve}`;
  return key.asymmetricKeyType ?? 'unknown';
}
