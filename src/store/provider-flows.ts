import { randomUUID } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey } from '../pki/key-vault.js';
import { type Db, isUniqueViolation } from './db.js';
import type { ProviderFlowsTable } from './schema.js';

/** `starting` until the provider answered, `pending` while the signer is at the provider, then final. */
export type FlowState = 'starting' | 'pending' | 'signed' | 'refused' | 'failed' | 'cancelled' | 'expired';

export interface ProviderFlow {
  id: string;
  provider: string;
  signatureId: string;
  sealIndex: number;
  sealId: string;
  account: string;
  accountName: string;
  state: FlowState;
  stateReason: string;
  /** The provider's id of the flow (e签宝 flowId). */
  externalId: string | null;
  signUrl: string;
  providerRef: Record<string, unknown>;
  /** The PDF revision the flow started from. */
  baseUri: string;
  createTime: number;
  updateTime: number;
}

function toFlow(row: ProviderFlowsTable): ProviderFlow {
  return {
    id: row.id,
    provider: row.provider,
    signatureId: row.signature_id,
    sealIndex: Number(row.seal_index),
    sealId: row.seal_id,
    account: row.account,
    accountName: row.account_name,
    state: row.state as FlowState,
    stateReason: row.state_reason,
    externalId: row.external_id,
    signUrl: row.sign_url,
    providerRef: JSON.parse(row.provider_ref) as Record<string, unknown>,
    baseUri: row.base_uri,
    createTime: Number(row.create_time),
    updateTime: Number(row.update_time),
  };
}

export class FlowAlreadyOpenError extends Error {}

/** Provider flows, persisted so a restart resumes them. */
export class ProviderFlowRepository {
  constructor(private readonly db: Db) {}

  /** Opens a flow for a seal slot; throws FlowAlreadyOpenError when one is already open (unique index). */
  async open(
    input: Pick<ProviderFlow, 'provider' | 'signatureId' | 'sealIndex' | 'sealId' | 'account' | 'accountName' | 'baseUri'>,
  ): Promise<ProviderFlow> {
    const now = Date.now();
    const row: ProviderFlowsTable = {
      id: randomUUID(),
      provider: input.provider,
      signature_id: input.signatureId,
      seal_index: input.sealIndex,
      seal_id: input.sealId,
      account: input.account,
      account_name: input.accountName,
      state: 'starting',
      state_reason: '',
      external_id: null,
      sign_url: '',
      provider_ref: '{}',
      base_uri: input.baseUri,
      create_time: now,
      update_time: now,
    };
    try {
      await this.db.insertInto('provider_flows').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new FlowAlreadyOpenError('A flow is already open for this seal.');
      throw error;
    }
    return toFlow(row);
  }

  async openFor(signatureId: string, sealIndex: number): Promise<ProviderFlow | undefined> {
    const row = await this.db
      .selectFrom('provider_flows')
      .selectAll()
      .where('signature_id', '=', signatureId)
      .where('seal_index', '=', sealIndex)
      .where('state', 'in', ['starting', 'pending'])
      .executeTakeFirst();
    return row ? toFlow(row) : undefined;
  }

  async get(id: string): Promise<ProviderFlow | undefined> {
    const row = await this.db.selectFrom('provider_flows').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toFlow(row) : undefined;
  }

  async byExternalId(provider: string, externalId: string): Promise<ProviderFlow | undefined> {
    const row = await this.db
      .selectFrom('provider_flows')
      .selectAll()
      .where('provider', '=', provider)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row ? toFlow(row) : undefined;
  }

  /** Open flows not updated since `olderThan` (epoch ms): what reconciliation polls. */
  async stale(olderThan: number): Promise<ProviderFlow[]> {
    const rows = await this.db
      .selectFrom('provider_flows')
      .selectAll()
      .where('state', 'in', ['starting', 'pending'])
      .where('update_time', '<', olderThan)
      .orderBy('update_time')
      .limit(100)
      .execute();
    return rows.map(toFlow);
  }

