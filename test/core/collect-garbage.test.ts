import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/util/collect-garbage.js';

const youngBytes = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_used_size;

describe('the end-of-start-up collection', () => {
  it('leaves the young generation empty (what warm-up left there is not scavenged in the first request), without --expose-gc', () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    // Live, small, freshly allocated objects: what a warm-up leaves in the young generation.
    const kept: Array<{ index: number; label: string }> = [];
    for (let i = 0; kept.length < 200_000 && youngBytes() < 3 * 1024 * 1024; i++) kept.push({ index: i, label: `item ${i}` });
    expect(youngBytes()).toBeGreaterThan(1024 * 1024);
    collectGarbage();
    expect(youngBytes()).toBeLessThan(512 * 1024);
    expect(kept.length).toBeGreaterThan(0);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(vm.runInNewContext('typeof gc')).toBe('undefined');
  });
});
