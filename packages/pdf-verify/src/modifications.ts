// What an incremental update changed, as a whitelist policy in the spirit of ISO 32000-2
// §12.8.2.2 (DocMDP) and pyHanko's diff analysis: every object a later revision redefines, removes,
// or starts to use must be explained by a rule, and each rule says at which level the change is
// allowed (see the package's README.md). Whatever no rule explains is a change at level OTHER.
//
// Levels: NONE < LTA_UPDATES (DSS, document timestamps, /Version, /Extensions, metadata, /Info)
// < FORM_FILLING (signing: new signature fields and widgets, values and appearances of unsigned
// fields; filling in form fields) < ANNOTATIONS (adding or changing non-widget annotations)
// < OTHER (anything else: page content, page tree, catalog entries, signed fields, ...).
import { PDFArray, PDFDict, PDFObject, PDFRawStream } from '@cantoo/pdf-lib';
import type { PdfFile, Revision } from './pdf-file.js';
import { latin1 } from './bytes.js';
import { rethrowLimit } from './errors.js';
import { changedKeys, dictOf, get, isArray, isDict, isRef, keysOf, nameOf, pdfValuesEqual, textOf } from './pdf-values.js';
import { assignRoles, MAX_DEPTH, type Role } from './object-roles.js';
import { decodeStreamData } from './stream-data.js';
import { MODIFICATION_LEVELS, type ModificationLevel } from './types.js';

export interface Change {
  level: ModificationLevel;
  /** In words: "page 1 content", "catalog /OpenAction", "form field Name filled in". */
  description: string;
  /** The act of signing itself (a new signature, its field and widget): not listed as a change of the revision. */
  signing?: boolean;
  /** Fully qualified name of the form field whose value or appearance changed (for field locks). */
  field?: string;
}

export function levelRank(level: ModificationLevel): number {
  return MODIFICATION_LEVELS.indexOf(level);
}

export function maxLevel(levels: Iterable<ModificationLevel>): ModificationLevel {
  let max: ModificationLevel = 'NONE';
  for (const level of levels) if (levelRank(level) > levelRank(max)) max = level;
  return max;
}

/** Catalog entries a later revision may add or change, and at which level. */
const CATALOG_RULES: Record<string, ModificationLevel> = {
  Version: 'LTA_UPDATES',
  Extensions: 'LTA_UPDATES',
  Metadata: 'LTA_UPDATES',
  DSS: 'LTA_UPDATES',
  AcroForm: 'FORM_FILLING',
};

/** AcroForm entries a later revision may change (besides /Fields, judged entry by entry). */
const ACROFORM_KEYS = new Set(['SigFlags', 'DR', 'DA']);

/** Entries of an unsigned signature field (or its widget) that signing it may set or change. */
const UNSIGNED_SIGNATURE_FIELD_KEYS = new Set([
  'V',
  'AP',
  'AS',
  'MK',
  'F',
  'DA',
  'Rect',
  'P',
  'Lock',
  'SV',
  'Ff',
  'Kids',
  'StructParent',
  'NM',
  'M',
]);

/** Entries of a form field (or its widget) that filling it in may change. */
const FORM_FILLING_KEYS = new Set(['V', 'AP', 'AS', 'MK', 'M', 'NM']);

/** Object types that hold other objects or cross-reference data rather than content. */
const CONTAINER_TYPES = new Set(['ObjStm', 'XRef']);

export class ModificationAnalyzer {
  private readonly roles = new Map<number, Map<number, Role>>();
  private readonly reachable = new Map<number, Set<number>>();
  private readonly references = new Map<number, Set<number>>();

  constructor(private readonly file: PdfFile) {}

  /** What revision `after` changed in revision `before`, each change with its level. */
  changes(before: Revision, after: Revision): Change[] {
    return new RevisionComparison(
      this.file,
      before,
      after,
      this.rolesOf(before),
      this.reachableFrom(before),
      this.reachableFrom(after),
      () => this.referencedNumbers(before),
    ).run();
  }

  private rolesOf(revision: Revision): Map<number, Role> {
    return cachedFor(this.roles, revision, () => assignRoles(this.file, revision));
  }

