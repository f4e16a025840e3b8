// Issue 14: end-to-end stamp throughput with PostgreSQL + Redis and two API instances, next to the
// embedded single instance (SQLite, files, no Redis) in the same run on the same cores; and the
// cross-instance live-push latency. Target: cluster ≥ 0.8× embedded; push p99 < 50 ms.
// Run: npx tsx bench/scale.ts   (needs the local PostgreSQL and Redis: bash scripts/setup.sh)
//
// Every instance is its own Node process (as deployed), all running at once; rounds alternate. A stamp is the whole flow a user triggers:
// POST /sign/:id/seals/0 → S1, download, seal + PAdES signature, upload, S2, push.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import WebSocket from 'ws';
import { startBalancer } from '../test/helpers/balancer.js';
import { type ChildService, startChildService } from '../test/helpers/child.js';
import { dropRedisPrefix, REDIS_TEST_URL } from '../test/helpers/cluster.js';
import { makePdf } from '../test/helpers/fixtures.js';
import { createTestDatabase, SHARED_SECRETS } from '../test/helpers/postgres.js';
import { ENGINE_KEY, tempDataDir } from '../test/helpers/service.js';

const STAMPS = 40;
const CONCURRENCY = 8;
const PUSH_SAMPLES = 200;
const auth = { authorization: `Bearer ${ENGINE_KEY}` };

