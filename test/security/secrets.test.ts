import { createCipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startService } from '../../src/service.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { ENGINE_KEY, jsonInit, startTestService, tempDataDir, uploadFile } from '../helpers/service.js';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

/** How keys were sealed before they were bound to their seal: AES-256-GCM with one fixed AAD. */
function legacySeal(pem: string, masterKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from('infoplus-signature seal private key'));
  const ciphertext = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

describe('secrets hygiene', () => {
  it('refuses short secrets at start-up, naming the variable', () => {
    expect(() => loadConfig({ DIGEST_CODE: 'c', DIGEST_SECRET: 'short' })).toThrow(/DIGEST_SECRET/);
    expect(() => loadConfig({ ESIGN_BASE_URL: 'https://e.example', ESIGN_PROJECT_ID: 'p', ESIGN_PROJECT_SECRET: 'short' })).toThrow(
      /ESIGN_PROJECT_SECRET/,
    );
    expect(() =>
      loadConfig({ SPACESIGN_BASE_URL: 'https://s.example', SPACESIGN_API_KEY: 'k', SPACESIGN_WEBHOOK_SECRET: 'too-short-secret' }),
    ).toThrow(/SPACESIGN_WEBHOOK_SECRET/);
    const zoho = {
      ZOHO_ACCOUNTS_URL: 'https://a.example',
      ZOHO_API_URL: 'https://z.example',
      ZOHO_CLIENT_ID: 'i',
      ZOHO_CLIENT_SECRET: 's',
      ZOHO_REFRESH_TOKEN: 'r',
    };
    expect(() => loadConfig({ ...zoho, ZOHO_WEBHOOK_TOKEN: 'short-token' })).toThrow(/ZOHO_WEBHOOK_TOKEN/);
    expect(() => loadConfig({ DIGEST_CODE: 'c', DIGEST_SECRET: 'a-long-enough-digest-secret' })).not.toThrow();
  });

  it('never logs the Zoho webhook path token', async () => {
    const token = `zoho-${randomBytes(18).toString('hex')}`;
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const dataDir = tempDataDir();
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      ENGINE_KEYS: ENGINE_KEY,
      OFFICE_START: 'lazy',
      LOG_LEVEL: 'debug',
      ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:9/accounts',
      ZOHO_API_URL: 'http://127.0.0.1:9/api',
      ZOHO_CLIENT_ID: 'id',
      ZOHO_CLIENT_SECRET: 'secret-0123456789',
      ZOHO_REFRESH_TOKEN: 'refresh-0123456789',
      ZOHO_WEBHOOK_TOKEN: token,
    });
    const service = await startService(config, createLogger('debug', sink));
    try {
      await fetch(`${service.url}/callbacks/zoho/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"requests":{}}',
      });
      await fetch(`${service.url}/callbacks/zoho/${token}x?token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(lines.some((line) => line.includes('/callbacks/zoho/[redacted]'))).toBe(true);
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      await service.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('creates the data directory 0700 and the database and secrets.json 0600', async () => {
    const dataDir = path.join(tempDataDir(), 'data');
    const service = await startTestService({}, dataDir);
    try {
      await service.json('/seals');
      expect(mode(dataDir)).toBe(0o700);
      for (const name of ['signature.db', 'signature.db-wal', 'secrets.json']) expect(mode(path.join(dataDir, name)), name).toBe(0o600);
    } finally {
      await service.stop();
    }
  });

  it('binds each encrypted seal key to its seal id (a key copied to another seal does not decrypt), migrating old keys', async () => {
    const dataDir = tempDataDir();
    let service = await startTestService({ DEMO_DATA: 'true' }, dataDir);
    const pdf = (await uploadFile(service, sofficePdf(docxOf(['密钥测试'])), 'k.pdf')).body.entities[0];
    const seals = (await service.json('/seals')).body.entities;
    const zhangsan = seals.find((seal: any) => seal.name === '张三');
    const lisi = seals.find((seal: any) => seal.name === '李四');
    const stampWith = async (sealId: string, account: string) => {
      const signature = (await service.json('/signature', jsonInit('POST', { file: pdf.id, seals: [{ signer: { account } }] }))).body
        .entities[0];
      const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account }))).body.entities[0].ticket;
      return service.json(
        `/sign/${signature.id}/seals/0`,
        jsonInit('POST', { ticket, sealId, version: signature.version }, { auth: false }),
      );
    };
    await service.close();

    const master = Buffer.from(JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).sealMasterKey, 'base64');
    const db = new SqliteDatabase(path.join(dataDir, 'signature.db'));
    const keyOf = (id: string) =>
      (db.prepare('select encrypted_key from seals where id = ?').get(id) as { encrypted_key: string }).encrypted_key;
    expect(keyOf(zhangsan.id)).toMatch(/^v2\./);
    // An attacker with write access to the database moves zhangsan's key under lisi's seal.
    db.prepare('update seals set encrypted_key = ? where id = ?').run(keyOf(zhangsan.id), lisi.id);
    // And a key from before the binding (v1) is left for the start-up migration: lisi's original key cannot be recovered here,
    // so seal a fresh one the old way for zhangsan.
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    db.prepare('update seals set encrypted_key = ? where id = ?').run(legacySeal(pem, master), zhangsan.id);
    db.close();

    service = await startTestService({ DEMO_DATA: 'true' }, dataDir);
    try {
      const moved = await stampWith(lisi.id, 'lisi');
      expect(moved).toMatchObject({ status: 500, body: { ecode: 'KEY_DECRYPT_FAILED' } });
      const check = new SqliteDatabase(path.join(dataDir, 'signature.db'), { readonly: true });
      const migrated = (check.prepare('select encrypted_key from seals where id = ?').get(zhangsan.id) as { encrypted_key: string })
        .encrypted_key;
      check.close();
      expect(migrated).toMatch(/^v2\./);
    } finally {
      await service.stop();
    }
  });

  it('stores identity numbers in the provider-account directory encrypted, migrating plain ones', async () => {
    const dataDir = tempDataDir();
    let service = await startTestService({ ESIGN_SANDBOX: 'true' }, dataDir);
    const idNo = '110101199001011234';
    const orgIdNo = '12100000400000000X';
    expect(
      (
        await service.json(
          '/provider-accounts/esign/zhaoliu',
          jsonInit('PUT', { name: '赵六', idNo, idType: 19, organization: { name: '示范大学', idNo: orgIdNo, idType: 11 } }),
        )
      ).status,
    ).toBe(200);
    const shown = (await service.json('/provider-accounts/esign/zhaoliu')).body.entities[0];
    expect(JSON.stringify(shown)).not.toContain(idNo);
    await service.close();

    const db = new SqliteDatabase(path.join(dataDir, 'signature.db'));
    const raw = (db.prepare("select profile from provider_accounts where account = 'zhaoliu'").get() as { profile: string }).profile;
    expect(raw).not.toContain(idNo);
    expect(raw).not.toContain(orgIdNo);
    // A row written before encryption at rest.
    db.prepare(
      "insert into provider_accounts (provider, account, profile, external_id, organization_external_id, update_time) values ('esign', 'wangba', ?, null, null, 0)",
    ).run(JSON.stringify({ name: '王八', idNo: '110101199202022345', idType: 19 }));
    db.close();

    service = await startTestService({ ESIGN_SANDBOX: 'true' }, dataDir);
    try {
      const check = new SqliteDatabase(path.join(dataDir, 'signature.db'), { readonly: true });
      const migrated = (check.prepare("select profile from provider_accounts where account = 'wangba'").get() as { profile: string })
        .profile;
      check.close();
      expect(migrated).not.toContain('110101199202022345');
      expect((await service.json('/provider-accounts/esign/wangba')).body.entities[0]).toMatchObject({ name: '王八' });
    } finally {
      await service.stop();
    }
  });
});