  /** Object numbers reachable from the trailer (/Root, /Info) of a revision. */
  private reachableFrom(revision: Revision): Set<number> {
    return cachedFor(this.reachable, revision, () => {
      const numbers = new Set<number>();
      const pending = [revision.root?.objectNumber, revision.info?.objectNumber].filter((n): n is number => n !== undefined);
      while (pending.length > 0) {
        const objectNumber = pending.pop() as number;
        if (numbers.has(objectNumber) || !revision.table.has(objectNumber)) continue;
        numbers.add(objectNumber);
        for (const ref of this.file.referencesOf(revision, objectNumber)) if (!numbers.has(ref)) pending.push(ref);
      }
      return numbers;
    });
  }

  /** Every object number that some in-use object of the revision refers to. */
  private referencedNumbers(revision: Revision): Set<number> {
    return cachedFor(this.references, revision, () => {
      const numbers = new Set<number>();
      for (const [objectNumber, entry] of revision.table) {
        if (entry.kind !== 'free') for (const ref of this.file.referencesOf(revision, objectNumber)) numbers.add(ref);
      }
      if (revision.root) numbers.add(revision.root.objectNumber);
      if (revision.info) numbers.add(revision.info.objectNumber);
      return numbers;
    });
  }
}

/** The value kept for a revision, computed on its first use. */
function cachedFor<T>(cache: Map<number, T>, revision: Revision, compute: () => T): T {
  let value = cache.get(revision.index);
  if (value === undefined) {
    value = compute();
    cache.set(revision.index, value);
  }
  return value;
}

class RevisionComparison {
  private readonly found = new Map<string, Change>();

  constructor(
    private readonly file: PdfFile,
    private readonly before: Revision,
    private readonly after: Revision,
    private readonly roles: Map<number, Role>,
    private readonly reachableBefore: Set<number>,
    private readonly reachableAfter: Set<number>,
    private readonly referencedBefore: () => Set<number>,
  ) {}

  run(): Change[] {
    const { file, before, after } = this;
    if (before.encrypted !== after.encrypted) this.add('OTHER', 'encryption');
    if (before.root?.objectNumber !== after.root?.objectNumber) {
      this.compareCatalogs(this.resolveBefore(before.root), this.resolveAfter(after.root));
    }
    if (before.info?.objectNumber !== after.info?.objectNumber) {
      if (!pdfValuesEqual(this.resolveBefore(before.info), this.resolveAfter(after.info)))
        this.add('LTA_UPDATES', 'document information updated');
    }
    const objectNumbers = new Set([...before.table.keys(), ...after.table.keys()]);
    for (const objectNumber of objectNumbers) {
      if (objectNumber === 0) continue;
      const usedBefore = this.reachableBefore.has(objectNumber);
      const usedAfter = this.reachableAfter.has(objectNumber);
      const locationBefore = file.locationKey(before, objectNumber);
      const locationAfter = file.locationKey(after, objectNumber);
      if (locationBefore === locationAfter) {
        // Bytes that were in the signed file but not part of its document, put to use later:
        // the "hide-and-replace" shadow attack prepares its content exactly like that.
        if (!usedBefore && usedAfter && !this.isContainer(objectNumber))
          this.add('OTHER', `object ${objectNumber}, unused when signed, used later`);
        continue;
      }
      if (!usedBefore && !usedAfter) continue; // neither revision's document uses it
      if (locationBefore === undefined) {
        // A new object matters only through what refers to it, unless something signed already did.
        if (this.referencedBefore().has(objectNumber)) this.add('OTHER', `object ${objectNumber}, missing when signed, defined later`);
        continue;
      }
      const oldValue = file.resolve(before, objectNumber);
      const newValue = locationAfter === undefined ? undefined : file.resolve(after, objectNumber);
      if (pdfValuesEqual(oldValue, newValue)) continue;
      if (!usedBefore) {
        this.add('OTHER', `object ${objectNumber}, unused when signed, redefined and used later`);
        continue;
      }
      if (oldValue === undefined) this.add('OTHER', `object ${objectNumber} changed`);
      else this.compareObject(objectNumber, oldValue, newValue);
    }
    return [...this.found.values()];
  }

