// What an incremental update changed, judged the way PAdES / DocMDP level 2 does: adding
// signatures is fine, anything that can change what the signed document shows or does is not.
//
// Allowed in a later revision: new objects that nothing older pointed to; signature dictionaries,
// signature fields and their widgets (appearance streams included); the AcroForm gaining signature
// fields, SigFlags, DR, DA; page dictionaries whose only change is /Annots gaining signature
// widgets (plus the neutral page normalisation pdf-lib performs); the catalog gaining or updating
// /AcroForm or /DSS; DSS contents; rewrites of existing objects with equal values. Everything else
// is reported as a change, in words ("page 1 content", "catalog /OpenAction", ...).
import { PDFArray, PDFDict, PDFObject, PDFRawStream } from '@cantoo/pdf-lib';
import type { PdfFile, Revision } from './pdf-file.js';
import { latin1 } from './bytes.js';
import { changedKeys, dictOf, get, isArray, isDict, isRef, keysOf, nameOf, pdfValuesEqual, textOf } from './pdf-values.js';
import { assignRoles, MAX_DEPTH, type Role } from './object-roles.js';
import { decodeStreamData } from './stream-data.js';

const ALLOWED_ACROFORM_KEYS = new Set(['Fields', 'SigFlags', 'DR', 'DA']);
const ALLOWED_CATALOG_KEYS = new Set(['AcroForm', 'DSS']);

export class ModificationAnalyzer {
  private readonly roles = new Map<number, Map<number, Role>>();
  private readonly references = new Map<number, Set<number>>();

  constructor(private readonly file: PdfFile) {}

  /** Changes made by revision `after` to revision `before` that are not signature additions. */
  disallowedChanges(before: Revision, after: Revision): string[] {
    return new RevisionComparison(this.file, before, after, this.rolesOf(before), () => this.referencedNumbers(before)).run();
  }

  private rolesOf(revision: Revision): Map<number, Role> {
    let roles = this.roles.get(revision.index);
    if (!roles) {
      roles = assignRoles(this.file, revision);
      this.roles.set(revision.index, roles);
    }
    return roles;
  }

  /** Every object number that some in-use object of the revision refers to. */
  private referencedNumbers(revision: Revision): Set<number> {
    let numbers = this.references.get(revision.index);
    if (!numbers) {
      numbers = new Set();
      for (const [objectNumber, entry] of revision.table) {
        if (entry.kind !== 'free') for (const ref of this.file.referencesOf(revision, objectNumber)) numbers.add(ref);
      }
      if (revision.root) numbers.add(revision.root.objectNumber);
      if (revision.info) numbers.add(revision.info.objectNumber);
      this.references.set(revision.index, numbers);
    }
    return numbers;
  }
}

class RevisionComparison {
  private readonly changes = new Set<string>();

  constructor(
    private readonly file: PdfFile,
    private readonly before: Revision,
    private readonly after: Revision,
    private readonly roles: Map<number, Role>,
    private readonly referencedBefore: () => Set<number>,
  ) {}

  run(): string[] {
    const { file, before, after } = this;
    if (before.encrypted !== after.encrypted) this.changes.add('encryption');
    if (before.root?.objectNumber !== after.root?.objectNumber) {
      this.compareCatalogs(this.resolveBefore(before.root), this.resolveAfter(after.root));
    }
    if (before.info?.objectNumber !== after.info?.objectNumber) {
      if (!pdfValuesEqual(this.resolveBefore(before.info), this.resolveAfter(after.info))) this.changes.add('document information');
    }
    const objectNumbers = new Set([...before.table.keys(), ...after.table.keys()]);
    for (const objectNumber of objectNumbers) {
      if (objectNumber === 0) continue;
      const locationBefore = file.locationKey(before, objectNumber);
      const locationAfter = file.locationKey(after, objectNumber);
      if (locationBefore === locationAfter) continue;
      if (locationBefore === undefined) {
        // A new object matters only through what refers to it, unless something signed already did.
        if (this.referencedBefore().has(objectNumber)) this.changes.add(`object ${objectNumber}, missing when signed, defined later`);
        continue;
      }
      const oldValue = file.resolve(before, objectNumber);
      const newValue = locationAfter === undefined ? undefined : file.resolve(after, objectNumber);
      if (pdfValuesEqual(oldValue, newValue)) continue;
      if (oldValue === undefined) this.changes.add(`object ${objectNumber} changed`);
      else this.compareObject(objectNumber, oldValue, newValue);
    }
    return [...this.changes];
  }

