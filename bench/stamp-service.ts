// The service side of bench/stamp.ts, in its own process as in production (the stampers are other
// machines' browsers): starts the service on embedded defaults and, when asked over IPC, measures the
// signer-only cost (placement + PAdES with the seal's own key and image) in this same process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { resolvePlacement } from '../src/pdf/placement.js';
import { signPdf } from '../src/pdf/pades/index.js';
import { startService } from '../src/service.js';

export type ToService = { type: 'measure-signer'; pdf: string; sealId: string; slot: { x: number; y: number } } | { type: 'stop' };
export type FromService = { type: 'ready'; url: string; startMs: number } | { type: 'signer'; p50: number };

const send = (message: FromService) => process.send!(message);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stamp-'));
const booted = performance.now();
const service = await startService(
  loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ENGINE_KEYS: process.env.BENCH_KEY!,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'true',
    OFFICE_START: 'lazy',
    ...(process.env.BENCH_ENV ? JSON.parse(process.env.BENCH_ENV) : {}),
  }),
  createLogger('silent'),
);
send({ type: 'ready', url: service.url, startMs: performance.now() - booted });

process.on('message', async (message: ToService) => {
  if (message.type === 'stop') {
    await service.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
  const pdf = new Uint8Array(Buffer.from(message.pdf, 'base64'));
  const seal = await service.registry.get(message.sealId);
  const material = await service.registry.signingMaterial(seal);
  const image = await service.registry.imagePng(seal);
  const times: number[] = [];
  for (let i = 0; i < 53; i++) {
    const started = performance.now();
    const placement = await resolvePlacement(pdf, message.slot, { width: 119, height: 119 });
    await signPdf(pdf, material, { placement, image, signerName: '赵六' });
    if (i >= 3) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  send({ type: 'signer', p50: times[times.length >> 1] });
});