  private add(level: ModificationLevel, description: string, extra: { signing?: boolean; field?: string } = {}): void {
    const existing = this.found.get(description);
    if (existing && levelRank(existing.level) >= levelRank(level)) return;
    this.found.set(description, { level, description, ...extra });
  }

  private isContainer(objectNumber: number): boolean {
    const value = this.file.resolve(this.after, objectNumber);
    return value instanceof PDFRawStream && CONTAINER_TYPES.has(nameOf(get(value.dict, 'Type')) ?? '');
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
        if (removed) this.add('OTHER', 'document catalog removed');
        else this.compareCatalogs(oldValue, newValue);
        return;
      case 'catalogEntry':
        if (role.key === 'Extensions' && !removed) this.add('LTA_UPDATES', 'catalog /Extensions updated');
        else this.add('OTHER', `catalog /${role.key} ${removed ? 'removed' : 'changed'}`);
        return;
      case 'acroForm':
        this.compareAcroForms(dictOf(oldValue), dictOf(newValue));
        return;
      case 'formFields':
        this.compareFieldLists(oldValue, newValue);
        return;
      case 'fieldKids':
        if (role.signed || removed)
          this.add('OTHER', `${role.signature ? 'signature' : 'form'} field ${role.name} ${removed ? 'removed' : 'changed'}`);
        else this.compareKidLists(role.name, role.signature, oldValue, newValue);
        return;
      case 'formResources':
        this.add('FORM_FILLING', 'form resources (/DR) updated', { signing: true });
        return;
      case 'dss':
        this.add('LTA_UPDATES', 'document security store (/DSS) updated', { signing: true });
        return;
      case 'page':
        if (removed) this.add('OTHER', `page ${role.page} removed`);
        else this.comparePages(role.page, oldValue, newValue);
        return;
      case 'pageAnnots':
        this.compareAnnotationLists(role.page, oldValue, newValue);
        return;
      case 'pageContent':
        this.add('OTHER', `page ${role.page} content`);
        return;
      case 'pageResources':
        if (removed || !this.sameResources(oldValue, newValue, 0)) this.add('OTHER', `page ${role.page} resources`);
        return;
      case 'annotation':
        if (removed) this.add('OTHER', `page ${role.page} annotation removed`);
        else this.add('ANNOTATIONS', `page ${role.page} annotation changed`);
        return;
      case 'pageTree':
        this.add('OTHER', 'page tree');
        return;
      case 'signatureField':
        // Signing an empty signature field fills it in; a signed one must stay as it was.
        if (role.signed || removed) this.add('OTHER', `signature field ${role.name} ${removed ? 'removed' : 'changed'}`);
        else this.compareUnsignedSignatureField(role.name, oldValue, newValue);
        return;
      case 'signatureAppearance':
        if (role.signed || removed)
          this.add('OTHER', `signature field ${role.name} ${removed ? 'appearance removed' : 'appearance changed'}`);
        else this.add('FORM_FILLING', `signature field ${role.name} appearance`, { signing: true });
        return;
      case 'signatureValue':
        this.add('OTHER', `signature ${role.name} ${removed ? 'removed' : 'replaced'}`);
        return;
      case 'formField':
        if (removed) this.add('OTHER', `form field ${role.name} removed`);
        else this.compareFormField(role.name, oldValue, newValue);
        return;
      case 'formFieldAppearance':
        this.add('FORM_FILLING', `form field ${role.name} filled in`, { field: role.name });
        return;
      case 'info':
        this.add('LTA_UPDATES', 'document information updated');
        return;
      case 'metadata':
        this.add('LTA_UPDATES', 'document metadata updated');
        return;
      default: {
        const type = nameOf(get(dictOf(oldValue), 'Type')) ?? nameOf(get(dictOf(oldValue), 'Subtype'));
        this.add('OTHER', `object ${objectNumber}${type ? ` (${type})` : ''} ${removed ? 'removed' : 'changed'}`);
      }
    }
  }

  private compareCatalogs(oldValue: PDFObject | undefined, newValue: PDFObject | undefined): void {
    const oldCatalog = dictOf(oldValue);
    const newCatalog = dictOf(newValue);
    if (!oldCatalog || !newCatalog) {
      this.add('OTHER', 'document catalog replaced');
      return;
    }
    for (const key of changedKeys(oldCatalog, newCatalog)) {
      if (key === 'AcroForm') {
        this.compareAcroForms(dictOf(this.resolveBefore(get(oldCatalog, key))), dictOf(this.resolveAfter(get(newCatalog, key))));
      } else if (key === 'Metadata' || key === 'DSS') {
        if (get(newCatalog, key) === undefined) this.add('OTHER', `catalog /${key} removed`);
        else
          this.add(CATALOG_RULES[key], key === 'DSS' ? 'document security store (/DSS) updated' : 'document metadata updated', {
            signing: key === 'DSS',
          });
      } else if (CATALOG_RULES[key]) {
        this.add(CATALOG_RULES[key], `catalog /${key} updated`);
      } else {
        this.add('OTHER', key === 'Pages' ? 'page tree' : `catalog /${key}`);
      }
    }
  }

  private compareAcroForms(oldForm: PDFDict | undefined, newForm: PDFDict | undefined): void {
    if (!newForm) {
      if (oldForm) this.add('OTHER', 'form removed');
      return;
    }
    if (oldForm) {
      for (const key of changedKeys(oldForm, newForm)) {
        if (key === 'Fields') continue;
        if (ACROFORM_KEYS.has(key)) this.add('FORM_FILLING', `form /${key}`, { signing: true });
        else if (key === 'NeedAppearances' && nameOrBool(get(newForm, key)) !== true)
          this.add('FORM_FILLING', 'form /NeedAppearances', { signing: true });
        else this.add('OTHER', `form /${key}`);
      }
    }
    this.compareFieldLists(oldForm && this.resolveBefore(get(oldForm, 'Fields')), this.resolveAfter(get(newForm, 'Fields')));
  }

  private compareFieldLists(oldValue: PDFObject | undefined, newValue: PDFObject | undefined): void {
    const { removed, added } = listDifference(this.resolveBefore(oldValue), this.resolveAfter(newValue));
    for (const entry of removed) this.add('OTHER', `form field ${this.fieldName(entry, this.before)} removed`);
    for (const entry of added) {
      const name = this.fieldName(entry, this.after);
      if (this.isSignatureField(this.resolveAfter(entry), 0)) this.add('FORM_FILLING', `signature field ${name} added`, { signing: true });
      else this.add('OTHER', `form field ${name} added`);
    }
  }

  /** The /Kids of a field that was not signed: new signature widgets may be added, nothing removed. */
  private compareKidLists(name: string, signature: boolean, oldValue: PDFObject | undefined, newValue: PDFObject | undefined): void {
    const { removed, added } = listDifference(this.resolveBefore(oldValue), this.resolveAfter(newValue));
    if (removed.length > 0) this.add('OTHER', `${signature ? 'signature' : 'form'} field ${name} widget removed`);
    for (const entry of added) {
      if (signature && this.isSignatureField(this.resolveAfter(entry), 0))
        this.add('FORM_FILLING', `signature field ${name} widget added`, { signing: true });
      else this.add('OTHER', `form field ${name} widget added`);
    }
  }

  private compareUnsignedSignatureField(name: string, oldValue: PDFObject, newValue: PDFObject | undefined): void {
    const oldField = dictOf(oldValue);
    const newField = dictOf(newValue);
    if (!oldField || !newField) {
      this.add('OTHER', `signature field ${name} replaced`);
      return;
    }
    for (const key of changedKeys(oldField, newField)) {
      if (key === 'Kids') this.compareKidLists(name, true, this.resolveBefore(get(oldField, key)), this.resolveAfter(get(newField, key)));
      else if (UNSIGNED_SIGNATURE_FIELD_KEYS.has(key)) this.add('FORM_FILLING', `signature field ${name} signed`, { signing: true });
      else this.add('OTHER', `signature field ${name} /${key}`);
    }
  }

  private compareFormField(name: string, oldValue: PDFObject, newValue: PDFObject | undefined): void {
    const oldField = dictOf(oldValue);
    const newField = dictOf(newValue);
    if (!oldField || !newField) {
      this.add('OTHER', `form field ${name} replaced`);
      return;
    }
    for (const key of changedKeys(oldField, newField)) {
      if (key === 'Kids') this.compareKidLists(name, false, this.resolveBefore(get(oldField, key)), this.resolveAfter(get(newField, key)));
      else if (FORM_FILLING_KEYS.has(key)) this.add('FORM_FILLING', `form field ${name} filled in`, { field: name });
      else this.add('OTHER', `form field ${name} /${key}`);
    }
  }

  private comparePages(page: number, oldValue: PDFObject, newValue: PDFObject): void {
    const oldPage = dictOf(oldValue);
    const newPage = dictOf(newValue);
    if (!oldPage || !newPage) {
      this.add('OTHER', `page ${page} replaced`);
      return;
    }
    for (const key of changedKeys(oldPage, newPage)) {
      if (key === 'Annots') this.compareAnnotationLists(page, this.resolveBefore(get(oldPage, key)), this.resolveAfter(get(newPage, key)));
      else if (key === 'Contents') {
        if (!this.sameContentStreams(get(oldPage, key), get(newPage, key))) this.add('OTHER', `page ${page} content`);
      } else if (key === 'Resources') {
        if (!this.sameResources(get(oldPage, key), get(newPage, key), 0)) this.add('OTHER', `page ${page} resources`);
      } else this.add('OTHER', `page ${page} /${key}`);
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
      // The wrapped streams must be the very ones that were signed, not redefinitions.
      if (!oldStreams.every((n) => this.file.locationKey(this.before, n) === this.file.locationKey(this.after, n))) return false;
      const saves = count(newStreams.slice(0, start), 'q');
      if (saves !== undefined && saves === count(newStreams.slice(end), 'Q')) return true;
    }
    return false;
  }

  /** How many times a stream repeats `operator` and nothing else; undefined for any other content. */
  private operatorOnlyCount(objectNumber: number, operator: 'q' | 'Q'): number | undefined {
    const stream = this.file.resolve(this.after, objectNumber);
    if (!(stream instanceof PDFRawStream) || stream.contents.length > 4096) return undefined;
    let data: Uint8Array;
    try {
      data = decodeStreamData(stream, this.file.budget);
    } catch (error) {
      rethrowLimit(error);
      return undefined;
    }
    if (data.length > 4096) return undefined;
    const tokens = latin1(data)
      .split(/[\0\t\n\f\r ]+/)
      .filter(Boolean);
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
    if (
      depth > 1 ||
      !isDict(oldResolved) ||
      !isDict(newResolved) ||
      oldResolved instanceof PDFRawStream ||
      newResolved instanceof PDFRawStream
    ) {
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
    if (removed.length > 0) this.add('OTHER', `page ${page} annotation removed`);
    for (const entry of added) {
      const annotation = dictOf(this.resolveAfter(entry));
      const subtype = nameOf(get(annotation, 'Subtype'));
      if (subtype === 'Widget' && this.isSignatureField(annotation, 0))
        this.add('FORM_FILLING', `page ${page} signature widget added`, { signing: true });
      else this.add('ANNOTATIONS', `page ${page} annotation added (${subtype ?? 'unknown'})`);
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

function nameOrBool(value: PDFObject | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return value.toString() === 'true';
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
  const refs = (list: PDFObject[]) => new Set(list.filter(isRef).map((entry) => entry.objectNumber));
  const oldRefs = refs(oldEntries);
  const newRefs = refs(newEntries);
  const contains = (list: PDFObject[], numbers: Set<number>, entry: PDFObject) =>
    isRef(entry) ? numbers.has(entry.objectNumber) : list.some((other) => !isRef(other) && pdfValuesEqual(other, entry));
  return {
    removed: oldEntries.filter((entry) => !contains(newEntries, newRefs, entry)),
    added: newEntries.filter((entry) => !contains(oldEntries, oldRefs, entry)),
  };
}
