// The service's contract: one TypeBox schema per type, from which the ajv validators, the TypeScript
// types and the OpenAPI document all come. No Node or server imports: the web component uses it too.
export * from './common.js';
export * from './envelope.js';
export * from './file.js';
export * from './requests.js';
export * from './seal.js';
export * from './signature.js';
export * from './verification.js';
