import { DomainError } from '../../errors.js';
import type { SealRegistrar } from '../../seals/registry.js';
import type { ProviderCapabilities, SealProvider, StampOutcome } from '../provider.js';
import type { XuperClient } from './client.js';

/** Registers seals at xuper when they are created in our registry (signature/create). */
export class XuperRegistrar implements SealRegistrar {
  constructor(private readonly client: XuperClient) {}

  async register(input: Parameters<SealRegistrar['register']>[0]) {
    const address = input.seal.providerOptions?.address;
    if (!address) {
      throw new DomainError(
        'PROVIDER_ACCOUNT_MISSING',
        'A xuper seal needs providerOptions.address: the owner’s identity (address) in xuper.',
      );
    }
    const { signatureId, image } = await this.client.createSeal({ address, kind: input.ownerKind, png: input.png });
    return { providerRef: { signatureId, address }, image };
  }
}

/**
 * xuper as a seal provider. Only seal creation is in the published spec; contract signing is not,
 * so stamping with a xuper seal is refused before anything is sent. A signing implementation adds
 * start/status/download here using XuperClient.
 */
export class XuperProvider implements SealProvider {
  readonly name = 'xuper';
  readonly capabilities: ProviderCapabilities = {
    mode: 'redirect',
    placements: ['coordinates', 'keyword', 'cross-page'],
    enforces: ['signers', 'sealIds', 'sealTypes'],
    comment: false,
    silent: false,
  };

  check(): void {
    throw new DomainError(
      'PROVIDER_SIGNING_UNSUPPORTED',
      'Seals registered at xuper cannot be applied yet: xuper’s contract-signing API is not part of the specification this service implements.',
    );
  }

  async start(): Promise<StampOutcome> {
    this.check();
    throw new Error('unreachable');
  }
}
