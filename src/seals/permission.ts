import type { Seal as SealSlot } from '../signature/schema.js';

/** What the broker knows of a registered seal when deciding permissions. */
export interface SealForPermission {
  id: string;
  name: string;
  type: string;
  holders: string[];
  disabled: boolean;
}

/**
 * The rules, checked in this order; the first that fails names the denial (`ecode`):
 * - SEAL_ALREADY_SIGNED   the seal slot already carries a signature
 * - SIGNER_NOT_ALLOWED    `permission.signers` is non-empty and does not list the user
 * - SIGNER_MISMATCH       `signer.account` is set and is not the user
 * - SEAL_DISABLED         the seal was disabled in the registry
 * - SEAL_ID_NOT_ALLOWED   `permission.sealIds` is non-empty and does not list the seal
 * - SEAL_TYPE_NOT_ALLOWED `permission.sealTypes` is non-empty and does not list the seal's type
 * - NOT_SEAL_HOLDER       the user is not among the seal's holders
 */
export type PermissionRule =
  | 'SEAL_ALREADY_SIGNED'
  | 'SIGNER_NOT_ALLOWED'
  | 'SIGNER_MISMATCH'
  | 'SEAL_DISABLED'
  | 'SEAL_ID_NOT_ALLOWED'
  | 'SEAL_TYPE_NOT_ALLOWED'
  | 'NOT_SEAL_HOLDER';

export type PermissionVerdict = { ok: true } | { ok: false; rule: PermissionRule; message: string };

const deny = (rule: PermissionRule, message: string): PermissionVerdict => ({ ok: false, rule, message });

/** May this user stamp this slot at all (before any seal is chosen)? */
export function checkSigner(account: string, slot: SealSlot): PermissionVerdict {
  if (slot.signature) return deny('SEAL_ALREADY_SIGNED', 'This seal has already been applied; a signed seal cannot be signed again.');
  const signers = slot.permission.signers;
  if (signers.length > 0 && !signers.includes(account))
    return deny('SIGNER_NOT_ALLOWED', `${account} is not among the people allowed to apply this seal.`);
  if (slot.signer.account && slot.signer.account !== account) {
    return deny('SIGNER_MISMATCH', `This seal is to be applied by ${slot.signer.name || slot.signer.account}, not by ${account}.`);
  }
  return { ok: true };
}

/** May this user apply this registered seal to this slot? */
export function checkPermission(account: string, slot: SealSlot, seal: SealForPermission): PermissionVerdict {
  const signer = checkSigner(account, slot);
  if (!signer.ok) return signer;
  if (seal.disabled) return deny('SEAL_DISABLED', `The seal ${seal.name} is disabled.`);
  const { sealIds, sealTypes } = slot.permission;
  if (sealIds.length > 0 && !sealIds.includes(seal.id))
    return deny('SEAL_ID_NOT_ALLOWED', `The seal ${seal.name} is not one of the seals allowed here.`);
  if (sealTypes.length > 0 && !sealTypes.includes(seal.type)) {
    return deny('SEAL_TYPE_NOT_ALLOWED', `A ${seal.type} may not be used here; allowed: ${sealTypes.join('、')}.`);
  }
  if (!seal.holders.includes(account)) return deny('NOT_SEAL_HOLDER', `${account} does not hold the seal ${seal.name}.`);
  return { ok: true };
}

/** The seals the picker may offer: only those that pass every rule. */
export function allowedSeals<T extends SealForPermission>(account: string, slot: SealSlot, seals: T[]): T[] {
  return seals.filter((seal) => checkPermission(account, slot, seal).ok);
}
