import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { makePdf } from '../helpers/fixtures.js';
import { type TestService, jsonInit, uploadFile } from '../helpers/service.js';

export const ticketFor = async (service: TestService, id: string, account: string, name = account) =>
  (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account, name }))).body.entities[0].ticket as string;

/** A Signature over a fresh one-page PDF with one 合同专用章 slot (zhaoliu holds one in the demo data), with a verification mark unless `verificationMark` is null. */
export async function markedSignature(service: TestService, verificationMark: unknown = { shareable: false }, seals = 1) {
  const fileId = (await uploadFile(service, await makePdf('在读证明 Certificate of enrolment'), 'certificate.pdf')).body.entities[0].id;
  const slots = Array.from({ length: seals }, (_, i) => ({ x: 300, y: 200 + i * 150, permission: { sealTypes: ['合同专用章'] } }));
  const created = await service.json(
    '/signature',
    jsonInit('POST', { file: fileId, seals: slots, ...(verificationMark === null ? {} : { verificationMark }) }),
  );
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  return created.body.entities[0];
}

/** zhaoliu applies his 示范大学合同专用章 to seal `index` through the signing address. */
export async function stampAs(service: TestService, id: string, index = 0) {
  const seals = (await service.json('/seals')).body.entities as any[];
  const seal = seals.find((s) => s.name === '示范大学合同专用章');
  const ticket = await ticketFor(service, id, 'zhaoliu', '赵六');
  const page = await service.api(`/sign/${id}?seal=${index}&ticket=${encodeURIComponent(ticket)}`, {
    auth: false,
    headers: { 'user-agent': 'proof-test-agent' },
  });
  if (page.status !== 200) throw new Error(`signing page ${page.status}`);
  const version = (await service.json(`/signature/${id}`)).body.entities[0].version;
  const stamped = await service.json(`/sign/${id}/seals/${index}`, jsonInit('POST', { ticket, sealId: seal.id, version }, { auth: false }));
  if (stamped.status !== 200) throw new Error(JSON.stringify(stamped.body));
  return stamped.body.entities[0];
}

export async function currentPdf(service: TestService, signature: { uri: string }): Promise<Uint8Array> {
  const id = /\/file\/([^/?#]+)/.exec(signature.uri)![1];
  return new Uint8Array(await (await service.api(`/file/${id}`)).arrayBuffer());
}

/** What a phone camera does: render the last page (pdftoppm) and decode the QR code in it (jsQR). */
export function scanLastPage(pdf: Uint8Array): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qr-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    fs.writeFileSync(file, pdf);
    const pages = /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1];
    execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', '-f', pages, '-l', pages, file, path.join(dir, 'page')]);
    const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'page.png')));
    return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data ?? null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * GET as a visitor's browser would. Retries once when a kept-alive connection was closed by the
 * server just as it was reused (ECONNRESET after a long pause in a test under load).
 */
export async function visit(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    return fetch(url, init);
  }
}
