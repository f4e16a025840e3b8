import { DomainError } from '../errors.js';
import type { MfaGuard } from '../mfa/totp.js';
import type { SealProvider } from '../providers/provider.js';
import type { SealRegistry } from '../seals/registry.js';
import type { FileSigner, SignatureLocation } from '../stamping/file-signer.js';
import type { FileUris } from '../store/file-uri.js';
import type { SealRecord } from '../store/seals.js';
import { type Caller, actingAccount, requireAdmin } from './caller.js';
import { MAX_PAGE_SIZE } from './limits.js';

export interface GraphqlContext extends Record<PropertyKey, unknown> {
  caller: Caller;
}

export interface ResolverDeps {
  registry: SealRegistry;
  providers: Map<string, SealProvider>;
  fileSigner: FileSigner;
  mfa: MfaGuard;
  uris: FileUris;
  /** A person's display name from the directory (the account when unknown). */
  nameOf: (account: string) => Promise<string>;
  service: { name: string; version: string };
  maxFileSize: number;
  /** The local signer's algorithms and PAdES level as it signs today. */
  algorithms: () => string[];
  /** A ticket for the seal picker of one user (opens no Signature). */
  issuePickerTicket: (account: string, name: string) => { ticket: string; expiresAt: Date };
}

const PLACEMENT_ENUM = { coordinates: 'COORDINATES', keyword: 'KEYWORD', 'cross-page': 'CROSS_PAGE' } as const;

function sealView(seal: SealRecord, uris: FileUris, mfaIds: Set<string>) {
  return {
    id: seal.id,
    name: seal.name,
    type: seal.type,
    owner: seal.owner,
    ownerKind: seal.ownerKind === 'person' ? 'PERSON' : 'ORGANIZATION',
    holders: seal.holders,
    provider: seal.provider,
    enabled: !seal.disabled,
    imageUri: uris.forFile(seal.imageFileId),
    certificate: seal.certificatePem,
    keyAlgorithm: seal.keyAlgorithm,
    mfaRequired: mfaIds.has(seal.id),
    createTime: new Date(seal.createTime).toISOString(),
  };
}

interface SealFilter {
  owner?: string | null;
  type?: string | null;
  holder?: string | null;
  provider?: string | null;
  enabled?: boolean | null;
  ids?: string[] | null;
}

const cursorOf = (seal: SealRecord) => Buffer.from(JSON.stringify([seal.createTime, seal.id]), 'utf8').toString('base64url');

function afterCursor(token: string): [number, string] {
  try {
    const [time, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof time === 'number' && typeof id === 'string') return [time, id];
  } catch {
    // fall through
  }
  throw new DomainError('INVALID_CURSOR', 'after is not a nextToken this service issued.', [{ path: 'after', message: 'invalid' }]);
}

