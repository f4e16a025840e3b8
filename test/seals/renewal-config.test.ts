import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('LTV_RENEWAL_HORIZON_DAYS and LTV_RENEWAL_INTERVAL_MS', () => {
  it('default to 90 days and 6 hours, take whole numbers in range, and refuse anything else', () => {
    const base = { DATA_DIR: '/tmp/renewal-config' };
    expect(loadConfig(base)).toMatchObject({ ltvRenewalHorizonDays: 90, ltvRenewalIntervalMs: 6 * 3_600_000 });
    expect(loadConfig({ ...base, LTV_RENEWAL_HORIZON_DAYS: '30', LTV_RENEWAL_INTERVAL_MS: '60000' })).toMatchObject({
      ltvRenewalHorizonDays: 30,
      ltvRenewalIntervalMs: 60_000,
    });
    for (const value of ['0', '3651', '-1', '1.5', 'soon']) {
      expect(() => loadConfig({ ...base, LTV_RENEWAL_HORIZON_DAYS: value }), value).toThrow(ConfigError);
    }
    expect(() => loadConfig({ ...base, LTV_RENEWAL_INTERVAL_MS: '10' })).toThrow(/LTV_RENEWAL_INTERVAL_MS/);
  });
});
