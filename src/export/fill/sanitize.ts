import path from 'node:path/posix';
import { DOMParser, type Document, type Element, type Node, XMLSerializer } from '@xmldom/xmldom';
import type PizZip from 'pizzip';
import { DomainError } from '../../errors.js';

const DOCUMENT_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';
const TEMPLATE_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml';
/** .docm / .dotm main parts (`application/vnd.ms-word.document.macroEnabled.main+xml`, `…template.macroEnabledTemplate.main+xml`). */
const MACRO_TYPE = /^application\/vnd\.ms-word\.[a-z.]*macroEnabled[a-z.]*\+xml$/i;
const VBA_TYPE = 'application/vnd.ms-office.vbaProject';
const RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const O_NS = 'urn:schemas-microsoft-com:office:office';
const MACRO_PARTS = /^word\/(vbaProject\.bin|vbaData\.xml|_rels\/vbaProject\.bin\.rels)$/i;
/** Field instructions that make Word or LibreOffice read another file or URL (or run a DDE link). */
const FETCHING_FIELD = /^[\s"{]*(INCLUDEPICTURE|INCLUDETEXT|LINK|DDE|DDEAUTO|IMPORT)\b/i;
/** A value naming something outside the package: a URI scheme, a UNC path, a drive or rooted path. */
const OUTSIDE = /^\s*(?:[a-z][a-z0-9+.-]*:|\\\\|\/\/|[a-z]:[\\/]|\/)/i;
/** Elements (by local name) that are nothing without the relationship they point at. */
const POINTER_ELEMENTS = new Set(['attachedTemplate', 'subDoc', 'altChunk', 'OLEObject']);

const notDocx = (message: string) => new DomainError('NOT_DOCX', message);
const notMacro = () => notDocx('Macro-enabled Word documents (.docm, .dotm) are not accepted; save the template as .docx.');

export interface SanitizeReport {
  /** Relationships removed: external ones (linked images, hyperlinks, OLE links, attached templates, …) and internal ones naming no part of the package. */
  externalRelationships: number;
  /** Macro parts removed. */
  macroParts: number;
  /** INCLUDEPICTURE / INCLUDETEXT / LINK / DDE fields neutralised. */
  fields: number;
}

function parseXml(xml: string, part: string): Document {
  try {
    const document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
    // Word never writes a DTD; one here can only be an entity trick.
    if (document.doctype) throw new Error('a DOCTYPE');
    return document;
  } catch (error) {
    throw notDocx(`The part ${part} of the Word document is not acceptable XML (${(error as Error).message.slice(0, 120)}).`);
  }
}

const serialize = (document: Document) => new XMLSerializer().serializeToString(document);

function elements(root: Document | Element, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS('*', localName));
}

function remove(node: Node): void {
  node.parentNode?.removeChild(node);
}

/**
 * Makes a template safe to hand to LibreOffice. Every part is read with an XML parser, so attribute
 * values are compared after entity decoding (`TargetMode="&#69;xternal"` is `External`):
 * - it must be a Word document: `[Content_Types].xml` gives word/document.xml a WordprocessingML
 *   main type (a .dotx is accepted and turned into a document); macro-enabled types are refused, and
 *   so is any part with a DOCTYPE;
 * - VBA parts (`word/vbaProject.bin`, its rels, `vbaData.xml`) and their content types are removed;
 * - every relationship with `TargetMode="External"`, and every internal one whose target is absolute
 *   (a scheme, a UNC or rooted path) or does not resolve — `..` segments included — to a part of
 *   this package, is removed, and the attributes that referred to it (`r:link`, `r:embed`, `r:id`, …)
 *   are dropped from the part that used it, so a linked image becomes an empty picture frame and a
 *   hyperlink plain text;
 * - field instructions are joined across runs (`w:instrText` between a field's `begin` and its
 *   `separate`/`end`, nested fields included) before they are judged; INCLUDEPICTURE / INCLUDETEXT /
 *   LINK / DDE fields are blanked, as are `w:fldSimple` ones, VML `o:href`/`src` URLs, and the
 *   mail-merge settings.
 * So a conversion can never fetch a URL or read a local file named by a template.
 */
