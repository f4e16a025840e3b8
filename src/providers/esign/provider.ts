import { DomainError } from '../../errors.js';
import type { Seal } from '../../signature/schema.js';
import type { ProviderAccountRepository } from '../../store/provider-flows.js';
import type { ProviderFlow } from '../../store/provider-flows.js';
import type { SealRecord } from '../../store/seals.js';
import type { FlowStatus, ProviderCapabilities, SealProvider, StampOutcome, StampRequest } from '../provider.js';
import { type EsignClient, EsignError } from './client.js';
import { toDocPosList } from './placement.js';

const HAND_DRAWN = /手写|手绘|handwrit/i;

interface DocDetail {
  flowStatus: number;
  signInfo?: Array<{ docId: string; signDetail?: Array<{ accountId: string; signStatus: number; signExplain?: string }> }>;
}

/** What an e签宝 event or status means for the seal. */
export function flowStatusOf(flowStatus: number, signStatus: number | undefined, explanation = ''): FlowStatus {
  if (signStatus === 2 || flowStatus === 2) return { state: 'signed' };
  if (signStatus === 4) return { state: 'refused', reason: explanation || '签署人拒签' };
  if (signStatus === 3) return { state: 'failed', reason: explanation || 'e签宝签署失败' };
  switch (flowStatus) {
    case 3:
      return { state: 'cancelled', reason: explanation || '签署流程已撤销' };
    case 4:
      return { state: 'refused', reason: explanation || '签署流程已终止' };
    case 5:
      return { state: 'expired', reason: explanation || '签署已过期' };
    default:
      return { state: 'pending' };
  }
}

/**
 * e签宝 (tsign) open API v3 as a seal provider: the signer is sent to e签宝's signing page
 * (`signUrl`), or an organisation seal marked for automatic signing is applied silently; the result
 * arrives by callback (or reconciliation) and the signed PDF is downloaded.
 */
export class EsignProvider implements SealProvider {
  readonly name = 'esign';
  readonly capabilities: ProviderCapabilities = {
    mode: 'redirect',
    placements: ['coordinates', 'keyword', 'cross-page'],
    // The flow names the signer (signers); e签宝 can restrict only hand-drawn vs template seals (sealTypes, see check).
    enforces: ['signers', 'sealTypes'],
    comment: false,
    silent: true,
  };

  constructor(
    private readonly client: EsignClient,
    private readonly accounts: ProviderAccountRepository,
    private readonly options: { sealWidth: number },
  ) {}

  /**
   * e签宝's `sealType` only tells hand-drawn (0) from template (1) seals, and the signer picks the
   * seal at e签宝. A `sealTypes` restriction therefore holds only for a hand-drawn seal sent with
   * sealType 0 where hand-drawn types are allowed; anything finer is refused before sending.
   */
  check(slot: Seal, seal: SealRecord): void {
    const types = slot.permission?.sealTypes ?? [];
    if (types.length === 0) return;
    if (HAND_DRAWN.test(seal.type) && types.some((type) => HAND_DRAWN.test(type))) return;
    throw new DomainError(
      'PROVIDER_CANNOT_ENFORCE',
      `e签宝 cannot restrict the seal to the types ${types.join('、')} (it only tells hand-drawn from template seals, and the signer picks the seal there), so this seal is not sent there.`,
      [{ rule: 'sealTypes', provider: this.name }],
    );
  }

  async start(request: StampRequest): Promise<StampOutcome> {
    const { seal, user, slot, pdf, signature } = request;
    const signer = await this.signerFor(user.account, seal);
    const fileKey = await this.client.uploadPdf(pdf, signature.name || 'document.pdf');
    const { docId } = await this.client.call<{ docId: string }>('/doc/createbyfilekey', { fileKey });
    const docPosList = await toDocPosList(pdf, slot, docId, this.options.sealWidth);
    const autoSign = seal.ownerKind === 'organization' && seal.providerRef.autoSign === true;
    const started = await this.client.call<{ flowId: string; signUrlList?: Array<{ accountId: string; signUrl: string[] | string }> }>(
      '/sign/start',
      {
        businessScene: signature.name || '签署文件',
        autoInitiate: 1,
        redirectUrl: request.returnUrl,
        docList: [{ docId }],
        recipientList: {
          signerList: [
            {
              accountId: signer.accountId,
              ...(signer.organizationId ? { authorizationOrgId: signer.organizationId } : {}),
              signOrder: 1,
              autoSign: autoSign ? 1 : 0,
              sealType: HAND_DRAWN.test(seal.type) ? '0' : '1',
              docPosList,
            },
          ],
        },
      },
    );
    const providerRef = {
      docId,
      accountId: signer.accountId,
      ...(signer.organizationId ? { organizationId: signer.organizationId } : {}),
      autoSign,
    };
    if (autoSign) return { kind: 'pending', externalId: started.flowId, providerRef };
    const entry = started.signUrlList?.find((item) => item.accountId === signer.accountId) ?? started.signUrlList?.[0];
    const url = Array.isArray(entry?.signUrl) ? entry.signUrl[0] : entry?.signUrl;
    if (!url) throw new EsignError('ESIGN_BAD_RESPONSE', 'e签宝 started the flow but gave no signing address.');
    return { kind: 'redirect', url, externalId: started.flowId, providerRef };
  }