  async update(
    id: string,
    patch: Partial<Pick<ProviderFlow, 'state' | 'stateReason' | 'externalId' | 'signUrl' | 'providerRef'>>,
  ): Promise<ProviderFlow> {
    await this.db
      .updateTable('provider_flows')
      .set({
        ...(patch.state === undefined ? {} : { state: patch.state }),
        ...(patch.stateReason === undefined ? {} : { state_reason: patch.stateReason }),
        ...(patch.externalId === undefined ? {} : { external_id: patch.externalId }),
        ...(patch.signUrl === undefined ? {} : { sign_url: patch.signUrl }),
        ...(patch.providerRef === undefined ? {} : { provider_ref: JSON.stringify(patch.providerRef) }),
        update_time: Date.now(),
      })
      .where('id', '=', id)
      .execute();
    return (await this.get(id))!;
  }

  /** Marks a flow as polled without changing it (so reconciliation spaces its polls). */
  async touch(id: string): Promise<void> {
    await this.db.updateTable('provider_flows').set({ update_time: Date.now() }).where('id', '=', id).execute();
  }
}

export interface ProviderEvent {
  id: string;
  provider: string;
  eventKey: string;
  payload: string;
  receivedTime: number;
  processedTime: number | null;
}

/** Callback events, stored before they are acknowledged; a duplicate key is recorded once. */
export class ProviderEventRepository {
  constructor(private readonly db: Db) {}

  /** Stores a new event; returns undefined when the same event was already received. */
  async record(provider: string, eventKey: string, payload: string): Promise<ProviderEvent | undefined> {
    const event = {
      id: randomUUID(),
      provider,
      event_key: eventKey,
      payload,
      received_time: Date.now(),
      processed_time: null,
      outcome: '',
    };
    const inserted = await this.db
      .insertInto('provider_events')
      .values(event)
      .onConflict((oc) => oc.columns(['provider', 'event_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;
    return { id: event.id, provider, eventKey, payload, receivedTime: event.received_time, processedTime: null };
  }

  async markProcessed(id: string, outcome: string): Promise<void> {
    await this.db.updateTable('provider_events').set({ processed_time: Date.now(), outcome }).where('id', '=', id).execute();
  }

  async unprocessed(): Promise<ProviderEvent[]> {
    const rows = await this.db
      .selectFrom('provider_events')
      .selectAll()
      .where('processed_time', 'is', null)
      .orderBy('received_time')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      provider: row.provider,
      eventKey: row.event_key,
      payload: row.payload,
      receivedTime: Number(row.received_time),
      processedTime: null,
    }));
  }