export function sanitizeDocx(zip: PizZip): SanitizeReport {
  const report: SanitizeReport = { externalRelationships: 0, macroParts: 0, fields: 0 };
  sanitizeContentTypes(zip);

  for (const name of Object.keys(zip.files)) {
    if (MACRO_PARTS.test(name)) {
      zip.remove(name);
      report.macroParts++;
    }
  }
  const parts = new Set(Object.keys(zip.files).filter((name) => !zip.files[name].dir));
  for (const name of [...parts]) {
    if (!name.endsWith('.rels')) continue;
    const document = parseXml(zip.file(name)!.asText(), name);
    const source = sourcePartOf(name);
    const base = source === undefined ? '' : path.dirname(source);
    const removed: string[] = [];
    for (const relationship of elements(document, 'Relationship')) {
      const target = relationship.getAttribute('Target') ?? '';
      const external = (relationship.getAttribute('TargetMode') ?? '').trim().toLowerCase() === 'external';
      const resolved = external ? undefined : resolveTarget(base, target);
      const keep = !external && resolved !== undefined && parts.has(resolved) && !/vbaProject\.bin$/i.test(resolved);
      if (keep) continue;
      const id = relationship.getAttribute('Id');
      if (id) removed.push(id);
      if (external || !/vbaProject\.bin$/i.test(target)) report.externalRelationships++;
      remove(relationship);
    }
    if (removed.length === 0) continue;
    zip.file(name, serialize(document));
    if (source && zip.file(source) && /\.xml$/i.test(source)) {
      const sourceDocument = parseXml(zip.file(source)!.asText(), source);
      if (dropReferences(sourceDocument, new Set(removed))) zip.file(source, serialize(sourceDocument));
    }
  }
  for (const name of Object.keys(zip.files)) {
    if (!/^word\/[^/]+\.xml$/i.test(name)) continue;
    const document = parseXml(zip.file(name)!.asText(), name);
    if (neutraliseFields(document, report)) zip.file(name, serialize(document));
  }
  return report;
}

function sanitizeContentTypes(zip: PizZip): void {
  const document = parseXml(zip.file('[Content_Types].xml')?.asText() ?? '<Types/>', '[Content_Types].xml');
  const entries = [...elements(document, 'Override'), ...elements(document, 'Default')];
  if (entries.some((entry) => MACRO_TYPE.test((entry.getAttribute('ContentType') ?? '').trim()))) throw notMacro();
  const main = elements(document, 'Override').find(
    (entry) => (entry.getAttribute('PartName') ?? '').trim().toLowerCase() === '/word/document.xml',
  );
  const mainType = (main?.getAttribute('ContentType') ?? '').trim();
  if (mainType !== DOCUMENT_MAIN && mainType !== TEMPLATE_MAIN) {
    throw notDocx(
      'The file is a zip package but not a Word document (.docx): word/document.xml is not declared as a WordprocessingML document.',
    );
  }
  let changed = false;
  for (const entry of entries) {
    const part = (entry.getAttribute('PartName') ?? '').trim();
    if ((entry.getAttribute('ContentType') ?? '').trim() === VBA_TYPE || /^\/word\/(vbaProject\.bin|vbaData\.xml)$/i.test(part)) {
      remove(entry);
      changed = true;
    }
  }
  // A .dotx is fine as a template; Word opens the result as a document.
  if (mainType === TEMPLATE_MAIN) {
    main!.setAttribute('ContentType', DOCUMENT_MAIN);
    changed = true;
  }
  if (changed) zip.file('[Content_Types].xml', serialize(document));
}

/** `word/_rels/document.xml.rels` → `word/document.xml`; `_rels/.rels` → `` (the package itself: base ''). */
function sourcePartOf(relsName: string): string | undefined {
  const match = /^(.*?)_rels\/([^/]*)\.rels$/.exec(relsName);
  if (!match) return undefined;
  return match[2] ? `${match[1]}${match[2]}` : undefined;
}

