// Start-up order: the port is bound first (so the real URL is known to everything built), every
// request and upgrade meets 503 NOT_READY until the app is attached, and a failed start frees the port.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import SqliteDatabase from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { type RunningService, startService } from '../../src/service.js';
import { ENGINE_KEY, tempDataDir, testServiceEnv } from '../helpers/service.js';

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

/** What a WebSocket upgrade is answered when it is refused. */
function upgradeAnswer(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${ENGINE_KEY}` } });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += String(chunk)));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: compared as text
        }
        resolve({ status: res.statusCode ?? 0, retryAfter: String(res.headers['retry-after'] ?? ''), body });
      });
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', reject);
  });
}

const PDF = Buffer.from('%PDF-1.7\n%%EOF\n');
const NOT_READY = { errno: 503, ecode: 'NOT_READY', error: expect.any(String), entities: [] };

describe('start-up', () => {
  const dataDirs: string[] = [];
  let service: RunningService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
    for (const dir of dataDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  const configFor = (env: Record<string, string> = {}) => {
    const dataDir = tempDataDir();
    dataDirs.push(dataDir);
    return loadConfig(testServiceEnv(dataDir, env));
  };

  it('answers 503 NOT_READY with Retry-After while wiring, then serves at the real port it named from the start', async () => {
    const during: Record<string, Answer> = {};
    let startingUrl = '';
    service = await startService(configFor({ DEMO_DATA: 'true' }), createLogger('silent'), {
      beforeAttach: async ({ url, port }) => {
        startingUrl = url;
        const auth = { authorization: `Bearer ${ENGINE_KEY}` };
        during.healthz = await answerOf(await fetch(`${url}/healthz`));
        during.readyz = await answerOf(await fetch(`${url}/readyz`));
        const form = new FormData();
        form.append('file', new Blob([PDF]), 'early.pdf');
        during.upload = await answerOf(await fetch(`${url}/file`, { method: 'PUT', body: form, headers: auth }));
        during.upgrade = await upgradeAnswer(`ws://127.0.0.1:${port}/signature/${randomUUID()}/events`);
      },
    });

    for (const [name, answer] of Object.entries(during)) {
      expect(answer.status, name).toBe(503);
      expect(answer.retryAfter, name).toBe('2');
      expect(answer.body, name).toEqual(NOT_READY);
    }

    // PORT=0: the URL names the port really bound, the same one the service was wired with.
    expect(service.port).toBeGreaterThan(0);
    expect(service.url).toBe(`http://127.0.0.1:${service.port}`);
    expect(startingUrl).toBe(service.url);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    // Built before the app was attached, with that URL: stored file URIs and the demo seals' certificates (CRL, OCSP).
    const form = new FormData();
    form.append('file', new Blob([PDF]), 'late.pdf');
    const upload = await fetch(`${service.url}/file`, { method: 'PUT', body: form, headers: { authorization: `Bearer ${ENGINE_KEY}` } });
    expect((await upload.json()).entities[0].uri).toMatch(new RegExp(`^${service.url}/file/[0-9a-f-]{36}$`));
    const seal = (await service.registry.list()).find((candidate) => candidate.certificatePem);
    const der = Buffer.from(seal!.certificatePem!.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('latin1');
    expect(der).toContain(`${service.url}/ca/crl`);
    expect(der).toContain(`${service.url}/ca/ocsp`);
  });

  it('closes the port when the start fails after binding, and rethrows', async () => {
    let port = 0;
    await expect(
      startService(configFor(), createLogger('silent'), {
        beforeAttach: async (bound) => {
          port = bound.port;
          throw new Error('wiring failed');
        },
      }),
    ).rejects.toThrow('wiring failed');
    expect(port).toBeGreaterThan(0);
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => probe.close(resolve));
  });

  it('rehearses two real stamps before serving and leaves nothing of them in the store, the audit trail or the outbox', async () => {
    const config = configFor({ DEMO_DATA: 'true' });
    const lines: any[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    });
    service = await startService(config, createLogger('info', sink));
    const rehearsed = lines.find((line) => line.msg === 'stamp path rehearsed');
    expect(rehearsed?.ms).toBeGreaterThan(0);
    // Nothing is logged of the rehearsal's stamps themselves.
    expect(lines.filter((line) => line.msg === 'seal applied')).toEqual([]);
    expect(fs.readdirSync(path.join(config.dataDir, 'tmp'))).toEqual([]);
    await service.close();
    service = undefined;
    const db = new SqliteDatabase(path.join(config.dataDir, 'signature.db'), { readonly: true });
    try {
      const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      expect(count('signatures')).toBe(0);
      expect(count('audit_entries')).toBe(0);
      expect(count('webhook_events')).toBe(0);
      // The seeded seals' images only: no rehearsal PDF.
      expect(db.prepare(`select count(*) as n from files where mime = 'application/pdf'`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
