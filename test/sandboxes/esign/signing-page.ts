// The H5 signing page (spec 4.8's signUrl): shows the documents, signs or refuses as the signer.
import express, { type Express, type Request, type Response } from 'express';
import type { flowEngine } from './flows.js';
import { escapeHtml, FLOW_STATUS_TEXT, type Json, type SandboxContext, SandboxError } from './state.js';

export function signingPageRoutes(
  app: Express,
  ctx: SandboxContext,
  engine: ReturnType<typeof flowEngine>,
  downloadUrl: (docId: string) => string,
): void {
  const { flows, accounts } = ctx;
  const { sign, refuse, docIdsOf } = engine;
  const page = (title: string, content: string) =>
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} - e签宝（沙箱）</title>` +
    `<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.25rem;color:#1677ff}dt{color:#666}dd{margin:0 0 .5rem}` +
    `button{font-size:1rem;padding:.5rem 1.5rem;margin:.5rem .5rem 0 0;cursor:pointer}.sign{background:#1677ff;color:#fff;border:0;border-radius:4px}.refuse{background:#fff;border:1px solid #d9363e;color:#d9363e;border-radius:4px}` +
    `input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}.note{color:#8c6d1f;background:#fffbe6;padding:.5rem}</style></head>` +
    `<body><h1>e签宝（沙箱）</h1>${content}</body></html>`;
  const lookup = (req: Request) => {
    const flow = flows.get(String(req.params.flowId));
    const signer = flow?.signers.find((s) => s.accountId === req.params.accountId);
    return flow && signer ? { flow, signer } : undefined;
  };
  const invalid = (res: Response) => res.status(404).type('html').send(page('签署', '<p>签署地址无效。</p>'));

  app.get('/h5/sign/:flowId/:accountId', (req, res) => {
    const found = lookup(req);
    if (!found) return invalid(res);
    const { flow, signer } = found;
    const person = accounts.get(signer.accountId)!;
    const organization = signer.authorizationOrgId ? accounts.get(signer.authorizationOrgId) : undefined;
    const documents = flow.docs
      .filter((d) => docIdsOf(flow, signer).includes(d.docId))
      .map((d) => `<li><a href="${escapeHtml(downloadUrl(d.docId))}" target="_blank" rel="noopener">${escapeHtml(d.name)}</a></li>`)
      .join('');
    let state = '';
    if (flow.flowStatus !== 1) state = `<p class="note">签署流程${escapeHtml(FLOW_STATUS_TEXT[flow.flowStatus] ?? '已结束')}。</p>`;
    else if (signer.signStatus === 2) state = '<p class="note">您已完成签署。</p>';
    else if (signer.signStatus === 0) state = '<p class="note">尚未轮到您签署，请等待前序签署人完成。</p>';
    const action = `/h5/sign/${encodeURIComponent(flow.flowId)}/${encodeURIComponent(signer.accountId)}`;
    const forms =
      flow.flowStatus === 1 && signer.signStatus === 1
        ? `<form method="post" action="${action}/sign"><button class="sign" type="submit">签署</button></form>` +
          `<form method="post" action="${action}/refuse"><p><label>拒签原因（选填）<input name="reason" maxlength="200"></label></p><button class="refuse" type="submit">拒签</button></form>`
        : '';
    res
      .type('html')
      .send(
        page(
          '签署文件',
          `<dl><dt>业务场景</dt><dd>${escapeHtml(flow.businessScene)}</dd><dt>签署人</dt><dd>${escapeHtml(person.name)}${organization ? `（代表 ${escapeHtml(organization.name)} 盖章）` : ''}</dd>` +
            `<dt>待签文件</dt><dd><ul>${documents}</ul></dd></dl>${state}${forms}`,
        ),
      );
  });

  const act = (action: 'sign' | 'refuse') => async (req: Request, res: Response) => {
    const found = lookup(req);
    if (!found) return invalid(res);
    const { flow, signer } = found;
    try {
      if (action === 'sign') await sign(flow, signer);
      else await refuse(flow, signer, String((req.body as Json | undefined)?.reason ?? ''));
    } catch (error) {
      const message = error instanceof SandboxError ? error.message : `出错了：${(error as Error).message}`;
      return res
        .status(409)
        .type('html')
        .send(page('无法签署', `<p>${escapeHtml(message)}</p>`));
    }
    if (action === 'sign' && signer.signStatus !== 2) {
      return res
        .status(422)
        .type('html')
        .send(page('签署失败', `<p>签署失败：${escapeHtml(signer.signExplain ?? '')}</p>`));
    }
    if (flow.redirectUrl) return res.redirect(303, flow.redirectUrl);
    res.type('html').send(page(action === 'sign' ? '签署完成' : '已拒签', `<p>${action === 'sign' ? '签署完成' : '已拒签'}</p>`));
  };
  app.post('/h5/sign/:flowId/:accountId/sign', express.urlencoded({ extended: false, limit: '16kb' }), act('sign'));
  app.post('/h5/sign/:flowId/:accountId/refuse', express.urlencoded({ extended: false, limit: '16kb' }), act('refuse'));
}