/** The root resolvers of schema.graphql; every decision is made by the registry, broker and signer they call. */
export function createRootValue(deps: ResolverDeps) {
  const { registry, uris } = deps;
  const pageSize = (requested: number | null | undefined): number => {
    const first = requested ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw new DomainError('INVALID_REQUEST', `first must be between 1 and ${MAX_PAGE_SIZE}.`, [
        { path: 'first', message: 'out of range' },
      ]);
    }
    return first;
  };
  /** One page of seals (listed by createTime, id), starting after the cursor's key. */
  const pageOf = async (matching: SealRecord[], first: number, after: string | null | undefined) => {
    let start = 0;
    if (after) {
      const [time, id] = afterCursor(after);
      start = matching.findIndex((seal) => seal.createTime > time || (seal.createTime === time && seal.id > id));
      if (start < 0) start = matching.length;
    }
    const page = matching.slice(start, start + first);
    const more = start + first < matching.length;
    const mfaIds = await deps.mfa.policy.requiredIds();
    return {
      seals: page.map((seal) => sealView(seal, uris, mfaIds)),
      nextToken: more ? cursorOf(page[page.length - 1]) : null,
      total: matching.length,
    };
  };
  return {
    async discovery(_args: unknown, context: GraphqlContext) {
      void context;
      const seals = await registry.list();
      const mfaIds = await deps.mfa.policy.requiredIds();
      const base = uris.publicUrl;
      return {
        service: { ...deps.service, apiVersion: 'v2' },
        pickerUrl: `${base}/seal-picker?ticket={ticket}`,
        endpoint: `${base}/graphql`,
        tokenUrl: `${base}/oauth/token`,
        placements: ['COORDINATES', 'KEYWORD', 'CROSS_PAGE'],
        keywordOrders: [0, 1, 2],
        defaultKeywordOrder: 2,
        defaultKeywordSeq: 1,
        sealTypes: [...new Set(seals.map((seal) => seal.type))].sort(),
        algorithms: deps.algorithms(),
        providers: [...deps.providers.values()].map((provider) => ({
          name: provider.name,
          mode: provider.capabilities.mode === 'sync' ? 'SYNC' : 'REDIRECT',
          placements: provider.capabilities.placements.map((kind) => PLACEMENT_ENUM[kind]),
          comment: provider.capabilities.comment,
        })),
        maxFileSize: deps.maxFileSize,
        mfa: {
          required: seals.some((seal) => mfaIds.has(seal.id)),
          methods: ['TOTP'],
          how: 'signFile(mfa: "<6-digit TOTP code of the signer>") for seals with mfaRequired; enrol with enrollTotp(account).',
          sealIds: seals.filter((seal) => mfaIds.has(seal.id)).map((seal) => seal.id),
        },
      };
    },

    async userSeals(args: { account?: string | null }, context: GraphqlContext) {
      const account = actingAccount(context.caller, args.account, 'seal:read');
      const mfaIds = await deps.mfa.policy.requiredIds();
      return (await registry.list()).filter((seal) => seal.holders.includes(account)).map((seal) => sealView(seal, uris, mfaIds));
    },

    async userSealsPage(args: { account?: string | null; first?: number | null; after?: string | null }, context: GraphqlContext) {
      const account = actingAccount(context.caller, args.account, 'seal:read');
      return pageOf(
        (await registry.list()).filter((seal) => seal.holders.includes(account)),
        pageSize(args.first),
        args.after,
      );
    },

    async adminSeals(args: { filter?: SealFilter | null; first?: number | null; after?: string | null }, context: GraphqlContext) {
      requireAdmin(context.caller);
      const first = pageSize(args.first);
      const filter = args.filter ?? {};
      const matching = (await registry.list()).filter(
        (seal) =>
          (filter.owner == null || seal.owner === filter.owner) &&
          (filter.type == null || seal.type === filter.type) &&
          (filter.holder == null || seal.holders.includes(filter.holder)) &&
          (filter.provider == null || seal.provider === filter.provider) &&
          (filter.enabled == null || seal.disabled !== filter.enabled) &&
          (filter.ids == null || filter.ids.includes(seal.id)),
      );
      return pageOf(matching, first, args.after);
    },

    async signFile(
      args: {
        file: string;
        signer?: string | null;
        mfa?: string | null;
        seal: string;
        sealAttr?: string | null;
        sealLoc?: SignatureLocation | null;
        comment?: string | null;
        commentLoc?: SignatureLocation | null;
        archive?: boolean | null;
        clientMutationId?: string | null;
      },
      context: GraphqlContext,
    ) {
      const account = actingAccount(context.caller, args.signer, 'seal:sign');
      const name = context.caller.kind === 'user' ? context.caller.name || account : await deps.nameOf(account);
      return deps.fileSigner.sign(context.caller.id, {
        file: String(args.file),
        signer: { account, name },
        sealId: args.seal,
        sealAttr: args.sealAttr,
        sealLoc: args.sealLoc,
        comment: args.comment,
        commentLoc: args.commentLoc,
        archive: args.archive,
        mfa: args.mfa,
        clientMutationId: args.clientMutationId,
      });
    },

    async pickerTicket(args: { account: string; name?: string | null }, context: GraphqlContext) {
      const account = actingAccount(context.caller, args.account, 'seal:read');
      const name = args.name?.trim() || (context.caller.kind === 'user' ? context.caller.name : await deps.nameOf(account));
      const { ticket, expiresAt } = deps.issuePickerTicket(account, name.slice(0, 200));
      return { ticket, url: `${uris.publicUrl}/seal-picker?ticket=${encodeURIComponent(ticket)}`, expiresAt: expiresAt.toISOString() };
    },

    async enrollTotp(args: { account: string }, context: GraphqlContext) {
      requireAdmin(context.caller);
      const account = args.account.trim();
      if (!account || account.length > 200)
        throw new DomainError('INVALID_REQUEST', 'Name the account to enrol.', [{ path: 'account', message: 'required' }]);
      const enrolment = await deps.mfa.totp.enrol(account);
      return { account, uri: enrolment.uri, qrPng: `data:image/png;base64,${Buffer.from(enrolment.qrPng).toString('base64')}` };
    },

    async setSealMfa(args: { seal: string; required: boolean }, context: GraphqlContext) {
      requireAdmin(context.caller);
      const seal = await registry.get(args.seal);
      await deps.mfa.policy.set(seal.id, args.required);
      return sealView(seal, uris, await deps.mfa.policy.requiredIds());
    },
  };
}
