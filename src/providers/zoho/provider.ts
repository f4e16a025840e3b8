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
import type { ImageField, ZohoClient } from './client.js';

/** What Zoho's request_status means for the seal. */
const WORDS: Record<string, StatusWord> = {
  completed: 'signed',
  declined: ['refused', '签署人已拒签'],
  recalled: ['cancelled', '签署请求已撤回'],
  expired: ['expired', '签署请求已过期'],
};

export const zohoStatusOf = (status: string, reason = ''): FlowStatus => statusFromWord(WORDS, status, reason);

/**
 * Zoho Sign: a request with one SIGN action for the user (their e-mail from the provider-account
 * directory), a Signature image field at our placement, submitted, and the signer sent to Zoho's
 * signing page; completion is confirmed with GET /requests/:id, the signed PDF and the completion
 * certificate downloaded.
 */
export class ZohoProvider implements SealProvider {
  readonly name = 'zoho';
  readonly capabilities: ProviderCapabilities = {
    mode: 'redirect',
    placements: ['coordinates', 'keyword'],
    enforces: ['signers'],
    comment: false,
    silent: false,
  };

  constructor(
    private readonly client: ZohoClient,
    private readonly accounts: ProviderAccountRepository,
    private readonly options: { sealWidth: number; host: string; expirationDays: number },
  ) {}

  async start(request: StampRequest): Promise<StampOutcome> {
    const entry = await this.accounts.get(this.name, request.user.account);
    if (!entry?.profile.email) {
      throw new DomainError(
        'PROVIDER_ACCOUNT_MISSING',
        `Zoho Sign needs the e-mail of ${request.user.account}; register it with PUT /provider-accounts/zoho/${request.user.account}.`,
      );
    }
    const recipient = { name: entry.profile.name, email: entry.profile.email };
    const size = request.slot.size ?? this.options.sealWidth;
    const fieldsFor = await imageFields(request.pdf, request.slot, size);
    const created = await this.client.createRequest(request.pdf, request.signature.name || 'document.pdf', {
      name: request.signature.name || '签署文件',
      recipientName: recipient.name,
      recipientEmail: recipient.email,
      expirationDays: this.options.expirationDays,
    });
    const documentId = created.document_ids?.[0]?.document_id;
    const actionId = created.actions?.[0]?.action_id;
    if (!documentId || !actionId) throw new DomainError('ZOHO_BAD_RESPONSE', 'Zoho created the request without a document or action id.');
    await this.client.addSignatureFields(created.request_id, actionId, recipient, fieldsFor(documentId));
    await this.client.submit(created.request_id);
    const url = await this.client.signUrl(created.request_id, actionId, this.options.host);
    return { kind: 'redirect', url, externalId: created.request_id, providerRef: { requestId: created.request_id, actionId, documentId } };
  }

  async status(flow: ProviderFlow): Promise<FlowStatus> {
    const request = await this.client.get(String(flow.externalId));
    return zohoStatusOf(request.request_status, request.decline_reason);
  }

  async download(flow: ProviderFlow): Promise<Uint8Array> {
    return this.client.pdf(String(flow.externalId));
  }

  async attachments(flow: ProviderFlow): Promise<Array<{ name: string; bytes: Uint8Array }>> {
    return [{ name: 'Zoho Sign completion certificate.pdf', bytes: await this.client.completionCertificate(String(flow.externalId)) }];
  }

  async cancel(flow: ProviderFlow): Promise<void> {
    await this.client.recall(String(flow.externalId));
  }

  async remind(flow: ProviderFlow): Promise<void> {
    await this.client.remind(String(flow.externalId));
  }
}

/**
 * Our placement as Zoho image fields. Zoho's examples use small numbers for x_coord/y_coord/
 * abs_width/abs_height (e.g. 42, 3, 22, 5): we read them as **percent of the page** width and height,
 * measured from the page's top-left corner to the field's top-left corner, with page_no 0-based. A
 * placeholder is located in our PDF first (Zoho does not search text).
 */
export async function imageFields(
  pdf: Uint8Array,
  slot: StampRequest['slot'],
  size: number,
): Promise<(documentId: string) => ImageField[]> {
  const placement = await resolvePlacement(pdf, slot, { width: size, height: size });
  if (placement.kind !== 'anchors') throw new DomainError('PROVIDER_CANNOT_PLACE', 'Zoho Sign cannot place a cross-page seal.');
  const doc = await PDFDocument.load(pdf, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
  const pageCount = doc.getPageCount();
  const fields = placement.anchors.map((anchor) => {
    const pageIndex = anchor.page === 'last' ? pageCount - 1 : anchor.page;
    if (pageIndex < 0 || pageIndex >= pageCount)
      throw new DomainError('PAGE_OUT_OF_RANGE', `The seal is placed on page ${pageIndex + 1}, but the document has ${pageCount} page(s).`);
    const box = doc.getPage(pageIndex).getCropBox();
    // Centre in top-left coordinates.
    const { x: cx, y: cy } = anchorFromTopLeft(anchor, pageBoxOf(box));
    const pct = (value: number, of: number) => Math.round((value / of) * 10000) / 100;
    return {
      page_no: pageIndex,
      x_coord: pct(cx - size / 2, box.width),
      y_coord: pct(cy - size / 2, box.height),
      abs_width: pct(size, box.width),
      abs_height: pct(size, box.height),
    };
  });
  return (documentId) =>
    fields.map((f) => ({
      document_id: documentId,
      field_name: 'Signature',
      field_type_name: 'Signature' as const,
      is_mandatory: true as const,
      ...f,
    }));
}
