import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { type TestService, jsonInit, startTestService } from '../helpers/service.js';
import { currentPdf, markedSignature, scanLastPage, stampAs, ticketFor, visit } from './helpers.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('proof for outsiders', () => {
  let service: TestService;
  let templatesDir: string;

  beforeAll(async () => {
    // The shipped 在读证明 template, asking for a verification mark in its schema.
    templatesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    for (const file of fs.readdirSync('templates').filter((f) => f.startsWith('enrolment-certificate.')))
      fs.copyFileSync(path.join('templates', file), path.join(templatesDir, file));
    const schemaFile = path.join(templatesDir, 'enrolment-certificate.schema.json');
    fs.writeFileSync(
      schemaFile,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(schemaFile, 'utf8')), 'x-verification-mark': { shareable: false } }),
    );
    // A generous conversion deadline: LibreOffice shares the machine with the rest of the suite.
    service = await startTestService({
      DEMO_DATA: 'true',
      VERIFY_CODE_RATE_LIMIT: '40',
      TEMPLATES_DIR: templatesDir,
      CONVERT_TIMEOUT_MS: '120000',
    });
  });
  afterAll(() => fs.rmSync(templatesDir, { recursive: true, force: true }));
  afterAll(() => service.stop());

  it('prints a QR code that a phone can read; its URL shows the registered document, its seals and the sha256 of the genuine revision', async () => {
    const created = await markedSignature(service);
    const stamped = await stampAs(service, created.id);
    const pdf = await currentPdf(service, stamped);
    const url = scanLastPage(pdf);
    expect(url).toMatch(new RegExp(`^${service.url}/v/[0-9A-Z]{24}$`));
    const page = await visit(url!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(sha256(pdf));
    expect(html).toContain('示范大学合同专用章');
    expect(html).toContain('有效且可信');
    expect(html).toContain('已盖 1 / 1 个印章');
    // Not shareable: neither the document's name nor a download.
    expect(html).not.toContain('certificate.pdf');
    expect((await visit(`${url}/document.pdf`)).status).toBe(404);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    // English on request.
    expect(await (await visit(`${url}?lang=en`)).text()).toContain('1 of 1 seals applied');
    // Each view is in the audit trail.
    const viewed = (await service.json(`/signature/${created.id}/audit`)).body.entities[0].entries.filter(
      (e: any) => e.type === 'code.viewed',
    );
    expect(viewed.length).toBeGreaterThanOrEqual(2);
    expect(viewed[0]).toMatchObject({ actor: 'public', data: { ip: expect.stringContaining('127.0.0.1') } });
    // The mark was drawn before the seal: the seal's signature is valid over it.
    const report = (await service.json(`/signature/${created.id}/verify`)).body.entities[0];
    expect(report.valid).toBe(true);
  });

  it('answers unknown, malformed and withdrawn codes with the same 404, and limits the rate per client', async () => {
    const created = await markedSignature(service, { shareable: true });
    const codes = (await service.json(`/signature/${created.id}/verification-codes`)).body.entities;
    expect(codes).toHaveLength(1);
    const url = codes[0].url as string;
    const ok = await visit(url);
    expect(ok.status).toBe(200);
    const okHtml = await ok.text();
    expect(okHtml).toContain('certificate.pdf'); // shareable: the name and the download
    expect((await visit(`${url}/document.pdf`)).status).toBe(200);

    const unknown = await visit(`${service.url}/v/${'0'.repeat(24)}`);
    const malformed = await visit(`${service.url}/v/xyz`);
    const withdraw = await service.json(`/signature/${created.id}/verification-codes/${codes[0].code}`, { method: 'DELETE' });
    expect(withdraw.body.entities[0].withdrawn).toBe(1);
    const withdrawn = await visit(url);
    const bodies = await Promise.all([unknown, malformed, withdrawn].map((r) => r.text()));
    expect([unknown.status, malformed.status, withdrawn.status]).toEqual([404, 404, 404]);
    expect(new Set(bodies).size).toBe(1);
    expect((await visit(`${url}/document.pdf`)).status).toBe(404);

    // Code pages are rate-limited per client address (a service of its own, so this window does not
    // spill into the other tests of this file).
    const limitedService = await startTestService({ VERIFY_CODE_RATE_LIMIT: '5' });
    try {
      let limited: Response | undefined;
      for (let i = 0; i < 20 && !limited; i++) {
        const response = await visit(`${limitedService.url}/v/${'1'.repeat(24)}`);
        if (response.status === 429) limited = response;
      }
      expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await limitedService.stop();
    }
  });

  it('keeps a hash-chained audit trail that reports an edited or deleted entry, and exports it as an evidence PDF that pdfsig accepts', async () => {
    const created = await markedSignature(service, null);
    await stampAs(service, created.id);
    const audit = (await service.json(`/signature/${created.id}/audit`)).body.entities[0];
    expect(audit.intact).toBe(true);
    const types = audit.entries.map((e: any) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'signature.created',
        'signing_page.opened',
        'signature.updated',
        'signature.seal_applied',
        'signature.completed',
      ]),
    );
    const opened = audit.entries.find((e: any) => e.type === 'signing_page.opened');
    expect(opened).toMatchObject({ actor: 'zhaoliu', data: { account: 'zhaoliu', userAgent: 'proof-test-agent' } });
    expect(opened.data.ip).toMatch(/127\.0\.0\.1/);
    for (let i = 1; i < audit.entries.length; i++) expect(audit.entries[i].prevHash).toBe(audit.entries[i - 1].hash);

    const evidence = new Uint8Array(await (await service.api(`/signature/${created.id}/audit/evidence.pdf`)).arrayBuffer());
    const nss = nssDbTrusting([await (await service.api('/ca.pem')).text()]);
    const [checked] = pdfsig(nss, evidence);
    expect(checked).toMatchObject({
      signatureValidation: 'Signature is Valid.',
      certificateValidation: 'Certificate is Trusted.',
      totalDocumentSigned: true,
    });
    // A report changed by one byte inside the signed range no longer verifies.
    const forged = evidence.slice();
    const byteRange = /\/ByteRange\s*\[\s*0\s+(\d+)/.exec(Buffer.from(evidence).toString('latin1'))!;
    const at = Math.floor(Number(byteRange[1]) / 2);
    forged[at] ^= 0x01;
    expect(pdfsig(nss, forged)[0].signatureValidation).not.toBe('Signature is Valid.');

    // Tampering with the stored log, as someone with database access would.
    const db = new SqliteDatabase(path.join(service.dataDir, 'signature.db'));
    try {
      db.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE signature_id = ? AND type = 'signing_page.opened'").run(created.id);
      let chain = (await service.json(`/signature/${created.id}/audit`)).body.entities[0];
      expect(chain.intact).toBe(false);
      expect(chain.breaks).toEqual([{ seq: opened.seq, reason: expect.stringContaining('edited') }]);
      db.prepare("UPDATE audit_entries SET actor = 'zhaoliu' WHERE signature_id = ? AND type = 'signing_page.opened'").run(created.id);
      expect((await service.json(`/signature/${created.id}/audit`)).body.entities[0].intact).toBe(true);

      db.prepare('DELETE FROM audit_entries WHERE signature_id = ? AND seq = 2').run(created.id);
      chain = (await service.json(`/signature/${created.id}/audit`)).body.entities[0];
      expect(chain.intact).toBe(false);
      expect(chain.breaks.map((b: any) => b.seq)).toContain(3);
      expect(chain.breaks[0].reason).toContain('missing');

      const last = audit.entries.at(-1);
      db.prepare('DELETE FROM audit_entries WHERE signature_id = ? AND seq = ?').run(created.id, last.seq);
      chain = (await service.json(`/signature/${created.id}/audit`)).body.entities[0];
      expect(chain.breaks.some((b: any) => b.reason.includes('removed from the end'))).toBe(true);
      // The evidence report says so too.
      const broken = new Uint8Array(await (await service.api(`/signature/${created.id}/audit/evidence.pdf`)).arrayBuffer());
      expect(pdfsig(nss, broken)[0].signatureValidation).toBe('Signature is Valid.');
    } finally {
      db.close();
    }
  });

  it('refuses webhook URLs outside the allow-list at registration', async () => {
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://localhost/hook',
      'http://10.1.2.3/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest',
      'ftp://example.com/x',
      'https://user:pw@example.com/x',
    ]) {
      const refused = await service.json('/webhooks', jsonInit('POST', { url, events: ['signature.seal_applied'] }));
      expect(refused.status, url).toBe(422);
      expect(refused.body.ecode).toBe('WEBHOOK_URL_NOT_ALLOWED');
    }
    const accepted = await service.json(
      '/webhooks',
      jsonInit('POST', { url: 'https://archive.example.edu.cn/hooks', events: ['signature.completed'] }),
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.entities[0].secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = (await service.json('/webhooks')).body.entities;
    expect(JSON.stringify(listed)).not.toContain(accepted.body.entities[0].secret);
    const db = new SqliteDatabase(path.join(service.dataDir, 'signature.db'), { readonly: true });
    const stored = db.prepare('SELECT secret FROM webhook_subscriptions WHERE id = ?').get(accepted.body.entities[0].id) as {
      secret: string;
    };
    db.close();
    expect(stored.secret).not.toContain(accepted.body.entities[0].secret); // encrypted at rest
    const unknownEvent = await service.json(
      '/webhooks',
      jsonInit('POST', { url: 'https://archive.example.edu.cn/hooks', events: ['nope'] }),
    );
    expect(unknownEvent.status).toBe(400);
    await service.json(`/webhooks/${accepted.body.entities[0].id}`, { method: 'DELETE' });
  });

  it('marks documents of a template that asks for it, now or when generated later, and records template and data hash', async () => {
    const data = JSON.parse(fs.readFileSync(path.join(templatesDir, 'enrolment-certificate.sample.json'), 'utf8'));
    const now = await service.json('/signature', jsonInit('POST', { template: 'enrolment-certificate', data }));
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    const url = scanLastPage(await currentPdf(service, now.body.entities[0]));
    const codes = (await service.json(`/signature/${now.body.entities[0].id}/verification-codes`)).body.entities;
    expect(url).toBe(codes[0].url);
    const generated = (await service.json(`/signature/${now.body.entities[0].id}/audit`)).body.entities[0].entries.find(
      (e: any) => e.type === 'document.generated',
    );
    expect(generated.data).toMatchObject({
      template: 'enrolment-certificate',
      dataSha256: createHash('sha256').update(JSON.stringify(data)).digest('hex'),
      verificationMark: true,
    });

    // Created without a document: the code is reserved, and drawn when the document is generated.
    const later = (await service.json('/signature', jsonInit('POST', { template: 'enrolment-certificate', generate: false }))).body
      .entities[0];
    const reserved = (await service.json(`/signature/${later.id}/verification-codes`)).body.entities[0];
    expect((await visit(reserved.url)).status).toBe(200);
    const made = await service.json(`/signature/${later.id}/document`, jsonInit('POST', { data }));
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(scanLastPage(await currentPdf(service, made.body.entities[0]))).toBe(reserved.url);
    // Without the template's wish or a request, no mark.
    const plain = await markedSignature(service, null);
    expect(scanLastPage(await currentPdf(service, plain))).toBeNull();
  }, 300_000);

  it('never lets the audit trail hold up stamping: with its table gone, the seal is still applied', async () => {
    const created = await markedSignature(service, null);
    const ticket = await ticketFor(service, created.id, 'zhaoliu', '赵六');
    const db = new SqliteDatabase(path.join(service.dataDir, 'signature.db'));
    try {
      db.exec('ALTER TABLE audit_entries RENAME TO audit_entries_away');
      const seals = (await service.json('/seals')).body.entities as any[];
      const version = (await service.json(`/signature/${created.id}`)).body.entities[0].version;
      const stamped = await service.json(
        `/sign/${created.id}/seals/0`,
        jsonInit('POST', { ticket, sealId: seals.find((s) => s.name === '示范大学合同专用章').id, version }, { auth: false }),
      );
      expect(stamped.status, JSON.stringify(stamped.body)).toBe(200);
      expect(stamped.body.entities[0].seals[0].state).toBe('signed');
    } finally {
      db.exec('ALTER TABLE audit_entries_away RENAME TO audit_entries');
      db.close();
    }
  });
});
