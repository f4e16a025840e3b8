// The Signature's contract lives in src/contract; this module binds it to the service's validators.
import { CreateSignatureRequest, SignaturePatch } from '../contract/signature.js';
import { validator } from '../validation/ajv.js';

export { SEAL_STATES } from '../contract/signature.js';
export type {
  CreateSignatureRequest,
  Revision,
  Seal,
  SealInput,
  SealPermission,
  SealState,
  Signature,
  SignaturePatch,
} from '../contract/signature.js';

export const validateSignaturePatch = validator<SignaturePatch>(SignaturePatch);
export const validateCreateSignature = validator<CreateSignatureRequest>(CreateSignatureRequest);
