// Signing flows (spec 4.8–4.9): starting, whose turn it is, signing with the sandbox CA (or, for
// tests, as a compromised provider would), refusing, revoking, expiring — each change reported by
// callback.
import { PDFDocument } from '@cantoo/pdf-lib';
import type { CallbackSender } from './callbacks.js';
import { type DocPos, type PosBean, parsePages, placementsFor, SandboxAuthority, SigningFailure } from './signing.js';
import {
  FLOW_STATUS_TEXT,
  MAX_TIMER,
  type Flow,
  given,
  type Handlers,
  hexId,
  type Json,
  list,
  object,
  optInt,
  optNumber,
  optText,
  param,
  reqText,
  type SandboxContext,
  SandboxError,
  SEAL_TYPES,
  type Signer,
  timeText,
} from './state.js';

/** A compromised provider, for tests (see EsignSandbox.hostile). */
export interface Hostility {
  mode: 'none' | 'rewrite' | 'self-signed';
}

export function flowEngine(
  ctx: SandboxContext,
  authority: SandboxAuthority,
  callbacks: CallbackSender,
  downloadUrl: (docId: string) => string,
) {
  const { accounts, docs, flows } = ctx;
  const later = (ms: number, fn: () => void) => ctx.timers.later(ms, fn);
  const sendCallback = (payload: Json) => callbacks.send(payload);

  // Signing changes documents: one operation at a time, so two signers never sign the same bytes.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  function endFlow(flow: Flow, status: number, description?: string): void {
    flow.flowStatus = status;
    flow.endTime = timeText();
    sendCallback({
      action: 'SIGN_FLOW_FINISH',
      businessScence: flow.businessScene,
      flowId: flow.flowId,
      flowStatus: status,
      ...(description ? { statusDescription: description } : {}),
      createTime: flow.startTime,
      endTime: flow.endTime,
    });
  }

  /** Hands the flow to the signers whose turn it is (lowest signOrder still pending); schedules silent signers. */
  function advance(flow: Flow): void {
    if (flow.flowStatus !== 1) return;
    const pending = flow.signers.filter((s) => s.signStatus === 0 || s.signStatus === 1);
    if (pending.length === 0) return;
    const turn = Math.min(...pending.map((s) => s.signOrder));
    for (const signer of pending.filter((s) => s.signOrder === turn)) {
      if (signer.signStatus === 0) {
        signer.signStatus = 1;
        signer.recieveTime = timeText();
      }
      if (signer.autoSign && !signer.autoScheduled) {
        signer.autoScheduled = true;
        later(100, () => void sign(flow, signer).catch(() => undefined));
      }
    }
  }

  function start(flow: Flow): void {
    flow.flowStatus = 1;
    advance(flow);
    if (flow.signValidity !== undefined) {
      const wait = flow.signValidity - Date.now();
      if (wait < MAX_TIMER) later(wait, () => flow.flowStatus <= 1 && endFlow(flow, 5, '签署已过期'));
    }
  }

  function checkTurn(flow: Flow, signer: Signer): void {
    if (flow.flowStatus === 0) throw new SandboxError(1006, '签署流程尚未开始');
    if (flow.flowStatus !== 1) throw new SandboxError(1006, `签署流程${FLOW_STATUS_TEXT[flow.flowStatus] ?? '已结束'}`);
    if (signer.signStatus === 4) throw new SandboxError(1006, '您已拒签');
    if (signer.signStatus === 3) throw new SandboxError(1006, '签署失败');
    if (signer.signStatus === 0) throw new SandboxError(1007, '尚未轮到您签署（顺序签署：请等待前序签署人完成）');
  }

  const docIdsOf = (flow: Flow, signer: Signer) =>
    signer.docPosList
      ? flow.docs.map((d) => d.docId).filter((docId) => signer.docPosList!.some((p) => p.docId === docId))
      : flow.docs.map((d) => d.docId);

  const hostile: Hostility = { mode: 'none' };
  let rogue: Promise<SandboxAuthority> | undefined;
  async function hostileInput(
    bytes: Uint8Array,
    material: Parameters<SandboxAuthority['sign']>[2],
    account: { accountId: string; name: string; organization: boolean },
  ) {
    if (hostile.mode === 'rewrite') {
      const document = await PDFDocument.load(bytes, { updateMetadata: false });
      return { bytes: await document.save({ useObjectStreams: false }), material };
    }
    if (hostile.mode === 'self-signed') {
      rogue ??= SandboxAuthority.create();
      return { bytes, material: { ...material, key: await (await rogue).keyOf(account) } };
    }
    return { bytes, material };
  }

  function sign(flow: Flow, signer: Signer): Promise<void> {
    return serial(async () => {
      if (signer.signStatus === 2) return;
      checkTurn(flow, signer);
      const person = accounts.get(signer.accountId)!;
      const organization = signer.authorizationOrgId ? accounts.get(signer.authorizationOrgId) : undefined;
      const owner = organization ?? person;
      const handDrawn = signer.sealType === '0';
      const material = {
        key: await authority.keyOf({ accountId: owner.accountId, name: owner.name, organization: Boolean(organization) }),
        image: await authority.imageOf(
          handDrawn ? person.name : owner.name,
          handDrawn ? 'hand-drawn' : organization ? 'official' : 'personal',
        ),
        name: owner.name,
        reason: organization ? `e签宝签署：${flow.businessScene}（经办人：${person.name}）` : `e签宝签署：${flow.businessScene}`,
      };
      const signed = new Map<string, Buffer>();
      let failure: { docId: string; message: string } | undefined;
      for (const docId of docIdsOf(flow, signer)) {
        const doc = docs.get(docId)!;
        try {
          const positions = signer.docPosList?.filter((p) => p.docId === docId);
          const placements = await placementsFor(doc.bytes, positions, doc.firstPageHeight);
          const input = await hostileInput(doc.bytes, material, {
            accountId: owner.accountId,
            name: owner.name,
            organization: Boolean(organization),
          });
          signed.set(docId, Buffer.from(await authority.sign(input.bytes, placements, input.material)));
        } catch (error) {
          failure = { docId, message: error instanceof SigningFailure ? error.message : `签署失败：${(error as Error).message}` };
          break;
        }
      }
      if (flow.flowStatus !== 1) return; // ended while signing (revoked, expired)
      signer.signTime = timeText();
      if (failure) {
        signer.signStatus = 3;
        signer.signExplain = failure.message;
        sendCallback({
          action: 'SIGN_FLOW_UPDATE',
          accountId: signer.accountId,
          flowId: flow.flowId,
          docId: failure.docId,
          signTime: signer.signTime,
          signResult: 3,
          resultDescription: failure.message,
        });
        endFlow(flow, 4, failure.message);
        return;
      }
      for (const [docId, bytes] of signed) docs.get(docId)!.bytes = bytes;
      signer.signStatus = 2;
      for (const docId of signed.keys()) {
        sendCallback({
          action: 'SIGN_FLOW_UPDATE',
          accountId: signer.accountId,
          flowId: flow.flowId,
          docId,
          signTime: signer.signTime,
          signResult: 2,
        });
      }
      if (flow.signers.every((s) => s.signStatus === 2)) endFlow(flow, 2);
      else advance(flow);
    });
  }

  function refuse(flow: Flow, signer: Signer, reason: string): Promise<void> {
    return serial(async () => {
      if (signer.signStatus === 2) throw new SandboxError(1006, '您已完成签署，不能拒签');
      checkTurn(flow, signer);
      signer.signStatus = 4;
      signer.signExplain = reason.trim() || '签署人拒签';
      signer.signTime = timeText();
      sendCallback({
        action: 'SIGN_FLOW_UPDATE',
        accountId: signer.accountId,
        flowId: flow.flowId,
        docId: docIdsOf(flow, signer)[0],
        signTime: signer.signTime,
        signResult: 4,
        resultDescription: signer.signExplain,
      });
      endFlow(flow, 4, signer.signExplain);
    });
  }

  function flowOf(flowId: unknown): Flow {
    const flow = flows.get(String(flowId ?? ''));
    if (!flow) throw new SandboxError(1005, '签署流程不存在');
    return flow;
  }

  const handlers: Handlers = {
    '/sign/start': (body) => {
      const businessScene = reqText(body.businessScene, 'businessScene');
      const initiatorAccountId = optText(body.initiatorAccountId, 'initiatorAccountId');
      if (initiatorAccountId !== undefined && !accounts.has(initiatorAccountId)) throw new SandboxError(1002, '发起方账号不存在');
      const autoInitiate = optInt(body.autoInitiate, 'autoInitiate', [0, 1]) ?? 1;
      const redirectUrl = optText(body.redirectUrl, 'redirectUrl') ?? '';
      if (redirectUrl && !/^https?:\/\/[^\s]+$/i.test(redirectUrl)) throw param('redirectUrl 须为 http(s) 地址');
      const signValidity = optInt(body.signValidity, 'signValidity');
      if (signValidity !== undefined && signValidity <= Date.now()) throw param('signValidity 已过期');
      optInt(body.contractValidity, 'contractValidity');

      const docList = list(body.docList, 'docList');
      if (docList.length === 0) throw param('docList 不能为空');
      const flowDocs = docList.map((item, i) => {
        const entry = object(item, `docList[${i}]`);
        const docId = reqText(entry.docId, `docList[${i}].docId`);
        const doc = docs.get(docId);
        if (!doc) throw new SandboxError(1003, `合同 ${docId} 不存在`);
        return { docId, name: optText(entry.name, `docList[${i}].name`) ?? doc.name };
      });
      if (new Set(flowDocs.map((d) => d.docId)).size !== flowDocs.length) throw param('docList 中合同重复');

      const recipients = object(body.recipientList, 'recipientList');
      if (given(recipients.signerAppAuto)) throw new SandboxError(1000, '沙箱不支持对接平台自身签署（signerAppAuto）');
      const signerList = list(recipients.signerList, 'recipientList.signerList');
      if (signerList.length === 0) throw param('recipientList.signerList 不能为空');
      const signers: Signer[] = signerList.map((item, i) => {
        const field = `signerList[${i}]`;
        const s = object(item, field);
        const accountId = reqText(s.accountId, `${field}.accountId`);
        if (accounts.get(accountId)?.kind !== 'person') throw new SandboxError(1002, `签署人账号 ${accountId} 不存在`);
        const authorizationOrgId = optText(s.authorizationOrgId, `${field}.authorizationOrgId`);
        if (authorizationOrgId !== undefined) {
          const organization = accounts.get(authorizationOrgId);
          if (organization?.kind !== 'organization') throw new SandboxError(1002, `授权企业 ${authorizationOrgId} 不存在`);
          if (organization.agentAccountId !== accountId) throw new SandboxError(1002, `签署人不是企业“${organization.name}”的经办人`);
        }
        const signOrder = optInt(s.signOrder, `${field}.signOrder`) ?? 1;
        if (signOrder < 1) throw param(`${field}.signOrder 须大于 0`);
        const sealType = (optText(s.sealType, `${field}.sealType`) ?? '').replace(/\s/g, '');
        if (!SEAL_TYPES.has(sealType)) throw param(`${field}.sealType 只能是 0、1 或 0,1`);
        optInt(s.certType, `${field}.certType`, [1, 2, 3, 4, 5]);
        const docPosList = given(s.docPosList)
          ? list(s.docPosList, `${field}.docPosList`).map((p, j) => docPos(p, `${field}.docPosList[${j}]`))
          : undefined;
        return {
          accountId,
          authorizationOrgId,
          signOrder,
          autoSign: optInt(s.autoSign, `${field}.autoSign`, [0, 1]) === 1,
          sealType,
          docPosList,
          signStatus: 0,
        };
      });
      if (new Set(signers.map((s) => s.accountId)).size !== signers.length) throw param('同一签署人在一个流程中只能出现一次');

      function docPos(item: unknown, field: string): DocPos {
        const p = object(item, field);
        const docId = reqText(p.docId, `${field}.docId`);
        const doc = docs.get(docId);
        if (!doc || !flowDocs.some((d) => d.docId === docId)) throw new SandboxError(1003, `${field}.docId 不在 docList 中`);
        const signType = optInt(p.signType, `${field}.signType`, [1, 2, 3]);
        if (signType === undefined) throw param(`${field}.signType 不能为空（1 关键字、2 坐标、3 骑缝）`);
        optInt(p.qrcodeSign, `${field}.qrcodeSign`, [0, 1]);
        const beans = list(p.posBeanList, `${field}.posBeanList`).map((b, k): PosBean => {
          const f = `${field}.posBeanList[${k}]`;
          const bean = object(b, f);
          const parsed: PosBean = {
            posPage: optText(bean.posPage, `${f}.posPage`),
            posX: optNumber(bean.posX, `${f}.posX`),
            posY: optNumber(bean.posY, `${f}.posY`),
            key: optText(bean.key, `${f}.key`),
            scale: optNumber(bean.scale, `${f}.scale`),
          };
          if (parsed.scale !== undefined && !(parsed.scale > 0 && parsed.scale <= 1000)) throw param(`${f}.scale 须在 0–1000 之间`);
          if (signType === 1 && !parsed.key?.trim()) throw param(`${f}.key 关键字定位时不可空`);
          if (signType === 2) {
            if (parsed.posPage === undefined || parsed.posX === undefined || parsed.posY === undefined)
              throw param(`${f} 坐标定位时 posPage、posX、posY 必填`);
            const pages = parsePages(parsed.posPage);
            if (!pages) throw param(`${f}.posPage 格式不正确（如 "1-3,5"）`);
            if (pages.some((page) => page > doc.pageCount)) throw param(`${f}.posPage 超出文档页数（${doc.pageCount} 页）`);
          }
          if (signType === 3 && parsed.posPage !== undefined && !parsePages(parsed.posPage)) throw param(`${f}.posPage 格式不正确`);
          return parsed;
        });
        if (signType !== 3 && beans.length === 0) throw param(`${field}.posBeanList 不能为空`);
        return { docId, signType: signType as 1 | 2 | 3, posBeanList: beans };
      }

      const flow: Flow = {
        flowId: hexId(),
        businessScene,
        initiatorAccountId,
        flowStatus: 0,
        redirectUrl,
        docs: flowDocs,
        signers,
        signValidity,
        startTime: timeText(),
      };
      flows.set(flow.flowId, flow);
      if (autoInitiate === 1) start(flow);
      return {
        flowId: flow.flowId,
        signUrlList: signers
          .filter((s) => !s.autoSign)
          .map((s) => ({ accountId: s.accountId, signUrl: [`${ctx.base}/h5/sign/${flow.flowId}/${s.accountId}`] })),
      };
    },
    '/sign/execute': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      if (flow.flowStatus !== 0) throw new SandboxError(1006, '签署流程不在草稿状态');
      start(flow);
      return undefined;
    },
    '/sign/revoke': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      if (flow.flowStatus > 1) throw new SandboxError(1006, `签署流程${FLOW_STATUS_TEXT[flow.flowStatus]}，不能撤销`);
      endFlow(flow, 3, '发起方撤销签署');
      return undefined;
    },
    '/sign/download': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      return flow.docs.map((d) => ({ docId: d.docId, docUrl: downloadUrl(d.docId) }));
    },
    '/sign/docdetail': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      return {
        flowId: flow.flowId,
        businessScene: flow.businessScene,
        ...(flow.initiatorAccountId ? { initiatorAccountId: flow.initiatorAccountId } : {}),
        flowStatus: flow.flowStatus,
        ...(flow.signValidity !== undefined ? { signValidity: timeText(new Date(flow.signValidity)) } : {}),
        startTime: flow.startTime,
        ...(flow.endTime ? { endTime: flow.endTime } : {}),
        signInfo: flow.docs.map((d) => ({
          docId: d.docId,
          docName: d.name,
          signDetail: flow.signers
            .filter((s) => docIdsOf(flow, s).includes(d.docId))
            .map((s) => ({
              accountId: s.accountId,
              ...(s.authorizationOrgId ? { authorizationOrgId: s.authorizationOrgId } : {}),
              signStatus: s.signStatus,
              ...(s.recieveTime ? { recieveTime: s.recieveTime } : {}),
              ...(s.signTime ? { signTime: s.signTime } : {}),
              ...(s.signExplain ? { signExplain: s.signExplain } : {}),
            })),
        })),
      };
    },
  };

  return { handlers, hostile, sign, refuse, endFlow, flowOf, docIdsOf, idle: () => queue.catch(() => undefined) };
}