  private resolveBefore(value: PDFObject | undefined): PDFObject | undefined {
    return this.file.deref(this.before, value);
  }

  private resolveAfter(value: PDFObject | undefined): PDFObject | undefined {
    return this.file.deref(this.after, value);
  }

  private compareObject(objectNumber: number, oldValue: PDFObject, newValue: PDFObject | undefined): void {
    const role = this.roles.get(objectNumber);
    const removed = newValue === undefined;
    switch (role?.kind) {
      case 'catalog':
        if (removed) this.changes.add('document catalog removed');
        else this.compareCatalogs(oldValue, newValue);
        return;
      case 'acroForm':
        this.compareAcroForms(dictOf(oldValue), dictOf(newValue));
        return;
      case 'formFields':
        this.compareFieldLists(oldValue, newValue);
        return;
      case 'formResources':
      case 'dss':
        return;
      case 'page':
        if (removed) this.changes.add(`page ${role.page} removed`);
        else this.comparePages(role.page, oldValue, newValue);
        return;
      case 'pageAnnots':
        this.compareAnnotationLists(role.page, oldValue, newValue);
        return;
      case 'pageContent':
        this.changes.add(`page ${role.page} content`);
        return;
      case 'pageResources':
        if (removed || !this.sameResources(oldValue, newValue, 0)) this.changes.add(`page ${role.page} resources`);
        return;
      case 'annotation':
        this.changes.add(removed ? `page ${role.page} annotation removed` : `page ${role.page} annotation changed`);
        return;
      case 'pageTree':
        this.changes.add('page tree');
        return;
      case 'signatureField':
      case 'signatureAppearance':
        // Signing an empty signature field fills it in; a signed one must stay as it was.
        if (role.signed || removed) this.changes.add(`signature field ${role.name} ${removed ? 'removed' : 'changed'}`);
        return;
      case 'signatureValue':
        this.changes.add(`signature ${role.name} ${removed ? 'removed' : 'replaced'}`);
        return;
      case 'formField':
        this.changes.add(`form field ${role.name} ${removed ? 'removed' : 'changed'}`);
        return;
      case 'info':
        this.changes.add('document information');
        return;
      case 'metadata':
        this.changes.add('document metadata');
        return;
      default: {
        const type = nameOf(get(dictOf(oldValue), 'Type')) ?? nameOf(get(dictOf(oldValue), 'Subtype'));
        this.changes.add(`object ${objectNumber}${type ? ` (${type})` : ''} ${removed ? 'removed' : 'changed'}`);
      }
    }
  }

  private compareCatalogs(oldValue: PDFObject | undefined, newValue: PDFObject | undefined): void {
    const oldCatalog = dictOf(oldValue);
    const newCatalog = dictOf(newValue);
    if (!oldCatalog || !newCatalog) {
      this.changes.add('document catalog replaced');
      return;
    }
    for (const key of changedKeys(oldCatalog, newCatalog)) {
      if (key === 'AcroForm') {
        this.compareAcroForms(dictOf(this.resolveBefore(get(oldCatalog, key))), dictOf(this.resolveAfter(get(newCatalog, key))));
      } else if (!ALLOWED_CATALOG_KEYS.has(key)) {
        this.changes.add(key === 'Pages' ? 'page tree' : `catalog /${key}`);
      }
    }
  }

