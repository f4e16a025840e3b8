// Test vectors for the request-signing choices the provider specs leave open (computed independently
// with `openssl dgst -sha256 -hmac`), so a change to either function is a visible decision.
import { describe, expect, it } from 'vitest';
import { esignSignature, verifyEsignSignature } from '../../src/providers/esign/signature.js';
import { xuperCanonicalString, xuperContentMd5, xuperSignature } from '../../src/providers/xuper/signature.js';

describe('provider request signatures', () => {
  it('e签宝: lowercase hex HMAC-SHA256 of the exact body bytes', () => {
    // printf '{"flowId":"123456789"}' | openssl dgst -sha256 -hmac 'project-secret-123'
    expect(esignSignature('project-secret-123', '{"flowId":"123456789"}')).toBe(
      'f282197c274cde3d706dfc50bb9eea7802c45c7211592ba6c339365b6d262cf4',
    );
    // printf '' | openssl dgst -sha256 -hmac 'k'
    expect(esignSignature('k', new Uint8Array())).toBe('8bb990c40a7d61cb97597a942125025be50ac8beb74436e3735b98893a7f6620');
    const body = Buffer.from('{"flowId":"123456789"}');
    expect(verifyEsignSignature('project-secret-123', body, 'F282197C274CDE3D706DFC50BB9EEA7802C45C7211592BA6C339365B6D262CF4')).toBe(true);
    expect(verifyEsignSignature('project-secret-123', body, 'f282197c274cde3d706dfc50bb9eea7802c45c7211592ba6c339365b6d262cf5')).toBe(
      false,
    );
    expect(
      verifyEsignSignature(
        'project-secret-123',
        Buffer.from('{"flowId": "123456789"}'),
        'f282197c274cde3d706dfc50bb9eea7802c45c7211592ba6c339365b6d262cf4',
      ),
    ).toBe(false);
    expect(verifyEsignSignature('project-secret-123', body, undefined)).toBe(false);
    expect(verifyEsignSignature('project-secret-123', body, 'short')).toBe(false);
  });

  it('xuper: HMAC-SHA256 over METHOD, path, app id, nonce, timestamp and body MD5, one per line', () => {
    const input = {
      method: 'post',
      path: '/saas/openapi/econtract/v1/signature/create',
      appId: 'app-1',
      nonce: 'nonce-abc',
      timestamp: '1700000000',
      contentMd5: xuperContentMd5(Buffer.from('a')),
    };
    expect(input.contentMd5).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(xuperCanonicalString(input)).toBe(
      'POST\n/saas/openapi/econtract/v1/signature/create\napp-1\nnonce-abc\n1700000000\n0cc175b9c0f1b6a831c399e269772661',
    );
    // printf 'POST\n/saas/…/create\napp-1\nnonce-abc\n1700000000\n0cc1…2661' | openssl dgst -sha256 -hmac 'xuper-secret'
    expect(xuperSignature(input, 'xuper-secret')).toBe('9025092e398019bd5ebd09a0b1a4878340c676c985420803a284bfd2c23d2e86');
  });
});