/** The package part an internal target names, or undefined when it names anything outside the package. */
function resolveTarget(base: string, target: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(target.trim());
  } catch {
    return undefined;
  }
  if (!decoded || decoded.includes('\\') || decoded.includes('\0')) return undefined;
  // A package-absolute target ("/word/document.xml") is relative to the package root.
  const rooted = decoded.startsWith('/') && !decoded.startsWith('//');
  if (!rooted && OUTSIDE.test(decoded)) return undefined;
  const joined = rooted ? decoded.slice(1) : path.join(base, decoded);
  const normalised = path.normalize(joined);
  if (normalised.startsWith('..') || normalised.startsWith('/')) return undefined;
  return normalised;
}

/** Drops relationship-namespace attributes naming a removed id; elements that only exist to point at one go. True when anything changed. */
function dropReferences(document: Document, ids: Set<string>): boolean {
  let changed = false;
  const all = Array.from(document.getElementsByTagName('*'));
  for (const element of all) {
    const attributes = Array.from(element.attributes);
    const pointing = attributes.filter((attribute) => attribute.namespaceURI === RELATIONSHIPS_NS && ids.has(attribute.value));
    if (pointing.length === 0) continue;
    changed = true;
    if (element.localName && POINTER_ELEMENTS.has(element.localName)) {
      remove(element);
      continue;
    }
    for (const attribute of pointing) element.removeAttributeNode(attribute);
  }
  return changed;
}

/** Blanks fetching fields (complex ones joined across runs, and simple ones), VML source URLs and mail merge. True when anything changed. */
function neutraliseFields(document: Document, report: SanitizeReport): boolean {
  let changed = false;
  // Complex fields: walk fldChar/instrText in document order; a stack keeps nested fields apart.
  const stack: Array<{ instructions: Element[]; collecting: boolean }> = [];
  const judge = (field: { instructions: Element[] }) => {
    const text = field.instructions.map((node) => node.textContent ?? '').join('');
    if (!FETCHING_FIELD.test(text)) return;
    for (const node of field.instructions) {
      while (node.firstChild) node.removeChild(node.firstChild);
    }
    report.fields++;
    changed = true;
  };
  for (const node of Array.from(document.getElementsByTagName('*'))) {
    if (node.namespaceURI !== W_NS) continue;
    if (node.localName === 'fldChar') {
      const type = node.getAttributeNS(W_NS, 'fldCharType');
      if (type === 'begin') stack.push({ instructions: [], collecting: true });
      else if (type === 'separate' && stack.length > 0) stack[stack.length - 1].collecting = false;
      else if (type === 'end' && stack.length > 0) judge(stack.pop()!);
    } else if (node.localName === 'instrText' && stack.length > 0) {
      // A nested field's instruction belongs to the outer one too (it may build its argument).
      for (const field of stack) if (field.collecting) field.instructions.push(node);
    }
  }
  for (const field of stack) judge(field); // unterminated fields are judged as they stand

  for (const simple of elements(document, 'fldSimple')) {
    if (!FETCHING_FIELD.test(simple.getAttributeNS(W_NS, 'instr') ?? '')) continue;
    simple.setAttributeNS(W_NS, 'w:instr', '');
    report.fields++;
    changed = true;
  }
  // VML images can name their source directly.
  for (const element of Array.from(document.getElementsByTagName('*'))) {
    for (const attribute of Array.from(element.attributes)) {
      const vmlSource =
        (attribute.namespaceURI === O_NS && attribute.localName === 'href') || (!attribute.namespaceURI && attribute.localName === 'src');
      if (vmlSource && (OUTSIDE.test(attribute.value) || attribute.value.includes('..'))) {
        element.removeAttributeNode(attribute);
        changed = true;
      }
    }
  }
  for (const mailMerge of elements(document, 'mailMerge')) {
    remove(mailMerge);
    changed = true;
  }
  return changed;
}
