import http from 'node:http';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makePdf } from '../helpers/fixtures.js';
import { type ChildService, REPO_ROOT, startChildService } from '../helpers/child.js';
import { ENGINE_KEY, tempDataDir } from '../helpers/service.js';

const auth = { authorization: `Bearer ${ENGINE_KEY}` };
const children: ChildService[] = [];

async function start(dataDir: string, env: Record<string, string> = {}) {
  const child = await startChildService({ DATA_DIR: dataDir, ENGINE_KEYS: ENGINE_KEY, ...env });
  children.push(child);
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.process.exitCode === null) child.process.kill('SIGKILL');
});

async function upload(url: string, bytes: Uint8Array): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'doc.pdf');
  const response = await fetch(`${url}/file`, { method: 'PUT', body: form, headers: auth });
  return ((await response.json()) as any).entities[0].id;
}

describe('the service as a process', () => {
  it('loses no acknowledged S2 when killed with SIGKILL', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    const fileId = await upload(first.url, await makePdf('crash'));
    const created = (await (
      await fetch(`${first.url}/signature`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ file: fileId, seals: [{}, {}] }),
      })
    ).json()) as any;
    const id = created.entities[0].id;

    let acknowledged: any;
    for (let i = 1; i <= 25; i++) {
      const response = await fetch(`${first.url}/signature/${id}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `revision ${i}`, seals: [{ index: i % 2, description: `step ${i}` }] }),
      });
      expect(response.status).toBe(200);
      acknowledged = ((await response.json()) as any).entities[0];
    }
    first.process.kill('SIGKILL');
    await first.exited;

    const second = await start(dataDir);
    const s1 = (await (await fetch(`${second.url}/signature/${id}`, { headers: auth })).json()) as any;
    expect(s1.entities[0]).toMatchObject({ name: 'revision 25', version: acknowledged.version });
    expect(s1.entities[0].seals.map((s: any) => s.description)).toEqual(['step 24', 'step 25']);
    const pdf = await fetch(`${second.url}/file/${fileId}`, { headers: auth });
    expect(pdf.status).toBe(200);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const dataDir = tempDataDir();
    const child = await start(dataDir);
    const pdf = Buffer.from(await makePdf('slow upload'));
    const boundary = 'x-boundary-123';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const { port } = new URL(child.url);
    const responded = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/file',
          method: 'PUT',
          headers: {
            ...auth,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': head.length + pdf.length + tail.length,
          },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.write(head);
      req.write(pdf.subarray(0, 100));
      setTimeout(() => {
        child.process.kill('SIGTERM');
        setTimeout(() => {
          req.write(pdf.subarray(100));
          req.end(tail);
        }, 300);
      }, 200);
    });
    const result = await responded;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body).entities[0].size).toBe(pdf.length);
    expect(await child.exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start on a bad variable, naming it', () => {
    const dataDir = tempDataDir();
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['BODY_LIMIT', 'lots'],
      ['TICKET_TTL', '5'],
      ['ENGINE_KEYS', 'short'],
      ['SEAL_MASTER_KEY', 'too-short'],
    ]) {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, DATA_DIR: dataDir, [name]: value },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status, name).toBe(78);
      expect(result.stderr).toContain(`Invalid configuration: ${name}`);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints where it listens and a generated dev key when ENGINE_KEYS is unset', async () => {
    const dataDir = tempDataDir();
    const child = await startChildService({ DATA_DIR: dataDir, ENGINE_KEYS: '' });
    children.push(child);
    const key = /generated dev engine key[^\n]*\n\s+(\S+)/.exec(child.output())?.[1];
    expect(key).toMatch(/^dev-/);
    const health = await fetch(`${child.url}/healthz`);
    expect(((await health.json()) as any).entities[0].checks.database.ok).toBe(true);
    const withKey = await fetch(`${child.url}/signature/2b1c1a8e-2f4e-4b8a-9c1d-0e6f1a2b3c4d`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(withKey.status).toBe(404);
    child.process.kill('SIGTERM');
    await child.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