  async status(flow: ProviderFlow): Promise<FlowStatus> {
    const detail = await this.client.call<DocDetail>('/sign/docdetail', { flowId: flow.externalId });
    const accountId = flow.providerRef.accountId as string | undefined;
    const mine = detail.signInfo?.flatMap((info) => info.signDetail ?? []).find((entry) => entry.accountId === accountId);
    return flowStatusOf(Number(detail.flowStatus), mine ? Number(mine.signStatus) : undefined, mine?.signExplain);
  }

  async download(flow: ProviderFlow): Promise<Uint8Array> {
    const files = await this.client.call<Array<{ docId: string; docUrl: string }>>('/sign/download', { flowId: flow.externalId });
    const file =
      (Array.isArray(files) ? files : []).find((item) => item.docId === flow.providerRef.docId) ??
      (Array.isArray(files) ? files[0] : undefined);
    if (!file?.docUrl) throw new EsignError('ESIGN_BAD_RESPONSE', 'e签宝 gave no download address for the signed document.');
    return this.client.download(file.docUrl);
  }

  async cancel(flow: ProviderFlow): Promise<void> {
    await this.client.call('/sign/revoke', { flowId: flow.externalId });
  }

  /** The e签宝 person account for one of our accounts (and, for an organisation seal, the organisation it acts for). */
  private async signerFor(account: string, seal: SealRecord): Promise<{ accountId: string; organizationId?: string }> {
    const entry = await this.accounts.get(this.name, account);
    if (!entry) {
      throw new DomainError(
        'PROVIDER_ACCOUNT_MISSING',
        `e签宝 needs the identity of ${account}; register it with PUT /provider-accounts/esign/${account}.`,
      );
    }
    let accountId = entry.externalId;
    if (!accountId) {
      const { profile } = entry;
      if (!profile.idNo || profile.idType === undefined) {
        throw new DomainError(
          'PROVIDER_ACCOUNT_MISSING',
          `e签宝 needs the id number and id type of ${account} (PUT /provider-accounts/esign/${account}).`,
        );
      }
      accountId = await this.createOrFind('/account/create/person/private', account, {
        thirdId: account,
        name: profile.name,
        idNo: profile.idNo,
        idType: profile.idType,
        ...(profile.mobile ? { mobile: profile.mobile } : {}),
        ...(profile.email ? { email: profile.email } : {}),
      });
      await this.accounts.setExternalIds(this.name, account, { externalId: accountId });
    }
    if (seal.ownerKind !== 'organization') return { accountId };

    const organization = entry.profile.organization;
    if (!organization || organization.name !== seal.owner) {
      throw new DomainError('PROVIDER_ACCOUNT_NOT_AGENT', `${account} is not registered at e签宝 as the agent (经办人) of ${seal.owner}.`);
    }
    let organizationId = entry.organizationExternalId;
    if (!organizationId) {
      organizationId = await this.createOrFind('/account/create/organize/private', `org:${organization.idNo}`, {
        thirdId: `org:${organization.idNo}`,
        agentAccountId: accountId,
        name: organization.name,
        organCode: organization.idNo,
        organType: organization.idType,
        ...(organization.legalName ? { legalName: organization.legalName } : {}),
      });
      await this.accounts.setExternalIds(this.name, account, { organizationExternalId: organizationId });
    }
    return { accountId, organizationId };
  }

  /** Creates the account; when e签宝 already has one for this thirdId, looks it up instead. */
  private async createOrFind(path: string, thirdId: string, body: object): Promise<string> {
    try {
      return (await this.client.call<{ accountId: string }>(path, body)).accountId;
    } catch (error) {
      if (!(error instanceof EsignError) || error.code !== 'ESIGN_ERROR') throw error;
      try {
        return (await this.client.call<{ accountId: string }>('/account/idexchange', { thirdId })).accountId;
      } catch {
        throw error;
      }
    }
  }
}
