import { VerifyPool } from '../src/verification/pool.js';
const pool = new VerifyPool({ workers: 1, timeoutMs: 5000, queueLimit: 4, maxMemoryMb: 256 });
const t = performance.now();
try { console.log(await pool.verify(new TextEncoder().encode('%PDF-1.4 junk'), { trustAnchorsPem: [] })); } catch (e: any) { console.log('err', e.code, e.message); }
console.log((performance.now() - t).toFixed(0), 'ms');
await pool.close();
