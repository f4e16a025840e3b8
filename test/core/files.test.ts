import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JPEG_1X1, PNG_1X1, SVG, makeDocx, makePdf } from '../helpers/fixtures.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

describe('FileAPI file store', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ UPLOAD_LIMIT: '64kb' });
  });
  afterAll(() => service.stop());

  it('accepts PDF, DOCX, PNG, JPEG and SVG, deriving mime from the bytes not the name', async () => {
    const cases: Array<[Uint8Array, string, string]> = [
      [await makePdf(), 'wrong-name.png', 'application/pdf'],
      [makeDocx(), 'template.bin', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      [PNG_1X1, 'seal.jpg', 'image/png'],
      [JPEG_1X1, 'photo', 'image/jpeg'],
      [SVG, 'seal.svg', 'image/svg+xml'],
    ];
    for (const [bytes, name, mime] of cases) {
      const { status, body } = await uploadFile(service, bytes, name);
      expect(status, name).toBe(200);
      expect(body).toMatchObject({ errno: 0, ecode: 'SUCCEED' });
      expect(body.entities[0]).toMatchObject({ name, size: bytes.byteLength, mime });
      expect(body.entities[0].uri).toBe(`${service.url}/file/${body.entities[0].id}`);
    }
  });

  it('refuses bytes of any other type with 415, whatever the file is called', async () => {
    for (const [bytes, name] of [
      [Buffer.from('<html><script>alert(1)</script></html>'), 'evil.pdf'],
      [Buffer.from('MZ\x90\x00\x03\x00\x00\x00 not a pdf'), 'document.pdf'],
      [Buffer.from('just text'), 'a.docx'],
    ] as const) {
      const { status, body } = await uploadFile(service, bytes, name);
      expect(status).toBe(415);
      expect(body.ecode).toBe('UNSUPPORTED_FILE_TYPE');
    }
  });

  it('refuses an upload over the limit with 413 and stores nothing', async () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(70 * 1024, 0x20)]);
    const { status, body } = await uploadFile(service, big, 'big.pdf');
    expect(status).toBe(413);
    expect(body.ecode).toBe('FILE_TOO_LARGE');
  });

  it('serves the bytes with type, length, ETag and nosniff, and answers 304 to a matching ETag', async () => {
    const pdf = await makePdf('serve me');
    const { body } = await uploadFile(service, pdf, 'serve.pdf');
    const id = body.entities[0].id;
    const response = await service.api(`/file/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-length')).toBe(String(pdf.byteLength));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);
    const again = await service.api(`/file/${id}`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('serves SVG with a CSP that forbids script', async () => {
    const { body } = await uploadFile(service, SVG, 'seal.svg');
    const response = await service.api(`/file/${body.entities[0].id}`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox');
    expect(csp).not.toContain('script-src');
  });

  it('returns metadata, deletes unreferenced files, and refuses to delete a file a Signature uses', async () => {
    const { body: uploaded } = await uploadFile(service, await makePdf('meta'), 'meta.pdf');
    const id = uploaded.entities[0].id;
    const meta = await service.json(`/file/${id}/meta`);
    expect(meta.body.entities[0]).toMatchObject({ id, name: 'meta.pdf', mime: 'application/pdf' });

    const created = await service.json('/signature', jsonInit('POST', { file: id }));
    expect(created.status).toBe(200);
    const refused = await service.json(`/file/${id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.ecode).toBe('FILE_IN_USE');
    expect((await service.api(`/file/${id}`)).status).toBe(200);

    const { body: other } = await uploadFile(service, await makePdf('deletable'), 'deletable.pdf');
    const otherId = other.entities[0].id;
    expect((await service.json(`/file/${otherId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await service.json(`/file/${otherId}`)).status).toBe(404);
    expect((await service.json(`/file/${otherId}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps the blob while another file id shares the same bytes', async () => {
    const pdf = await makePdf('shared bytes');
    const a = (await uploadFile(service, pdf, 'a.pdf')).body.entities[0].id;
    const b = (await uploadFile(service, pdf, 'b.pdf')).body.entities[0].id;
    expect((await service.json(`/file/${a}`, { method: 'DELETE' })).status).toBe(200);
    const response = await service.api(`/file/${b}`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);
  });

  it('rejects ids that are not the service id format (no path traversal) with 400', async () => {
    for (const bad of ['..%2F..%2Fsignature.db', 'not-an-id', 'ABCDEF00-0000-4000-8000-000000000000']) {
      const { status, body } = await service.json(`/file/${bad}`);
      expect(status, bad).toBe(400);
      expect(body.ecode).toBe('INVALID_ID');
    }
    expect((await service.json('/file/2b1c1a8e-2f4e-4b8a-9c1d-0e6f1a2b3c4d')).status).toBe(404);
  });

  it('needs an engine credential to upload or delete', async () => {
    const { status, body } = await uploadFile(service, PNG_1X1, 'x.png', { auth: false });
    expect(status).toBe(401);
    expect(body).toMatchObject({ errno: 401, ecode: 'UNAUTHORIZED' });
  });
});