  private compareAcroForms(oldForm: PDFDict | undefined, newForm: PDFDict | undefined): void {
    if (!newForm) {
      if (oldForm) this.changes.add('form removed');
      return;
    }
    if (oldForm) {
      for (const key of changedKeys(oldForm, newForm)) if (!ALLOWED_ACROFORM_KEYS.has(key)) this.changes.add(`form /${key}`);
    }
    this.compareFieldLists(oldForm && this.resolveBefore(get(oldForm, 'Fields')), this.resolveAfter(get(newForm, 'Fields')));
  }

  private compareFieldLists(oldValue: PDFObject | undefined, newValue: PDFObject | undefined): void {
    const { removed, added } = listDifference(oldValue, newValue);
    for (const entry of removed) this.changes.add(`form field ${this.fieldName(entry, this.before)} removed`);
    for (const entry of added) {
      if (!this.isSignatureField(this.resolveAfter(entry), 0)) this.changes.add(`form field ${this.fieldName(entry, this.after)} added`);
    }
  }

  private comparePages(page: number, oldValue: PDFObject, newValue: PDFObject): void {
    const oldPage = dictOf(oldValue);
    const newPage = dictOf(newValue);
    if (!oldPage || !newPage) {
      this.changes.add(`page ${page} replaced`);
      return;
    }
    for (const key of changedKeys(oldPage, newPage)) {
      if (key === 'Annots') this.compareAnnotationLists(page, this.resolveBefore(get(oldPage, key)), this.resolveAfter(get(newPage, key)));
      else if (key === 'Contents') {
        if (!this.sameContentStreams(get(oldPage, key), get(newPage, key))) this.changes.add(`page ${page} content`);
      } else if (key === 'Resources') {
        if (!this.sameResources(get(oldPage, key), get(newPage, key), 0)) this.changes.add(`page ${page} resources`);
      } else this.changes.add(`page ${page} /${key}`);
    }
  }

  /**
   * pdf-lib "normalizes" a page it touches: a single content stream becomes an array and is
   * wrapped between a stream holding only `q` and one holding only `Q` (again on every later
   * update). That draws nothing new; any other difference in the list of content streams is a
   * content change.
   */
  private sameContentStreams(oldValue: PDFObject | undefined, newValue: PDFObject | undefined): boolean {
    const oldStreams = contentStreamNumbers(oldValue, this.resolveBefore(oldValue));
    const newStreams = contentStreamNumbers(newValue, this.resolveAfter(newValue));
    if (!oldStreams || !newStreams) return false;
    const count = (numbers: number[], operator: 'q' | 'Q') => {
      let total = 0;
      for (const n of numbers) {
        const repeats = this.operatorOnlyCount(n, operator);
        if (repeats === undefined) return undefined;
        total += repeats;
      }
      return total;
    };
    for (let start = 0; start + oldStreams.length <= newStreams.length; start++) {
      const end = start + oldStreams.length;
      if (!oldStreams.every((n, i) => newStreams[start + i] === n)) continue;
      const saves = count(newStreams.slice(0, start), 'q');
      if (saves !== undefined && saves === count(newStreams.slice(end), 'Q')) return true;
    }
    return false;
  }

  /** How many times a stream repeats `operator` and nothing else; undefined for any other content. */
  private operatorOnlyCount(objectNumber: number, operator: 'q' | 'Q'): number | undefined {
    const stream = this.file.resolve(this.after, objectNumber);
    if (!(stream instanceof PDFRawStream)) return undefined;
    let data: Uint8Array;
    try {
      data = decodeStreamData(stream);
    } catch {
      return undefined;
    }
    const tokens = latin1(data).split(/[\0\t\n\f\r ]+/).filter(Boolean);
    return tokens.length > 0 && tokens.every((token) => token === operator) ? tokens.length : undefined;
  }

