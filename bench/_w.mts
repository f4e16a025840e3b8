import { Worker } from 'node:worker_threads';
const w = new Worker(new URL('../src/verification/verify-worker.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
w.on('message', (m) => { console.log('msg', m); process.exit(0); });
w.on('error', (e) => { console.log('error', e); process.exit(1); });
w.on('exit', (c) => { console.log('exit', c); });
setTimeout(() => { console.log('no message'); process.exit(2); }, 20000);