async function call(base: string, pathname: string, init: RequestInit = {}, withKey = true): Promise<any> {
  const headers = new Headers(init.headers);
  if (withKey) headers.set('authorization', `Bearer ${ENGINE_KEY}`);
  if (typeof init.body === 'string') headers.set('content-type', 'application/json');
  const response = await fetch(`${base}${pathname}`, { ...init, headers });
  const body = (await response.json()) as any;
  if (response.status !== 200)
    throw new Error(`${init.method ?? 'GET'} ${pathname}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.entities;
}

/** Creates `STAMPS` one-seal Signatures, then stamps them with CONCURRENCY clients spread over `targets`. */
async function stampThroughput(targets: string[]): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([await makePdf('bench')]), 'bench.pdf');
  const pdfId = ((await (await fetch(`${targets[0]}/file`, { method: 'PUT', body: form, headers: auth })).json()) as any).entities[0].id;
  const sealId = (await call(targets[0], '/seals')).find((seal: any) => seal.name === '示范大学公章').id;
  const jobs: Array<{ id: string; ticket: string; version: number }> = [];
  for (let i = 0; i < STAMPS + CONCURRENCY; i++) {
    const [signature] = await call(targets[0], '/signature', {
      method: 'POST',
      body: JSON.stringify({ file: pdfId, seals: [{ x: 100, y: 100, page: 1, signer: { account: 'zhaoliu' } }] }),
    });
    const [ticket] = await call(targets[0], `/signature/${signature.id}/tickets`, {
      method: 'POST',
      body: JSON.stringify({ account: 'zhaoliu' }),
    });
    jobs.push({ id: signature.id, ticket: ticket.ticket, version: signature.version });
  }
  const stamp = (target: string, job: { id: string; ticket: string; version: number }) =>
    call(
      target,
      `/sign/${job.id}/seals/0`,
      { method: 'POST', body: JSON.stringify({ ticket: job.ticket, sealId, version: job.version }) },
      false,
    );
  // Warm-up: one stamp per client.
  await Promise.all(jobs.splice(0, CONCURRENCY).map((job, i) => stamp(targets[i % targets.length], job)));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      for (let job = jobs[next++]; job; job = jobs[next++]) await stamp(targets[client % targets.length], job);
    }),
  );
  return STAMPS / ((performance.now() - started) / 1000);
}

async function pushLatency(writer: string, watcher: string): Promise<number[]> {
  const pdf = new FormData();
  pdf.append('file', new Blob([await makePdf('push')]), 'p.pdf');
  const pdfId = ((await (await fetch(`${writer}/file`, { method: 'PUT', body: pdf, headers: auth })).json()) as any).entities[0].id;
  const [signature] = await call(writer, '/signature', { method: 'POST', body: JSON.stringify({ file: pdfId, seals: [{}] }) });
  const ws = new WebSocket(`${watcher.replace('http', 'ws')}/signature/${signature.id}/events`, { headers: auth });
  const arrivals = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  ws.on('message', (data) => {
    const version = JSON.parse(String(data)).signature?.version as number;
    arrivals.set(version, performance.now());
    waiters.get(version)?.();
  });
  await new Promise((resolve) => ws.once('open', resolve));
  const latencies: number[] = [];
  for (let i = 0; i < PUSH_SAMPLES; i++) {
    const version = i + 2;
    const arrived = new Promise<void>((resolve) => (arrivals.has(version) ? resolve() : waiters.set(version, resolve)));
    await call(writer, `/signature/${signature.id}`, {
      method: 'POST',
      body: JSON.stringify({ seals: [{ index: 0, description: `n${i}` }] }),
    });
    const acknowledged = performance.now();
    await arrived;
    // From the writer's acknowledgement to the other instance's socket (0 when it came first).
    latencies.push(Math.max(0, arrivals.get(version)! - acknowledged));
  }
  ws.close();
  return latencies.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const children: ChildService[] = [];
const base = { ENGINE_KEYS: ENGINE_KEY, DEMO_DATA: 'true', LOG_LEVEL: 'warn', OFFICE_START: 'lazy', OFFICE_WORKERS: '1' };
const ROUNDS = 5;

try {
  console.log(
    `machine: ${os.cpus()[0]?.model} × ${os.availableParallelism()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `${ROUNDS} alternating rounds of ${STAMPS} stamps per mode (one seal each, own Signature), ${CONCURRENCY} concurrent clients\n`,
  );

  const database = await createTestDatabase();
  const balancer = await startBalancer();
  const prefix = `sigbench:${randomBytes(4).toString('hex')}:`;
  const dirs: string[] = [];
  const dir = (name: string) => {
    const created = tempDataDir(name);
    dirs.push(created);
    return created;
  };
  try {
    // Both set-ups run side by side; rounds alternate so that a change in the machine's load hits both alike.
    const embedded = await startChildService({ ...base, DATA_DIR: dir('bench-embedded-') }, 120_000);
    children.push(embedded);
    const env = {
      ...base,
      ...SHARED_SECRETS,
      DATABASE_URL: database.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_PREFIX: prefix,
      PUBLIC_URL: balancer.url,
    };
    const a = await startChildService({ ...env, INSTANCE_ID: 'bench-a', DATA_DIR: dir('bench-a-') }, 120_000);
    children.push(a);
    const b = await startChildService({ ...env, INSTANCE_ID: 'bench-b', DATA_DIR: dir('bench-b-') }, 120_000);
    children.push(b);
    balancer.backends.push(a.url, b.url);

    const embeddedRates: number[] = [];
    const clusterRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      embeddedRates.push(await stampThroughput([embedded.url]));
      clusterRates.push(await stampThroughput([a.url, b.url]));
      console.log(
        `round ${round + 1}: embedded ${embeddedRates.at(-1)!.toFixed(1)} stamps/s, cluster ${clusterRates.at(-1)!.toFixed(1)} stamps/s`,
      );
    }
    const embeddedRate = median(embeddedRates);
    const clusterRate = median(clusterRates);
    console.log(`\nembedded, 1 instance (SQLite, local files): ${embeddedRate.toFixed(1)} stamps/s (median)`);
    console.log(
      `PostgreSQL + Redis, 2 instances:            ${clusterRate.toFixed(1)} stamps/s (median) = ${(clusterRate / embeddedRate).toFixed(2)}× embedded (target ≥ 0.8)`,
    );
    console.log(
      `median of the per-round ratios (cluster / embedded, neighbouring rounds): ${median(clusterRates.map((rate, i) => rate / embeddedRates[i])).toFixed(2)}×`,
    );
    const latencies = await pushLatency(a.url, b.url);
    console.log(
      `cross-instance push (S2 acknowledged on A → socket on B), ${PUSH_SAMPLES} samples: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms (target p99 < 50)`,
    );
  } finally {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exited));
    await balancer.close();
    await database.drop();
    await dropRedisPrefix(REDIS_TEST_URL, prefix);
    for (const created of dirs) fs.rmSync(created, { recursive: true, force: true });
  }
} finally {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
}
