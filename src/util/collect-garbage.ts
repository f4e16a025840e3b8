import v8 from 'node:v8';
import vm from 'node:vm';

type CollectGarbage = (options: { type: 'major'; execution: 'sync' }) => void;

let collect: CollectGarbage | undefined;

/**
 * A major, synchronous garbage collection, whether or not node was started with --expose-gc (a new
 * context created after the flag is set gets its own `gc`). For one moment only: the end of start-up,
 * so the young generation that warm-up filled is not scavenged — tens of milliseconds, with everything
 * still alive being copied — inside the first user's request.
 */
export function collectGarbage(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: CollectGarbage }).gc;
    if (exposed) collect = exposed;
    else {
      v8.setFlagsFromString('--expose-gc');
      try {
        collect = vm.runInNewContext('gc') as CollectGarbage;
      } finally {
        // Contexts made later (a library's sandbox) must not get a `gc` anyone could call.
        v8.setFlagsFromString('--no-expose-gc');
      }
    }
  }
  // A plain gc() is the memory-reducing kind: it also drops compiled code and shrinks the heap, which
  // made the first stamp slower, not faster (bench/stamp.ts: first stamps ~45 ms against ~25 ms this way).
  collect({ type: 'major', execution: 'sync' });
}
