import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { OFFICE, approvalForm } from './fixtures.js';

describe.each(['in-process', 'http'] as const)('stamping with the %s engine client', (transport) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true', ...(transport === 'http' ? { ENGINE_TRANSPORT: 'http' } : {}) });
  }, 300_000);
  afterAll(() => service?.stop());

  it('applies a valid seal; only the HTTP client calls the engine routes of its own process', async () => {
    expect(service.engineTransport).toBe(transport);
    const fileId = (await uploadFile(service, await approvalForm('Transport'), 'form.pdf')).body.entities[0].id;
    const signature = (await service.json('/signature', jsonInit('POST', { file: fileId, seals: [{ placeHolder: OFFICE }] }))).body
      .entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhaoliu' }))).body.entities[0]
      .ticket;
    const seal = (await service.json('/seals')).body.entities.find((entry: any) => entry.name === '示范大学公章');
    const engineCalls: string[] = [];
    const count = (req: IncomingMessage) => {
      if (/^\/(signature|file)\b/.test(req.url ?? '')) engineCalls.push(`${req.method} ${req.url}`);
    };
    service.server.on('request', count);
    const stamped = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { version: signature.version, sealId: seal.id }, { auth: false, headers: { 'x-infoplus-ticket': ticket } }),
    );
    service.server.off('request', count);
    expect(stamped.status, JSON.stringify(stamped.body)).toBe(200);
    expect(stamped.body.entities[0].seals[0].state).toBe('signed');
    if (transport === 'http') {
      expect(engineCalls).toEqual(
        expect.arrayContaining([`GET /signature/${signature.id}`, `POST /signature/${signature.id}`, 'PUT /file']),
      );
    } else {
      expect(engineCalls).toEqual([]);
    }
    const report = (await service.json(`/signature/${signature.id}/verify`)).body.entities[0];
    expect([report.valid, report.matchesRecord]).toEqual([true, true]);
  });

  it('refuses a document URI outside the engine like the HTTP client does', async () => {
    const engine = (service.stamps as any).engine;
    await expect(engine.downloadFile('http://example.org/file/2b7e1f1c-4a36-4f8e-9a5b-0d3c2e1f4a5b')).rejects.toMatchObject({
      code: 'URI_NOT_ALLOWED',
    });
  });
});