  /**
   * Resource dictionaries compared by meaning: a reference and an inline copy of the same
   * dictionary are equal, and an empty category (/Font << >>) equals an absent one. Objects kept
   * under the same number are judged on their own when they change.
   */
  private sameResources(oldValue: PDFObject | undefined, newValue: PDFObject | undefined, depth: number): boolean {
    if (isRef(oldValue) && isRef(newValue) && oldValue.objectNumber === newValue.objectNumber) return true;
    const oldResolved = this.resolveBefore(oldValue);
    const newResolved = this.resolveAfter(newValue);
    if (depth > 1 || !isDict(oldResolved) || !isDict(newResolved) || oldResolved instanceof PDFRawStream || newResolved instanceof PDFRawStream) {
      return pdfValuesEqual(oldResolved, newResolved);
    }
    const isEmpty = (value: PDFObject | undefined) => {
      const dict = value === undefined ? undefined : depth === 0 ? dictOf(value) : undefined;
      return value === undefined || (dict !== undefined && dict.keys().length === 0);
    };
    const keys = new Set([...keysOf(oldResolved), ...keysOf(newResolved)]);
    return [...keys].every((key) => {
      const before = get(oldResolved, key);
      const after = get(newResolved, key);
      if (isEmpty(this.resolveBefore(before)) && isEmpty(this.resolveAfter(after))) return true;
      return this.sameResources(before, after, depth + 1);
    });
  }

  private compareAnnotationLists(page: number, oldValue: PDFObject | undefined, newValue: PDFObject | undefined): void {
    const { removed, added } = listDifference(this.resolveBefore(oldValue), this.resolveAfter(newValue));
    if (removed.length > 0) this.changes.add(`page ${page} annotation removed`);
    for (const entry of added) {
      const annotation = dictOf(this.resolveAfter(entry));
      if (nameOf(get(annotation, 'Subtype')) === 'Widget' && this.isSignatureField(annotation, 0)) continue;
      this.changes.add(`page ${page} annotation added (${nameOf(get(annotation, 'Subtype')) ?? 'unknown'})`);
    }
  }

  /** A field (or widget) whose own or inherited /FT is /Sig. */
  private isSignatureField(value: PDFObject | undefined, depth: number): boolean {
    const field = dictOf(value);
    if (!field || depth > MAX_DEPTH) return false;
    const fieldType = nameOf(get(field, 'FT'));
    if (fieldType !== undefined) return fieldType === 'Sig';
    const kids = this.resolveAfter(get(field, 'Kids'));
    if (isArray(kids) && kids.size() > 0) return kids.asArray().every((kid) => this.isSignatureField(this.resolveAfter(kid), depth + 1));
    return this.isSignatureField(this.resolveAfter(get(field, 'Parent')), depth + 1);
  }

  private fieldName(entry: PDFObject, revision: Revision): string {
    const name = textOf(get(dictOf(this.file.deref(revision, entry)), 'T'));
    return name ?? (isRef(entry) ? `(object ${entry.objectNumber})` : '(unnamed)');
  }
}

/** Object numbers of a page's content streams (/Contents is one stream or an array of them). */
function contentStreamNumbers(value: PDFObject | undefined, resolved: PDFObject | undefined): number[] | undefined {
  if (resolved instanceof PDFRawStream) return isRef(value) ? [value.objectNumber] : undefined;
  if (!isArray(resolved)) return undefined;
  const entries = resolved.asArray();
  return entries.every(isRef) ? entries.map((entry) => entry.objectNumber) : undefined;
}

/** Entries of two arrays compared as sets (references by number, direct values by value). */
function listDifference(oldValue: PDFObject | undefined, newValue: PDFObject | undefined): { removed: PDFObject[]; added: PDFObject[] } {
  const oldEntries = oldValue instanceof PDFArray ? oldValue.asArray() : [];
  const newEntries = newValue instanceof PDFArray ? newValue.asArray() : [];
  const contains = (list: PDFObject[], entry: PDFObject) => list.some((other) => pdfValuesEqual(other, entry));
  return {
    removed: oldEntries.filter((entry) => !contains(newEntries, entry)),
    added: newEntries.filter((entry) => !contains(oldEntries, entry)),
  };
}
