import { PDFDocument } from '@cantoo/pdf-lib';
import { DomainError } from '../../errors.js';
import { anchorFromTopLeft, pageBoxOf, resolvePlacement } from '../../pdf/placement.js';
import type { ProviderAccountRepository, ProviderFlow } from '../../store/provider-flows.js';
import {
  type FlowStatus,
  type ProviderCapabilities,
  type SealProvider,
  type StampOutcome,
  type StampRequest,
  type StatusWord,
  statusFromWord,
} from '../provider.js';
import type { SpaceSignClient } from './client.js';

const WORDS: Record<string, StatusWord> = {
  completed: 'signed',
  declined: ['refused', '签署人已拒签'],
  voided: ['cancelled', '签署已作废'],
  expired: ['expired', '签署已过期'],
};

export const spaceSignStatusOf = (status: string, reason = ''): FlowStatus => statusFromWord(WORDS, status, reason);

/**
 * SpaceSign: upload the document, create an envelope with the signer (email, name, role, order) and
 * a signature field at our placement, send it, send the signer to their signing URL; webhooks (HMAC
 * of the raw body with a timestamp) and status polling report back; the signed PDF is downloaded.
 */
export class SpaceSignProvider implements SealProvider {
  readonly name = 'spacesign';
  readonly capabilities: ProviderCapabilities = {
    mode: 'redirect',
    placements: ['coordinates', 'keyword'],
    enforces: ['signers'],
    comment: false,
    silent: false,
  };

  constructor(
    private readonly client: SpaceSignClient,
    private readonly accounts: ProviderAccountRepository,
    private readonly options: { sealWidth: number },
  ) {}

  async start(request: StampRequest): Promise<StampOutcome> {
    const entry = await this.accounts.get(this.name, request.user.account);
    if (!entry?.profile.email) {
      throw new DomainError(
        'PROVIDER_ACCOUNT_MISSING',
        `SpaceSign needs the e-mail of ${request.user.account}; register it with PUT /provider-accounts/spacesign/${request.user.account}.`,
      );
    }
    const size = request.slot.size ?? this.options.sealWidth;
    const placement = await resolvePlacement(request.pdf, request.slot, { width: size, height: size });
    if (placement.kind !== 'anchors' || placement.anchors.length !== 1)
      throw new DomainError('PROVIDER_CANNOT_PLACE', 'SpaceSign takes one signature field per seal.');
    const doc = await PDFDocument.load(request.pdf, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
    const anchor = placement.anchors[0];
    const pageIndex = anchor.page === 'last' ? doc.getPageCount() - 1 : anchor.page;
    const box = doc.getPage(pageIndex).getCropBox();
    const { x: cx, y: cy } = anchorFromTopLeft(anchor, pageBoxOf(box));
    // SpaceSign fields: 1-based page, PDF points from the page's top-left corner to the field's top-left corner.
    const field = { page: pageIndex + 1, x: round(cx - size / 2), y: round(cy - size / 2), width: size, height: size };
    const documentId = await this.client.upload(request.pdf, request.signature.name || '签署文件');
    const envelope = await this.client.createEnvelope({
      documentId,
      signer: { email: entry.profile.email, name: entry.profile.name, role: request.slot.description || '签署人', order: 1 },
      field,
      idempotencyKey: request.flowId,
    });
    const sent = await this.client.send(envelope.id);
    const url = sent.signers?.find((s) => s.email === entry.profile.email)?.signingUrl ?? sent.signers?.[0]?.signingUrl;
    if (!url) throw new DomainError('SPACESIGN_BAD_RESPONSE', 'SpaceSign sent the envelope without a signing URL.');
    return { kind: 'redirect', url, externalId: envelope.id, providerRef: { documentId, envelopeId: envelope.id } };
  }

  async status(flow: ProviderFlow): Promise<FlowStatus> {
    const envelope = await this.client.get(String(flow.externalId));
    return spaceSignStatusOf(envelope.status, envelope.declineReason);
  }

  download(flow: ProviderFlow): Promise<Uint8Array> {
    return this.client.signedPdf(String(flow.externalId));
  }

  async cancel(flow: ProviderFlow): Promise<void> {
    await this.client.void(String(flow.externalId));
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
