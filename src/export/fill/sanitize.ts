import type PizZip from 'pizzip';
import { ApiError } from '../../http/errors.js';

const MACRO_MAIN = 'application/vnd.ms-word.document.macroEnabled.main+xml';
const TEMPLATE_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml';
const HYPERLINK = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink';
const MACRO_PARTS = /^word\/(vbaProject\.bin|vbaData\.xml|_rels\/vbaProject\.bin\.rels)$/i;

/**
 * Makes a template safe to hand to LibreOffice: refuses macro-enabled documents, drops VBA parts,
 * and removes every relationship that points outside the package (linked images, OLE objects,
 * attached templates, frames, sub-documents) except clickable hyperlinks, so conversion can never
 * fetch a URL or read a local file. Returns how many external relationships were removed.
 */
export function sanitizeDocx(zip: PizZip): number {
  const contentTypes = zip.file('[Content_Types].xml')?.asText() ?? '';
  if (contentTypes.includes(MACRO_MAIN)) {
    throw new ApiError(415, 'NOT_DOCX', 'Macro-enabled Word documents (.docm) are not accepted; save the template as .docx.');
  }
  let cleanedTypes = contentTypes.replace(/<Override[^>]*PartName="\/word\/vbaProject\.bin"[^>]*\/>/gi, '').replace(/<Override[^>]*PartName="\/word\/vbaData\.xml"[^>]*\/>/gi, '');
  // A .dotx is fine as a template; Word opens the result as a document.
  cleanedTypes = cleanedTypes.replace(TEMPLATE_MAIN, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml');
  if (cleanedTypes !== contentTypes) zip.file('[Content_Types].xml', cleanedTypes);

  let removed = 0;
  for (const name of Object.keys(zip.files)) {
    if (MACRO_PARTS.test(name)) {
      zip.remove(name);
      continue;
    }
    if (!name.endsWith('.rels')) continue;
    const xml = zip.file(name)!.asText();
    const cleaned = xml.replace(/<Relationship\b[^>]*\/>|<Relationship\b[^>]*>[\s\S]*?<\/Relationship>/g, (relationship) => {
      const external = /TargetMode\s*=\s*"External"/i.test(relationship);
      const vba = /Target\s*=\s*"[^"]*vbaProject\.bin"/i.test(relationship);
      if (vba || (external && !relationship.includes(`Type="${HYPERLINK}"`))) {
        removed++;
        return '';
      }
      return relationship;
    });
    if (cleaned !== xml) zip.file(name, cleaned);
  }
  return removed;
}
