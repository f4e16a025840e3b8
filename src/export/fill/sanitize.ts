import type PizZip from 'pizzip';
import { ApiError } from '../../http/errors.js';

const DOCUMENT_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';
const TEMPLATE_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml';
/** .docm / .dotm main parts (`application/vnd.ms-word.document.macroEnabled.main+xml`, `…template.macroEnabledTemplate.main+xml`). */
const MACRO_MAIN = /application\/vnd\.ms-word\.[a-z.]*macroEnabled[a-z.]*\+xml/i;
const RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const MACRO_PARTS = /^word\/(vbaProject\.bin|vbaData\.xml|_rels\/vbaProject\.bin\.rels)$/i;
/** Field instructions that make Word or LibreOffice read another file or URL (or run a DDE link). */
const FETCHING_FIELD = /^\s*(INCLUDEPICTURE|INCLUDETEXT|LINK|DDE|DDEAUTO|IMPORT)\b/i;

const notDocx = (message: string) => new ApiError(415, 'NOT_DOCX', message);
const notMacro = () => notDocx('Macro-enabled Word documents (.docm, .dotm) are not accepted; save the template as .docx.');

export interface SanitizeReport {
  /** External relationships removed (linked images, hyperlinks, OLE links, attached templates, …). */
  externalRelationships: number;
  /** Macro parts removed. */
  macroParts: number;
  /** INCLUDEPICTURE / INCLUDETEXT / LINK / DDE fields neutralised. */
  fields: number;
}

/**
 * Makes a template safe to hand to LibreOffice:
 * - it must be a Word document: `[Content_Types].xml` gives word/document.xml a WordprocessingML
 *   main type (a .dotx is accepted and turned into a document); macro-enabled types are refused;
 * - VBA parts (`word/vbaProject.bin`, its rels, `vbaData.xml`) and their content types are removed;
 * - every relationship with `TargetMode="External"` (linked images, hyperlinks, linked OLE objects,
 *   attached templates, frames, sub-documents, mail-merge sources) is removed, and the attributes
 *   that referred to it (`r:link`, `r:embed`, `r:id`, …) are dropped from the part that used it, so
 *   a linked image becomes an empty picture frame and a hyperlink plain text;
 * - INCLUDEPICTURE / INCLUDETEXT / LINK / DDE field instructions and VML `o:href`/`src` URLs are
 *   blanked, and the mail-merge settings are removed.
 * So a conversion can never fetch a URL or read a local file named by a template.
 */
export function sanitizeDocx(zip: PizZip): SanitizeReport {
  const report: SanitizeReport = { externalRelationships: 0, macroParts: 0, fields: 0 };
  const contentTypes = zip.file('[Content_Types].xml')?.asText() ?? '';
  if (MACRO_MAIN.test(contentTypes)) throw notMacro();
  const main = /<Override\b[^>]*PartName="\/word\/document\.xml"[^>]*>/i.exec(contentTypes)?.[0] ?? '';
  if (!main.includes(DOCUMENT_MAIN) && !main.includes(TEMPLATE_MAIN)) {
    throw notDocx('The file is a zip package but not a Word document (.docx): word/document.xml is not declared as a WordprocessingML document.');
  }
  const cleanedTypes = contentTypes
    .replace(/<Override\b[^>]*PartName="\/word\/(vbaProject\.bin|vbaData\.xml)"[^>]*\/>/gi, '')
    .replace(/<Default\b[^>]*ContentType="application\/vnd\.ms-office\.vbaProject"[^>]*\/>/gi, '')
    // A .dotx is fine as a template; Word opens the result as a document.
    .replace(TEMPLATE_MAIN, DOCUMENT_MAIN);
  if (cleanedTypes !== contentTypes) zip.file('[Content_Types].xml', cleanedTypes);

  for (const name of Object.keys(zip.files)) {
    if (MACRO_PARTS.test(name)) {
      zip.remove(name);
      report.macroParts++;
    }
  }
  for (const name of Object.keys(zip.files)) {
    if (!name.endsWith('.rels') || zip.files[name].dir) continue;
    const xml = zip.file(name)!.asText();
    const removed: string[] = [];
    const cleaned = xml.replace(/<Relationship\b[^>]*\/>|<Relationship\b[^>]*>[\s\S]*?<\/Relationship>/g, (relationship) => {
      const external = /TargetMode\s*=\s*["']External["']/i.test(relationship);
      const vba = /Target\s*=\s*["'][^"']*vbaProject\.bin["']/i.test(relationship);
      if (!external && !vba) return relationship;
      const id = /\bId\s*=\s*["']([^"']+)["']/.exec(relationship)?.[1];
      if (id) removed.push(id);
      if (external) report.externalRelationships++;
      return '';
    });
    if (cleaned === xml) continue;
    zip.file(name, cleaned);
    const source = sourcePartOf(name);
    if (source && removed.length > 0 && zip.file(source)) zip.file(source, dropReferences(zip.file(source)!.asText(), removed));
  }
  for (const name of Object.keys(zip.files)) {
    if (!/^word\/[^/]+\.xml$/i.test(name)) continue;
    const xml = zip.file(name)!.asText();
    const cleaned = neutraliseFields(xml, report);
    if (cleaned !== xml) zip.file(name, cleaned);
  }
  return report;
}

/** `word/_rels/document.xml.rels` → `word/document.xml`; `_rels/.rels` → none (the package). */
function sourcePartOf(relsName: string): string | undefined {
  const match = /^(.*?)_rels\/([^/]+)\.rels$/.exec(relsName);
  return match && match[2] ? `${match[1]}${match[2]}` : undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Drops every relationship-namespace attribute naming one of `ids`; elements that only exist to point at one go. */
function dropReferences(xml: string, ids: string[]): string {
  const prefixes = [...xml.matchAll(/xmlns:([A-Za-z_][\w.-]*)="([^"]*)"/g)].filter((m) => m[2] === RELATIONSHIPS_NS).map((m) => m[1]);
  if (prefixes.length === 0) return xml;
  const source = `\\s(?:${prefixes.map(escapeRegExp).join('|')}):[A-Za-z]+\\s*=\\s*"(?:${ids.map(escapeRegExp).join('|')})"`;
  const refers = (element: string) => new RegExp(source).test(element);
  return (
    xml
      // Elements that are nothing without their target: attached template, sub-document, alt chunk, linked OLE object.
      .replace(/<(w:attachedTemplate|w:subDoc|w:altChunk|o:OLEObject)\b[^>]*\/>/g, (element) => (refers(element) ? '' : element))
      .replace(new RegExp(source, 'g'), '')
  );
}

function neutraliseFields(xml: string, report: SanitizeReport): string {
  return (
    xml
      .replace(/(<w:instrText\b[^>]*>)([^<]*)(<\/w:instrText>)/g, (all, open: string, instruction: string, close: string) => {
        if (!FETCHING_FIELD.test(instruction)) return all;
        report.fields++;
        return `${open}${close}`;
      })
      .replace(/(<w:fldSimple\b[^>]*\sw:instr=")([^"]*)(")/g, (all, open: string, instruction: string, close: string) => {
        if (!FETCHING_FIELD.test(instruction.replace(/&quot;/g, '"'))) return all;
        report.fields++;
        return `${open}${close}`;
      })
      // VML images can name their source directly.
      .replace(/\s(?:o:href|src)="(?:[a-z][a-z0-9+.-]*:|\\\\|\/)[^"]*"/gi, '')
      .replace(/<w:mailMerge>[\s\S]*?<\/w:mailMerge>/g, '')
  );
}
