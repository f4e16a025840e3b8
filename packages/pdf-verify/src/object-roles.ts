// What each indirect object of a revision is for (catalog, page 2 content, signature field X,
// ...), which decides whether a later redefinition of it is allowed and how it is named.
import { PDFObject, PDFRawStream } from '@cantoo/pdf-lib';
import type { PdfFile, Revision } from './pdf-file.js';
import { dictOf, get, isArray, isDict, isRef, nameOf, textOf } from './pdf-values.js';

export type Role =
  | { kind: 'catalog' }
  | { kind: 'catalogEntry'; key: string }
  | { kind: 'pageTree' }
  | { kind: 'page'; page: number }
  | { kind: 'pageContent'; page: number }
  | { kind: 'pageAnnots'; page: number }
  | { kind: 'pageResources'; page: number }
  | { kind: 'annotation'; page: number }
  | { kind: 'acroForm' }
  | { kind: 'formFields' }
  | { kind: 'formResources' }
  | { kind: 'fieldKids'; name: string; signature: boolean; signed: boolean }
  | { kind: 'signatureField'; name: string; signed: boolean }
  | { kind: 'signatureAppearance'; name: string; signed: boolean }
  | { kind: 'signatureValue'; name: string }
  | { kind: 'formField'; name: string }
  | { kind: 'formFieldAppearance'; name: string }
  | { kind: 'dss' }
  | { kind: 'info' }
  | { kind: 'metadata' };

/** Bound for walking nested structures (field trees, page trees) of untrusted files. */
export const MAX_DEPTH = 64;

/** Catalog entries whose indirect values get a role of their own (named in reports). */
const NAMED_CATALOG_ENTRIES = [
  'Names',
  'OpenAction',
  'AA',
  'OCProperties',
  'Outlines',
  'Dests',
  'URI',
  'Perms',
  'StructTreeRoot',
  'Extensions',
  'Collection',
  'Legal',
];

/** What each indirect object of a revision is for. The first role assigned wins. */
export function assignRoles(file: PdfFile, revision: Revision): Map<number, Role> {
  const roles = new Map<number, Role>();
  const assign = (value: PDFObject | undefined, role: Role) => {
    if (isRef(value) && !roles.has(value.objectNumber)) roles.set(value.objectNumber, role);
  };
  const resolve = (value: PDFObject | undefined) => file.deref(revision, value);
  if (revision.root) assign(revision.root, { kind: 'catalog' });
  if (revision.info) assign(revision.info, { kind: 'info' });
  const catalog = dictOf(resolve(revision.root));
  if (!catalog) return roles;
  assign(get(catalog, 'Metadata'), { kind: 'metadata' });

  let pageNumber = 0;
  const visitPages = (value: PDFObject | undefined, depth: number) => {
    const node = dictOf(resolve(value));
    if (!node || depth > MAX_DEPTH || (isRef(value) && roles.has(value.objectNumber) && depth > 0)) return;
    const kids = resolve(get(node, 'Kids'));
    if (nameOf(get(node, 'Type')) === 'Pages' || isArray(kids)) {
      assign(value, { kind: 'pageTree' });
      assign(get(node, 'Kids'), { kind: 'pageTree' });
      if (isArray(kids)) for (const kid of kids.asArray()) visitPages(kid, depth + 1);
      return;
    }
    const page = ++pageNumber;
    assign(value, { kind: 'page', page });
    const contents = get(node, 'Contents');
    assign(contents, { kind: 'pageContent', page });
    const contentList = resolve(contents);
    if (isArray(contentList)) for (const stream of contentList.asArray()) assign(stream, { kind: 'pageContent', page });
    const annots = get(node, 'Annots');
    assign(annots, { kind: 'pageAnnots', page });
    const annotList = resolve(annots);
    if (isArray(annotList)) for (const annotation of annotList.asArray()) assign(annotation, { kind: 'annotation', page });
    const resources = get(node, 'Resources');
    assign(resources, { kind: 'pageResources', page });
    for (const [, category] of dictOf(resolve(resources))?.entries() ?? []) {
      assign(category, { kind: 'pageResources', page });
      for (const [, resource] of dictOf(resolve(category))?.entries() ?? []) assign(resource, { kind: 'pageResources', page });
    }
  };
  // Interactive form first: a signature widget is also a page annotation, and its role as a
  // signature decides what may change.
  const acroForm = get(catalog, 'AcroForm');
  assign(acroForm, { kind: 'acroForm' });
  const form = dictOf(resolve(acroForm));
  assign(get(form, 'Fields'), { kind: 'formFields' });
  const fields = resolve(get(form, 'Fields'));
  const assignAppearances = (field: ReturnType<typeof dictOf>, role: Role) => {
    assign(get(field, 'AP'), role);
    for (const [, appearance] of dictOf(resolve(get(field, 'AP')))?.entries() ?? []) {
      assign(appearance, role);
      const states = resolve(appearance);
      if (isDict(states) && !(states instanceof PDFRawStream)) for (const [, state] of states.entries()) assign(state, role);
    }
  };
  const visitField = (value: PDFObject, parentName: string, inheritedType: string | undefined, signedAncestor: boolean, depth: number) => {
    const field = dictOf(resolve(value));
    if (!field || depth > MAX_DEPTH) return;
    const partial = textOf(get(field, 'T'));
    const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const fieldType = nameOf(get(field, 'FT')) ?? inheritedType;
    // A widget kid of a signed field is as frozen as the field: its appearance is the seal's.
    const signed = signedAncestor || (fieldType === 'Sig' && get(field, 'V') !== undefined);
    if (fieldType === 'Sig') {
      assign(value, { kind: 'signatureField', name, signed });
      assign(get(field, 'V'), { kind: 'signatureValue', name });
      assignAppearances(field, { kind: 'signatureAppearance', name, signed });
    } else {
      assign(value, { kind: 'formField', name });
      assignAppearances(field, { kind: 'formFieldAppearance', name });
    }
    assign(get(field, 'Kids'), { kind: 'fieldKids', name, signature: fieldType === 'Sig', signed });
    const kids = resolve(get(field, 'Kids'));
    if (isArray(kids)) for (const kid of kids.asArray()) visitField(kid, name, fieldType, signed, depth + 1);
  };
  if (isArray(fields)) for (const field of fields.asArray()) visitField(field, '', undefined, false, 0);

  // Pages before the form resources and DSS: a font shared by a page and /DR is page content.
  visitPages(get(catalog, 'Pages'), 0);

  const formResources = get(form, 'DR');
  assign(formResources, { kind: 'formResources' });
  for (const [, entry] of dictOf(resolve(formResources))?.entries() ?? []) assign(entry, { kind: 'formResources' });

  const dss = get(catalog, 'DSS');
  assign(dss, { kind: 'dss' });
  for (const [, entry] of dictOf(resolve(dss))?.entries() ?? []) {
    assign(entry, { kind: 'dss' });
    const list = resolve(entry);
    if (isArray(list)) for (const item of list.asArray()) assign(item, { kind: 'dss' });
    if (isDict(list)) for (const [, item] of list.entries()) assign(item, { kind: 'dss' });
  }
  for (const key of NAMED_CATALOG_ENTRIES) assign(get(catalog, key), { kind: 'catalogEntry', key });

  return roles;
}
