// Accounts (spec 4.4): persons and organisations with their agent, unique by thirdId.
import {
  type Account,
  hexId,
  type Handlers,
  optInt,
  optText,
  ORGAN_TYPES,
  param,
  PERSON_ID_TYPES,
  reqText,
  type SandboxContext,
  SandboxError,
} from './state.js';

export function accountHandlers({ accounts }: SandboxContext): Handlers {
  function uniqueThirdId(thirdId: string | undefined): void {
    if (thirdId === undefined) return;
    if (Buffer.byteLength(thirdId, 'utf8') > 50) throw param('thirdId 最大支持 50 个字节');
    if ([...accounts.values()].some((a) => a.thirdId === thirdId)) throw new SandboxError(1001, '账号已存在');
  }
  const add = (account: Omit<Account, 'accountId'>) => {
    uniqueThirdId(account.thirdId);
    const created = { accountId: hexId(), ...account };
    accounts.set(created.accountId, created);
    return { accountId: created.accountId };
  };
  /** A person's id type (13–22); required unless `optional`. */
  const personIdType = (value: unknown, field: string, optional = false) => {
    const idType = optInt(value, field);
    if (idType === undefined ? !optional : !PERSON_ID_TYPES.has(idType)) throw param(`${field} 须为个人账号证件类型 13–22`);
    return idType;
  };

  return {
    '/account/create/person/private': (body) => {
      const thirdId = optText(body.thirdId, 'thirdId');
      const name = reqText(body.name, 'name');
      const idNo = reqText(body.idNo, 'idNo');
      const idType = personIdType(body.idType, 'idType')!;
      optText(body.mobile, 'mobile');
      optText(body.email, 'email');
      return add({ thirdId, kind: 'person', name, idNo, idType });
    },
    '/account/create/organize/private': (body) => {
      const thirdId = optText(body.thirdId, 'thirdId');
      const agentAccountId = reqText(body.agentAccountId, 'agentAccountId');
      const name = reqText(body.name, 'name');
      const organCode = reqText(body.organCode, 'organCode');
      const organType = optInt(body.organType, 'organType');
      if (organType === undefined || !ORGAN_TYPES.has(organType)) throw param('organType 须为企业账号证照类型 10、11、12');
      optText(body.legalName, 'legalName');
      const legalIdNo = optText(body.legalIdNo, 'legalIdNo');
      const legalIdType = personIdType(body.legalIdType, 'legalIdType', true);
      if (legalIdNo !== undefined && legalIdType === undefined) throw param('填写 legalIdNo 时 legalIdType 必填');
      optText(body.email, 'email');
      if (accounts.get(agentAccountId)?.kind !== 'person') throw new SandboxError(1002, '经办人账号不存在');
      return add({ thirdId, kind: 'organization', name, idNo: organCode, idType: organType, agentAccountId });
    },
    '/account/idexchange': (body) => {
      const thirdId = reqText(body.thirdId, 'thirdId');
      const account = [...accounts.values()].find((a) => a.thirdId === thirdId);
      if (!account) throw new SandboxError(1002, '账号不存在');
      return { accountId: account.accountId };
    },
  };
}
