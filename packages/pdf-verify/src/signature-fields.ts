// Finds the signature fields of a revision through its interactive form (/AcroForm /Fields), and
// reads their signature dictionaries.
import { PDFDict, PDFObject, PDFRef } from '@cantoo/pdf-lib';
import type { PdfFile, Revision } from './pdf-file.js';
import { bytesOf, dictOf, get, isArray, isRef, nameOf, numberOf, textOf } from './pdf-values.js';
import type { FieldLock } from './types.js';

export interface SignatureDictionary {
  /** Fully qualified field name (partial names joined with dots). */
  fieldName: string;
  /** Object number of the signature dictionary, when it is an indirect object. */
  objectNumber?: number;
  /** Where the signature dictionary is defined: a file offset, 'compressed' (in an object stream) or 'direct'. */
  definedAt?: number | 'compressed' | 'direct';
  type?: string;
  filter?: string;
  subFilter?: string;
  /** The /ByteRange numbers as written; null when absent or not all integers. */
  byteRange: number[] | null;
  /** The decoded /Contents string of the dictionary. */
  contents?: Uint8Array;
  /** The /M entry as written (PDF date string). */
  signingTimeText?: string;
  reason?: string;
  location?: string;
  signerName?: string;
  /** /P of a DocMDP transform in /Reference: this is a certification signature. */
  docMdpPermissions?: 1 | 2 | 3;
  /** The field's /Lock, or a FieldMDP transform in /Reference. */
  fieldLock?: FieldLock;
  /** /P of the field's /Lock (ISO 32000-2): DocMDP-like permissions from this signature on. */
  lockPermissions?: 1 | 2 | 3;
}

export interface FormSignatures {
  signed: SignatureDictionary[];
  /** Names of signature fields that hold no signature yet. */
  emptyFields: string[];
}

const MAX_FIELD_DEPTH = 32;

export function findSignatureFields(file: PdfFile, revision: Revision): FormSignatures {
  const result: FormSignatures = { signed: [], emptyFields: [] };
  const catalog = dictOf(revision.root && file.resolve(revision, revision.root));
  const acroForm = dictOf(file.deref(revision, get(catalog, 'AcroForm')));
  const fields = file.deref(revision, get(acroForm, 'Fields'));
  if (!isArray(fields)) return result;
  const visited = new Set<number>();

  const visit = (value: PDFObject, parentName: string, inheritedType: string | undefined, depth: number) => {
    if (depth > MAX_FIELD_DEPTH) return;
    if (value instanceof PDFRef) {
      if (visited.has(value.objectNumber)) return;
      visited.add(value.objectNumber);
    }
    const field = dictOf(file.deref(revision, value));
    if (!field) return;
    const partialName = textOf(get(field, 'T'));
    const name = partialName === undefined ? parentName : parentName ? `${parentName}.${partialName}` : partialName;
    const fieldType = nameOf(get(field, 'FT')) ?? inheritedType;
    const kids = file.deref(revision, get(field, 'Kids'));
    const childFields = isArray(kids) ? kids.asArray().filter((kid) => get(dictOf(file.deref(revision, kid)), 'T') !== undefined) : [];
    if (childFields.length > 0) {
      for (const kid of childFields) visit(kid, name, fieldType, depth + 1);
      return;
    }
    if (fieldType !== 'Sig') return;
    const valueEntry = get(field, 'V');
    const signature = dictOf(file.deref(revision, valueEntry));
    if (!signature) {
      result.emptyFields.push(name);
      return;
    }
    const entry = readSignatureDictionary(signature, name, isRef(valueEntry) ? valueEntry.objectNumber : undefined, (v) =>
      file.deref(revision, v),
    );
    const xref = isRef(valueEntry) ? revision.table.get(valueEntry.objectNumber) : undefined;
    entry.definedAt = !isRef(valueEntry) ? 'direct' : xref?.kind === 'offset' ? xref.offset : 'compressed';
    const lock = dictOf(file.deref(revision, get(field, 'Lock')));
    if (lock) {
      entry.fieldLock ??= readFieldLock(lock, (v) => file.deref(revision, v));
      entry.lockPermissions = permissionsOf(get(lock, 'P'));
    }
    result.signed.push(entry);
  };

  for (const field of fields.asArray()) visit(field, '', undefined, 0);
  return result;
}

type Deref = (value: PDFObject | undefined) => PDFObject | undefined;

function readSignatureDictionary(dict: PDFDict, fieldName: string, objectNumber: number | undefined, deref: Deref): SignatureDictionary {
  const byteRangeValue = get(dict, 'ByteRange');
  let byteRange: number[] | null = null;
  if (isArray(byteRangeValue)) {
    const numbers = byteRangeValue.asArray().map(numberOf);
    if (numbers.every((n): n is number => n !== undefined && Number.isInteger(n))) byteRange = numbers;
  }
  let docMdpPermissions: 1 | 2 | 3 | undefined;
  let fieldLock: FieldLock | undefined;
  const references = deref(get(dict, 'Reference'));
  for (const reference of isArray(references) ? references.asArray().slice(0, 8) : []) {
    const transform = dictOf(deref(reference));
    const method = nameOf(get(transform, 'TransformMethod'));
    const params = dictOf(deref(get(transform, 'TransformParams')));
    if (method === 'DocMDP') docMdpPermissions = permissionsOf(get(params, 'P')) ?? 2;
    if (method === 'FieldMDP' && params) fieldLock = readFieldLock(params, deref);
  }
  return {
    docMdpPermissions,
    fieldLock,
    fieldName,
    objectNumber,
    type: nameOf(get(dict, 'Type')),
    filter: nameOf(get(dict, 'Filter')),
    subFilter: nameOf(get(dict, 'SubFilter')),
    byteRange,
    contents: bytesOf(get(dict, 'Contents')),
    signingTimeText: textOf(get(dict, 'M')),
    reason: textOf(get(dict, 'Reason')),
    location: textOf(get(dict, 'Location')),
    signerName: textOf(get(dict, 'Name')),
  };
}

function permissionsOf(value: PDFObject | undefined): 1 | 2 | 3 | undefined {
  const p = numberOf(value);
  return p === 1 || p === 2 || p === 3 ? p : undefined;
}

function readFieldLock(dict: PDFDict, deref: Deref): FieldLock | undefined {
  const action = nameOf(get(dict, 'Action'));
  if (action !== 'All' && action !== 'Include' && action !== 'Exclude') return undefined;
  const fields = deref(get(dict, 'Fields'));
  const names = isArray(fields)
    ? fields
        .asArray()
        .slice(0, 10_000)
        .map((value) => textOf(deref(value)))
        .filter((name): name is string => name !== undefined)
    : [];
  return { action, fields: names };
}
