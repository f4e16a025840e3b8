// Filling Word templates with docxtemplater: syntax errors, data validation, images without the paid
// module, zip bombs, macros and external links. Real docxtemplater, real zip bytes; no LibreOffice.
import { deflateRawSync } from 'node:zlib';
import PizZip from 'pizzip';
import { describe, expect, it } from 'vitest';
import { guardZip } from '../../src/export/fill/zip-guard.js';
import { compileTemplate, renderDocx } from '../../src/export/fill/index.js';
import { validateTemplateData } from '../../src/export/fill/validate.js';
import { docxOf } from '../helpers/office.js';
import { JPEG_1X1, PNG_1X1, makePdf } from '../helpers/fixtures.js';

const noImages = async (): Promise<never> => {
  throw new Error('no image expected');
};
const render = (template: Uint8Array, data: unknown, loadImage = noImages as Parameters<typeof renderDocx>[2]['loadImage']) =>
  renderDocx(template, data, { production: true, loadImage });
const documentXml = (docx: Buffer) => new PizZip(docx).file('word/document.xml')!.asText();
const textOf = (docx: Buffer) => [...documentXml(docx).matchAll(/<w:t[^>]*>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');

/** A DOCX whose body is the given raw WordprocessingML. */
function docxWithBody(body: string, extraFiles: Record<string, string | Uint8Array> = {}, rels = ''): Uint8Array {
  const zip = new PizZip(docxOf(['x']));
  const xml = zip.file('word/document.xml')!.asText().replace(/<w:body>.*<w:sectPr>/s, `<w:body>${body}<w:sectPr>`);
  zip.file('word/document.xml', xml);
  zip.file('word/_rels/document.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`);
  for (const [name, content] of Object.entries(extraFiles)) zip.file(name, content);
  return zip.generate({ type: 'uint8array', compression: 'DEFLATE' });
}
const p = (text: string) => `<w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
const cell = (text: string) => `<w:tc><w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p></w:tc>`;

/** A zip with one entry, compressed by us, so sizes in the directory can be made to lie. */
function zipWith(entries: Array<{ name: string; data: Buffer; declaredSize?: number }>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const compressed = deflateRawSync(entry.data);
    const name = Buffer.from(entry.name);
    const size = entry.declaredSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('filling Word templates', () => {
  it('renders loops, conditions, nested sections, repeating table rows, line breaks and Chinese text', async () => {
    const template = docxWithBody(
      p('申请人：{#applicant}{name}（{college}）{/applicant}') +
        p('{#urgent}【加急】{/urgent}{^urgent}【普通】{/urgent}') +
        p('事由：{reason}') +
        `<w:tbl><w:tr>${cell('课程')}${cell('教师')}</w:tr><w:tr>${cell('{#courses}{course}')}${cell('{teacher}{/courses}')}</w:tr></w:tbl>` +
        p('{#approvers}') + p('审批人：{name}') + p('{/approvers}'),
    );
    const docx = await render(template, {
      applicant: { name: '张三', college: '计算机科学与技术学院' },
      urgent: false,
      reason: '家中有事\n需回家处理',
      courses: [{ course: '操作系统', teacher: '王老师' }, { course: '编译原理', teacher: '李老师' }, { course: '数据库', teacher: '赵老师' }],
      approvers: [{ name: '李四' }, { name: '王五' }],
    });
    const xml = documentXml(docx);
    const text = textOf(docx);
    expect(text).toContain('申请人：张三（计算机科学与技术学院）');
    expect(text).toContain('【普通】');
    expect(text).not.toContain('【加急】');
    expect(xml).toMatch(/家中有事<\/w:t><\/w:r><w:r><w:br\/><\/w:r>.*需回家处理/s);
    expect((xml.match(/<w:tr>/g) ?? []).length).toBe(4); // header + one row per course
    expect(text).toContain('审批人：李四');
    expect(text).toContain('审批人：王五');
    expect(xml).not.toMatch(/\{[#/^%]?[a-z]/);
  });

  it('answers template syntax errors with 422 TEMPLATE_ERROR and docxtemplater details', async () => {
    const broken = docxWithBody(p('{#items}{name}') + p('{unclosed'));
    const error = await render(broken, {}).catch((e) => e);
    expect(error).toMatchObject({ status: 422, ecode: 'TEMPLATE_ERROR' });
    expect(error.entities.length).toBeGreaterThanOrEqual(2);
    for (const detail of error.entities) {
      expect(detail).toEqual(expect.objectContaining({ id: expect.any(String), explanation: expect.any(String), file: 'word/document.xml' }));
    }
    expect(error.entities.map((d: any) => d.xtag)).toEqual(expect.arrayContaining(['unclosed', 'items']));
    expect(() => compileTemplate(broken, { production: true })).toThrow(expect.objectContaining({ ecode: 'TEMPLATE_ERROR' }));
  });

  it('does not run code from a template (default parser: an expression is just an unknown tag)', async () => {
    const template = docxWithBody(p('{constructor.constructor("return process")().exit()}') + p('{a + b}'));
    const docx = await render(template, { a: 1, b: 2 });
    expect(textOf(docx)).toBe('');
  });

  it('validates form data against the template schema, listing every failing path', () => {
    const schema = {
      type: 'object',
      required: ['name', 'studentId', 'courses'],
      properties: {
        name: { type: 'string', minLength: 1 },
        studentId: { type: 'string', pattern: '^\\d{10}$' },
        courses: { type: 'array', items: { type: 'object', required: ['course'], properties: { course: { type: 'string' } } } },
      },
    };
    expect(() => validateTemplateData(schema, { name: '张三', studentId: '2023012345', courses: [] })).not.toThrow();
    let error: any;
    try {
      validateTemplateData(schema, { studentId: 'x', courses: [{}] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 422, ecode: 'TEMPLATE_DATA_INVALID' });
    expect(error.entities.map((e: any) => e.path).sort()).toEqual(['$.courses[0].course', '$.name', '$.studentId']);
  });

  it('places an image from form data without the paid module (PNG and JPEG, sized in cm)', async () => {
    const template = docxWithBody(p('照片：{%photo}') + p('{#people}{%avatar}{/people}'));
    const images: Record<string, { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }> = {
      'png-file': { bytes: PNG_1X1, mime: 'image/png' },
      'jpeg-file': { bytes: JPEG_1X1, mime: 'image/jpeg' },
    };
    const docx = await render(template, { photo: { file: 'png-file', width: 2.5 }, people: [{ avatar: 'jpeg-file' }, { avatar: '' }] }, async (ref) => images[ref]);
    const zip = new PizZip(docx);
    expect(Object.keys(zip.files).filter((name) => name.startsWith('word/media/')).sort()).toEqual(['word/media/infoplus-image1.png', 'word/media/infoplus-image2.jpeg']);
    const rels = zip.file('word/_rels/document.xml.rels')!.asText();
    expect(rels).toContain('Target="media/infoplus-image1.png"');
    expect(zip.file('[Content_Types].xml')!.asText()).toMatch(/Extension="png".*Extension="jpeg"|Extension="jpeg".*Extension="png"/);
    const xml = documentXml(docx);
    expect((xml.match(/<wp:inline/g) ?? []).length).toBe(2);
    expect(xml).toContain('<wp:extent cx="900000" cy="900000"/>'); // 2.5 cm of a square image
    expect(xml).toContain('r:embed="rIdInfoPlusImage1"');

    const notImage = await render(template, { photo: 'pdf-file' }, async () => ({ bytes: await makePdf(), mime: 'image/png' })).catch((e) => e);
    expect(notImage).toMatchObject({ status: 415, ecode: 'NOT_AN_IMAGE' });
  });

  it('refuses zip bombs without inflating them, and packages that are not Word documents', async () => {
    const huge = zipWith([{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') }, { name: 'word/document.xml', data: Buffer.alloc(120 * 1024 * 1024) }]);
    const started = performance.now();
    expect(() => guardZip(huge)).toThrow(expect.objectContaining({ status: 413, ecode: 'ZIP_TOO_LARGE' }));
    expect(performance.now() - started).toBeLessThan(2000);
    // A liar: declares 1 KB but inflates to 20 MB.
    const liar = zipWith([{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') }, { name: 'word/document.xml', data: Buffer.alloc(20 * 1024 * 1024), declaredSize: 1024 }]);
    expect(() => guardZip(liar)).toThrow(expect.objectContaining({ ecode: 'ZIP_TOO_LARGE' }));
    const many = zipWith([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'word/document.xml', data: Buffer.from('<w:document/>') },
      ...Array.from({ length: 2500 }, (_, i) => ({ name: `word/x${i}.xml`, data: Buffer.from('x') })),
    ]);
    expect(() => guardZip(many)).toThrow(expect.objectContaining({ status: 413, ecode: 'ZIP_TOO_LARGE' }));

    for (const notDocx of [Buffer.from('random bytes that are not a zip at all'), Buffer.from(await makePdf()), zipWith([{ name: 'hello.txt', data: Buffer.from('hi') }])]) {
      await expect(render(notDocx, {})).rejects.toMatchObject({ status: 415, ecode: 'NOT_DOCX' });
    }
  });

  it('strips external relationships and macros, and refuses macro-enabled documents', async () => {
    const rels =
      '<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="http://127.0.0.1:1/x.png" TargetMode="External"/>' +
      '<Relationship Id="rIdF" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="file:///etc/passwd" TargetMode="External"/>' +
      '<Relationship Id="rIdL" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.edu.cn/" TargetMode="External"/>' +
      '<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>';
    const template = docxWithBody(p('{name}'), { 'word/vbaProject.bin': new Uint8Array([1, 2, 3]) }, rels);
    const zip = new PizZip(await render(template, { name: '张三' }));
    const out = zip.file('word/_rels/document.xml.rels')!.asText();
    expect(out).not.toContain('127.0.0.1');
    expect(out).not.toContain('file:///');
    expect(out).toContain('https://example.edu.cn/'); // a clickable link is harmless
    expect(out).not.toContain('vbaProject');
    expect(zip.file('word/vbaProject.bin')).toBeNull();

    const docm = new PizZip(docxWithBody(p('x')));
    docm.file('[Content_Types].xml', docm.file('[Content_Types].xml')!.asText().replace('wordprocessingml.document.main+xml', 'ms-word.document.macroEnabled.main+xml').replace('application/vnd.openxmlformats-officedocument.ms-word', 'application/vnd.ms-word'));
    await expect(render(docm.generate({ type: 'uint8array' }), {})).rejects.toMatchObject({ status: 415, ecode: 'NOT_DOCX' });
  });
});