  async count(provider: string): Promise<number> {
    const row = await this.db
      .selectFrom('provider_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('provider', '=', provider)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

export interface ProviderAccountProfile {
  name: string;
  idNo?: string;
  idType?: number;
  mobile?: string;
  email?: string;
  /** The organisation this person acts for as its agent (经办人). */
  organization?: { name: string; idNo: string; idType: number; legalName?: string };
}

export interface ProviderAccount {
  provider: string;
  account: string;
  profile: ProviderAccountProfile;
  externalId: string | null;
  organizationExternalId: string | null;
  updateTime: number;
}

/** The provider-account directory: identity data a provider needs for our accounts. */
/** Identity numbers are stored encrypted (AES-256-GCM bound to provider, account and field), the rest of the profile as JSON. */
const SEALED = /^v[12]\.[\w-]+\.[\w-]+\.[\w-]+$/;

export class ProviderAccountRepository {
  constructor(
    private readonly db: Db,
    /** SEAL_MASTER_KEY; without it (tests of the repository alone) identity numbers stay plain. */
    private readonly masterKey?: Buffer,
  ) {}

  private sealProfile(provider: string, account: string, profile: ProviderAccountProfile): ProviderAccountProfile {
    const key = this.masterKey;
    if (!key) return profile;
    const seal = (value: string, field: string) =>
      SEALED.test(value) ? value : encryptPrivateKey(value, key, `provider-account:${provider}:${account}:${field}`);
    return {
      ...profile,
      ...(profile.idNo === undefined ? {} : { idNo: seal(profile.idNo, 'idNo') }),
      ...(profile.organization
        ? { organization: { ...profile.organization, idNo: seal(profile.organization.idNo, 'organization.idNo') } }
        : {}),
    };
  }

  private openProfile(provider: string, account: string, profile: ProviderAccountProfile): ProviderAccountProfile {
    const key = this.masterKey;
    if (!key) return profile;
    const open = (value: string, field: string) =>
      SEALED.test(value) ? decryptPrivateKey(value, key, `provider-account:${provider}:${account}:${field}`) : value;
    return {
      ...profile,
      ...(profile.idNo === undefined ? {} : { idNo: open(profile.idNo, 'idNo') }),
      ...(profile.organization
        ? { organization: { ...profile.organization, idNo: open(profile.organization.idNo, 'organization.idNo') } }
        : {}),
    };
  }

  /** Encrypts identity numbers stored before they were encrypted at rest; returns how many rows. */
  async encryptPlainIdentities(): Promise<number> {
    if (!this.masterKey) return 0;
    let migrated = 0;
    for (const row of await this.db.selectFrom('provider_accounts').selectAll().execute()) {
      const profile = JSON.parse(row.profile) as ProviderAccountProfile;
      const sealed = JSON.stringify(this.sealProfile(row.provider, row.account, profile));
      if (sealed === row.profile) continue;
      await this.db
        .updateTable('provider_accounts')
        .set({ profile: sealed })
        .where('provider', '=', row.provider)
        .where('account', '=', row.account)
        .where('profile', '=', row.profile)
        .execute();
      migrated++;
    }
    return migrated;
  }

  async put(provider: string, account: string, profile: ProviderAccountProfile): Promise<ProviderAccount> {
    const existing = await this.get(provider, account);
    // New identity data means the provider account must be looked up again.
    const sameIdentity = existing && existing.profile.idNo === profile.idNo && existing.profile.idType === profile.idType;
    const sameOrganization =
      existing && JSON.stringify(existing.profile.organization ?? null) === JSON.stringify(profile.organization ?? null);
    const row = {
      provider,
      account,
      profile: JSON.stringify(this.sealProfile(provider, account, profile)),
      external_id: sameIdentity ? existing.externalId : null,
      organization_external_id: sameIdentity && sameOrganization ? existing.organizationExternalId : null,
      update_time: Date.now(),
    };
    await this.db
      .insertInto('provider_accounts')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['provider', 'account']).doUpdateSet({
          profile: row.profile,
          external_id: row.external_id,
          organization_external_id: row.organization_external_id,
          update_time: row.update_time,
        }),
      )
      .execute();
    return (await this.get(provider, account))!;
  }

  async get(provider: string, account: string): Promise<ProviderAccount | undefined> {
    const row = await this.db
      .selectFrom('provider_accounts')
      .selectAll()
      .where('provider', '=', provider)
      .where('account', '=', account)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      provider: row.provider,
      account: row.account,
      profile: this.openProfile(row.provider, row.account, JSON.parse(row.profile) as ProviderAccountProfile),
      externalId: row.external_id,
      organizationExternalId: row.organization_external_id,
      updateTime: Number(row.update_time),
    };
  }

  /** Forgets every provider-side id of a provider (a provider environment started afresh knows none of them). */
  async forgetExternalIds(provider: string): Promise<void> {
    await this.db
      .updateTable('provider_accounts')
      .set({ external_id: null, organization_external_id: null })
      .where('provider', '=', provider)
      .execute();
  }

  async setExternalIds(provider: string, account: string, ids: { externalId?: string; organizationExternalId?: string }): Promise<void> {
    await this.db
      .updateTable('provider_accounts')
      .set({
        ...(ids.externalId === undefined ? {} : { external_id: ids.externalId }),
        ...(ids.organizationExternalId === undefined ? {} : { organization_external_id: ids.organizationExternalId }),
      })
      .where('provider', '=', provider)
      .where('account', '=', account)
      .execute();
  }
}
