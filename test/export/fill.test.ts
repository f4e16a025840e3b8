// Filling Word templates with docxtemplater: the three templates of templates/ with their samples,
// syntax errors, data validation, images without the paid module, zip bombs, macros and external
// links, the template catalogue, and (LibreOffice CLI) the PDF text of each filled template.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync, deflateSync } from 'node:zlib';
import PizZip from 'pizzip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTemplates, loadTemplate, saveTemplate, TEMPLATE_NAME } from '../../src/export/fill/catalogue.js';
import { compileTemplate, renderDocx } from '../../src/export/fill/index.js';
import { validateTemplateData } from '../../src/export/fill/validate.js';
import { guardZip } from '../../src/export/fill/zip-guard.js';
import { DomainError } from '../../src/errors.js';
import { answerOf } from '../helpers/errors.js';
import { docxOf } from '../helpers/office.js';
import { JPEG_1X1, makePdf } from '../helpers/fixtures.js';

const TEMPLATES = path.resolve('templates');
const NAMES = ['leave-application', 'enrolment-certificate', 'agreement'] as const;
type Name = (typeof NAMES)[number];
type LoadImage = Parameters<typeof renderDocx>[2]['loadImage'];

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(TEMPLATES, file), 'utf8'));
const templateOf = (name: Name) => fs.readFileSync(path.join(TEMPLATES, `${name}.docx`));
const sampleOf = (name: Name) => readJson(`${name}.sample.json`);
const schemaOf = (name: Name) => readJson(`${name}.schema.json`);
const sealsOf = (name: Name): Array<{ placeHolder: string; permission: { sealTypes: string[]; sealIds: string[]; signers: string[] } }> =>
  readJson(`${name}.seals.json`);

const noImages: LoadImage = async () => {
  throw new Error('no image expected');
};
const render = (template: Uint8Array, data: unknown, loadImage: LoadImage = noImages) =>
  renderDocx(template, data, { production: true, loadImage });
const documentXml = (docx: Uint8Array) => new PizZip(docx).file('word/document.xml')!.asText();
const unescape = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
/** The text of word/document.xml, paragraph by paragraph (runs joined, <w:br/> as a newline). */
const textOf = (docx: Uint8Array) =>
  unescape(
    documentXml(docx)
      .replace(/<w:br\/>/g, '\n')
      .replace(/<\/w:p>/g, '\n')
      .replace(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>|<[^>]+>/g, (_, t: string | undefined) => t ?? ''),
  );
const rowsOfTable = (xml: string, index: number) => {
  const table = xml
    .split('<w:tbl>')
    .at(index + 1)
    ?.split('</w:tbl>')[0];
  return (table?.match(/<w:tr>/g) ?? []).length;
};
const CJK = /[\u3400-\u9fff]/;
/** Every string of a sample that holds Chinese text, split at line breaks. */
const chineseValues = (value: unknown): string[] =>
  typeof value === 'string'
    ? value.split('\n').filter((line) => CJK.test(line))
    : Array.isArray(value)
      ? value.flatMap(chineseValues)
      : value && typeof value === 'object'
        ? Object.values(value).flatMap(chineseValues)
        : [];
const caught = async (promise: Promise<unknown>): Promise<any> =>
  promise.then(
    () => expect.unreachable('expected a rejection'),
    (error) => answerOf(error),
  );
const thrown = (run: () => unknown): any => {
  try {
    run();
  } catch (error) {
    return answerOf(error);
  }
  return expect.unreachable('expected an error');
};

/** A DOCX whose body is the given raw WordprocessingML (plus parts and document relationships). */
function docxWithBody(body: string, extraFiles: Record<string, string | Uint8Array> = {}, rels = ''): Uint8Array {
  const zip = new PizZip(docxOf(['x']));
  const xml = zip
    .file('word/document.xml')!
    .asText()
    .replace('<w:document ', '<w:document xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ')
    .replace(/<w:body>.*<w:sectPr>/s, `<w:body>${body}<w:sectPr>`);
  zip.file('word/document.xml', xml);
  zip.file(
    'word/_rels/document.xml.rels',
    `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`,
  );
  for (const [name, content] of Object.entries(extraFiles)) zip.file(name, content);
  return zip.generate({ type: 'uint8array', compression: 'DEFLATE' });
}
const p = (text: string) => `<w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
const cell = (text: string) => `<w:tc><w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p></w:tc>`;

/** A grey PNG of the given size (real IHDR, IDAT, CRCs). */
function pngOf(width: number, height: number): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    typed.copy(out, 4);
    out.writeUInt32BE(crc(typed), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // 8-bit greyscale
  const raw = Buffer.alloc((width + 1) * height, 0x99);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A zip written by hand, so that directory sizes can lie and data can be anything. */
function zipWith(entries: Array<{ name: string; data?: Buffer; raw?: Buffer; declaredSize?: number }>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const compressed = entry.raw ?? deflateRawSync(entry.data ?? Buffer.alloc(0));
    const name = Buffer.from(entry.name);
    const size = entry.declaredSize ?? entry.data?.length ?? 0;
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
const CONTENT_TYPES = Buffer.from(new PizZip(docxOf(['x'])).file('[Content_Types].xml')!.asText());

describe('the three templates with their samples', () => {
  for (const name of NAMES) {
    it(`${name}: the sample validates and renders with every Chinese value and no tag left`, async () => {
      const sample = sampleOf(name);
      expect(() => validateTemplateData(schemaOf(name), sample)).not.toThrow();
      const docx = await render(templateOf(name), sample);
      const xml = documentXml(docx);
      const text = textOf(docx);
      for (const value of chineseValues(sample)) expect(text).toContain(value);
      expect(xml).not.toMatch(/\{[#/^%]?[A-Za-z]/);
      expect(text).not.toContain('{');
      for (const seal of sealsOf(name)) expect(xml).toContain(`>${seal.placeHolder}</w:t></w:r>`); // the placeholder whole, in one run
      expect(text).toContain('示范大学');
    });
  }

  it('leave-application: one course row per course, a row for no courses, line breaks in the reason, the campus condition', async () => {
    const sample = sampleOf('leave-application');
    const docx = await render(templateOf('leave-application'), sample);
    const xml = documentXml(docx);
    expect(rowsOfTable(xml, 1)).toBe(1 + sample.courses.length);
    for (const course of sample.courses) expect(xml.split(`>${course.course}<`).length).toBe(2);
    const [first, second] = sample.reason.split('\n');
    expect(xml).toMatch(
      new RegExp(`${first}</w:t></w:r><w:r>(<w:rPr>.*?</w:rPr>)?<w:br/></w:r><w:r>(<w:rPr>.*?</w:rPr>)?<w:t[^>]*>${second}`),
    );
    expect(textOf(docx)).toContain('本人承诺离校期间注意安全');
    expect(textOf(docx)).toContain(`目的地：${sample.destination}`);
    expect(textOf(docx)).not.toContain('请假期间无课程');

    const oneCourse = await render(templateOf('leave-application'), {
      ...sample,
      courses: sample.courses.slice(0, 1),
      leavesCampus: false,
    });
    expect(rowsOfTable(documentXml(oneCourse), 1)).toBe(2);
    expect(textOf(oneCourse)).not.toContain('本人承诺离校期间');
    const noCourses = await render(templateOf('leave-application'), { ...sample, courses: [] });
    expect(rowsOfTable(documentXml(noCourses), 1)).toBe(2);
    expect(textOf(noCourses)).toContain('（请假期间无课程）');
  });

  it('agreement: one item row per item, the page break before the signature block', async () => {
    const sample = sampleOf('agreement');
    const xml = documentXml(await render(templateOf('agreement'), sample));
    expect(rowsOfTable(xml, 0)).toBe(2 + sample.items.length);
    const pageBreak = xml.indexOf('<w:br w:type="page"/>');
    expect(pageBreak).toBeGreaterThan(0);
    expect(xml.indexOf('【甲方盖章】')).toBeGreaterThan(pageBreak);
    expect(xml.indexOf('【乙方盖章】')).toBeGreaterThan(pageBreak);
  });

  it('default seals name each placeholder with a permission', () => {
    expect(sealsOf('leave-application').map((s) => [s.placeHolder, s.permission.sealTypes])).toEqual([
      ['【申请人签名】', ['个人签名']],
      ['【辅导员签章】', ['个人签名']],
      ['【学院盖章】', ['公章']],
    ]);
    expect(sealsOf('enrolment-certificate').map((s) => [s.placeHolder, s.permission.sealTypes])).toEqual([['【学校公章】', ['公章']]]);
    expect(sealsOf('agreement').map((s) => [s.placeHolder, s.permission.sealTypes])).toEqual([
      ['【甲方盖章】', ['公章', '合同专用章']],
      ['【乙方盖章】', ['公章', '合同专用章']],
    ]);
    for (const name of NAMES)
      for (const seal of sealsOf(name))
        expect(seal.permission).toEqual({ sealTypes: expect.any(Array), sealIds: expect.any(Array), signers: expect.any(Array) });
  });

  it('the build script is reproducible: it writes exactly the committed files', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-templates.ts', out], { stdio: 'ignore', timeout: 60_000 });
      const generated = fs.readdirSync(out).sort();
      expect(generated).toHaveLength(12);
      for (const file of generated)
        expect(fs.readFileSync(path.join(out, file)).equals(fs.readFileSync(path.join(TEMPLATES, file))), file).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('form data validation', () => {
  it('lists every failing path of bad data', () => {
    const bad = {
      ...sampleOf('leave-application'),
      name: 123,
      phone: '12345',
      days: 0,
      leavesCampus: true,
      courses: [{ course: '操作系统', time: '周二', arrangement: '补交作业' }],
    };
    delete (bad as Record<string, unknown>).destination;
    delete (bad as Record<string, unknown>).studentId;
    const error = thrown(() => validateTemplateData(schemaOf('leave-application'), bad));
    expect(error.thrown).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 422, ecode: 'TEMPLATE_DATA_INVALID' });
    const paths = error.entities.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['$.courses[0].teacher', '$.days', '$.destination', '$.name', '$.phone', '$.studentId']);
    expect(error.entities).toContainEqual({ path: '$.studentId', message: 'is required' });
    expect(error.message).toMatch(/^The form data does not match the template: .*\$\.name must be string/);
  });

  it('checks the other samples strictly too (a wrong enum, a bad pattern, an empty item list)', () => {
    const certificate = thrown(() =>
      validateTemplateData(schemaOf('enrolment-certificate'), { ...sampleOf('enrolment-certificate'), gender: '未知', idNumber: '123' }),
    );
    expect(certificate.entities.map((e: { path: string }) => e.path).sort()).toEqual(['$.gender', '$.idNumber']);
    const agreement = thrown(() => validateTemplateData(schemaOf('agreement'), { ...sampleOf('agreement'), items: [] }));
    expect(agreement.entities).toEqual([{ path: '$.items', message: 'must NOT have fewer than 1 items' }]);
  });

  it('reuses the compiled schema, also for an equal schema read again from disk', () => {
    const schema = schemaOf('agreement');
    const started = performance.now();
    for (let i = 0; i < 200; i++) validateTemplateData(schemaOf('agreement'), sampleOf('agreement'));
    validateTemplateData(schema, sampleOf('agreement'));
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('template errors', () => {
  it('an unclosed loop and an unclosed tag: 422 TEMPLATE_ERROR with docxtemplater details', async () => {
    const broken = docxWithBody(p('{#items}{name}') + p('{unclosed'));
    const error = await caught(render(broken, {}));
    expect(error.thrown).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 422, ecode: 'TEMPLATE_ERROR' });
    expect(error.entities.length).toBeGreaterThanOrEqual(2);
    for (const detail of error.entities) {
      expect(detail).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          explanation: expect.any(String),
          xtag: expect.any(String),
          file: 'word/document.xml',
        }),
      );
    }
    expect(error.entities.map((d: { xtag: string }) => d.xtag)).toEqual(expect.arrayContaining(['unclosed', 'items']));
    expect(error.entities.map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining(['unclosed_tag', 'unclosed_loop']));
    expect(error.message).toMatch(/^The template has \d error\(s\): /);
    expect(thrown(() => compileTemplate(broken, { production: true }))).toMatchObject({ ecode: 'TEMPLATE_ERROR' });

    const onlyLoop = await caught(render(docxWithBody(p('{#a}开始')), {}));
    expect(onlyLoop.entities).toEqual([
      expect.objectContaining({ id: 'unclosed_loop', xtag: 'a', explanation: expect.stringContaining('a') }),
    ]);
  });

  it('does not run code from a template (default parser: an expression is just an unknown tag)', async () => {
    const template = docxWithBody(p('{constructor.constructor("return process")().exit()}') + p('{a + b}'));
    expect(textOf(await render(template, { a: 1, b: 2 })).trim()).toBe('');
  });

  it('renders loops, nested sections, inverted sections and missing values (as empty text)', async () => {
    const template = docxWithBody(
      p('申请人：{#applicant}{name}（{college}）{/applicant}') +
        p('{#urgent}【加急】{/urgent}{^urgent}【普通】{/urgent}') +
        p('缺失：[{missing}]') +
        `<w:tbl><w:tr>${cell('课程')}${cell('教师')}</w:tr><w:tr>${cell('{#courses}{course}')}${cell('{teacher}{/courses}')}</w:tr></w:tbl>` +
        p('{#approvers}') +
        p('审批人：{name}') +
        p('{/approvers}'),
    );
    const docx = await render(template, {
      applicant: { name: '张三', college: '计算机科学与技术学院' },
      urgent: false,
      courses: [
        { course: '操作系统', teacher: '王老师' },
        { course: '编译原理', teacher: '李老师' },
      ],
      approvers: [{ name: '李四' }, { name: '王五' }],
    });
    const text = textOf(docx);
    expect(text).toContain('申请人：张三（计算机科学与技术学院）');
    expect(text).toContain('【普通】');
    expect(text).not.toContain('【加急】');
    expect(text).toContain('缺失：[]');
    expect(rowsOfTable(documentXml(docx), 0)).toBe(3);
    // paragraphLoop: the paragraphs holding only {#approvers} / {/approvers} disappear.
    expect(text).toContain('审批人：李四\n审批人：王五\n');
  });
});

describe('images from form data (no paid module)', () => {
  const photo = pngOf(60, 80);
  const images: Record<string, { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }> = {
    'file-photo': { bytes: photo, mime: 'image/png' },
    'file-jpeg': { bytes: JPEG_1X1, mime: 'image/jpeg' },
  };
  const loadImage: LoadImage = async (ref) => {
    const image = images[ref];
    if (!image) throw new DomainError('IMAGE_NOT_FOUND', `The image "${ref}" is not a file of this service.`);
    return image;
  };

  it('places a PNG in the leave application: media part, relationship, content type and an inline drawing with EMU extents', async () => {
    const docx = await render(templateOf('leave-application'), { ...sampleOf('leave-application'), photo: 'file-photo' }, loadImage);
    const zip = new PizZip(docx);
    expect(Object.keys(zip.files).filter((name) => name.startsWith('word/media/'))).toEqual(['word/media/infoplus-image1.png']);
    expect(Buffer.from(zip.file('word/media/infoplus-image1.png')!.asUint8Array())).toEqual(photo);
    const rels = zip.file('word/_rels/document.xml.rels')!.asText();
    expect(rels).toMatch(
      /<Relationship Id="rIdInfoPlusImage1" Type="http:\/\/schemas.openxmlformats.org\/officeDocument\/2006\/relationships\/image" Target="media\/infoplus-image1.png"\/>/,
    );
    expect(zip.file('[Content_Types].xml')!.asText()).toContain('<Default Extension="png" ContentType="image/png"/>');
    const xml = documentXml(docx);
    expect(xml).toMatch(/<w:drawing[^>]*><wp:inline[^>]*><wp:extent cx="1080000" cy="1440000"\/>/); // 3 cm wide by default, 60:80
    expect(xml).toContain('<a:blip r:embed="rIdInfoPlusImage1"/>');
    expect(() =>
      validateTemplateData(schemaOf('leave-application'), {
        ...sampleOf('leave-application'),
        photo: { ref: 'file-photo', width: '2.5cm' },
      }),
    ).not.toThrow();
  });

  it('sizes images in cm, mm or px, keeps the aspect ratio, and works inside loops (PNG and JPEG)', async () => {
    const template = docxWithBody(p('照片：{%photo}') + p('{#people}{%avatar}{/people}'));
    const docx = await render(
      template,
      {
        photo: { ref: 'file-photo', width: 2.5 },
        people: [
          { avatar: { file: 'file-jpeg', height: '120px' } },
          { avatar: { ref: 'file-photo', width: '25mm', height: '1cm' } },
          { avatar: '' },
        ],
      },
      loadImage,
    );
    const zip = new PizZip(docx);
    expect(
      Object.keys(zip.files)
        .filter((name) => name.startsWith('word/media/'))
        .sort(),
    ).toEqual(['word/media/infoplus-image1.png', 'word/media/infoplus-image2.jpeg', 'word/media/infoplus-image3.png']);
    expect(zip.file('[Content_Types].xml')!.asText()).toContain('<Default Extension="jpeg" ContentType="image/jpeg"/>');
    const extents = [...documentXml(docx).matchAll(/<wp:extent cx="(\d+)" cy="(\d+)"\/>/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(extents).toEqual([
      [900000, 1200000], // 2.5 cm wide, 60:80
      [1143000, 1143000], // 120 px = 3.175 cm high, square
      [900000, 360000], // both given
    ]);
    expect((documentXml(docx).match(/<wp:docPr id="(\d+)"/g) ?? []).length).toBe(
      new Set(documentXml(docx).match(/<wp:docPr id="(\d+)"/g)).size,
    );
  });

  it('refuses what is not a PNG or JPEG, unreadable sizes, and passes on the loader’s own errors', async () => {
    const template = docxWithBody(p('{%photo}'));
    const pdf = Buffer.from(await makePdf());
    const notImage = await caught(render(template, { photo: 'x' }, async () => ({ bytes: pdf, mime: 'image/png' })));
    expect(notImage).toMatchObject({ status: 415, ecode: 'NOT_AN_IMAGE', message: expect.stringContaining('not a PNG or JPEG') });
    expect(await caught(render(template, { photo: { ref: 'file-photo', width: 'wide' } }, loadImage))).toMatchObject({
      status: 422,
      ecode: 'TEMPLATE_DATA_INVALID',
    });
    expect(await caught(render(template, { photo: { width: 3 } }, loadImage))).toMatchObject({
      status: 422,
      ecode: 'TEMPLATE_DATA_INVALID',
    });
    expect(await caught(render(template, { photo: 'nope' }, loadImage))).toMatchObject({ status: 422, ecode: 'IMAGE_NOT_FOUND' });
  });
});

describe('zip guard', () => {
  let bomb: Uint8Array;
  beforeAll(() => {
    // 200 MB of zeros deflates to ~200 KB.
    const zip = new PizZip(docxOf(['x']));
    zip.file('word/media/zeros.bin', new Uint8Array(200 * 1024 * 1024));
    bomb = zip.generate({ type: 'uint8array', compression: 'DEFLATE' });
  }, 60_000);

  it('refuses a 200 MB zip bomb quickly, from its directory', async () => {
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const started = performance.now();
    const error = await caught(render(bomb, {}));
    expect(performance.now() - started).toBeLessThan(500);
    expect(error.thrown).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 413, ecode: 'ZIP_TOO_LARGE' });
    // A tighter limit is configurable.
    expect(thrown(() => guardZip(docxOf(['x']), { maxUnzippedBytes: 100, maxEntries: 2000, maxRatio: 200 }))).toMatchObject({
      ecode: 'ZIP_TOO_LARGE',
    });
  });

  it('decides from declared sizes without inflating anything (the data is not even deflate)', () => {
    const garbage = Buffer.from('this is not deflate data at all');
    const huge = zipWith([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'word/document.xml', raw: garbage, declaredSize: 0xfffffff0 },
    ]);
    expect(thrown(() => guardZip(huge))).toMatchObject({ status: 413, ecode: 'ZIP_TOO_LARGE' });
    const ratio = zipWith([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'word/document.xml', raw: garbage, declaredSize: 10 * 1024 * 1024 },
    ]);
    expect(thrown(() => guardZip(ratio))).toMatchObject({ status: 413, message: expect.stringContaining('200:1') });
  });

  it('caps what an entry actually inflates to: a liar declaring 1 KB for 20 MB', () => {
    const liar = zipWith([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'word/document.xml', data: Buffer.alloc(20 * 1024 * 1024), declaredSize: 1024 },
    ]);
    expect(thrown(() => guardZip(liar))).toMatchObject({ status: 413, ecode: 'ZIP_TOO_LARGE' });
  });

  it('refuses 3000 tiny entries', async () => {
    const many = new PizZip(docxOf(['x']));
    for (let i = 0; i < 3000; i++) many.file(`word/x${i}.xml`, 'x');
    expect(await caught(render(many.generate({ type: 'uint8array' }), {}))).toMatchObject({ status: 413, ecode: 'ZIP_TOO_LARGE' });
  });

  it('415 NOT_DOCX for random bytes, a PDF, a zip without word/document.xml, and a zip that is not WordprocessingML', async () => {
    const plain = new PizZip();
    plain.file('hello.txt', '你好');
    const sheet = new PizZip(docxOf(['x']));
    sheet.file(
      '[Content_Types].xml',
      sheet.file('[Content_Types].xml')!.asText().replace('wordprocessingml.document.main+xml', 'spreadsheetml.sheet.main+xml'),
    );
    const candidates = [
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
      Buffer.from(await makePdf()),
      plain.generate({ type: 'uint8array', compression: 'DEFLATE' }),
      sheet.generate({ type: 'uint8array' }),
      Buffer.from('PK\u0003\u0004 a truncated zip'),
    ];
    for (const candidate of candidates) {
      const error = await caught(render(candidate, {}));
      expect(error.thrown).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ status: 415, ecode: 'NOT_DOCX' });
    }
  });
});

describe('sanitizing', () => {
  const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const linkedImage =
    '<w:p><w:r><w:drawing xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">' +
    '<wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="1" name="x"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="x.png"/><pic:cNvPicPr/></pic:nvPicPr>' +
    '<pic:blipFill><a:blip r:link="rIdX"/></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>';

  it('removes every external relationship (linked images, files, links) and what referred to them, fetching fields and macros', async () => {
    const rels =
      `<Relationship Id="rIdX" Type="${REL}/image" Target="http://127.0.0.1:1/x.png" TargetMode="External"/>` +
      `<Relationship Id="rIdF" Type="${REL}/image" Target="file:///etc/passwd" TargetMode="External"/>` +
      `<Relationship Id="rIdL" Type="${REL}/hyperlink" Target="https://example.edu.cn/" TargetMode="External"/>` +
      '<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>';
    const body =
      p('{name}') +
      linkedImage +
      `<w:p><w:hyperlink r:id="rIdL"><w:r><w:t>学校主页</w:t></w:r></w:hyperlink></w:p>` +
      '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> INCLUDEPICTURE "http://127.0.0.1:1/y.png" \\d </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>' +
      '<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;file:///etc/hosts&quot; "><w:r><w:t>内嵌</w:t></w:r></w:fldSimple></w:p>';
    const template = new PizZip(docxWithBody(body, { 'word/vbaProject.bin': new Uint8Array([1, 2, 3]) }, rels));
    template.file(
      '[Content_Types].xml',
      template
        .file('[Content_Types].xml')!
        .asText()
        .replace('</Types>', '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'),
    );
    const zip = new PizZip(await render(template.generate({ type: 'uint8array' }), { name: '张三' }));
    const everything = Object.keys(zip.files)
      .filter((name) => !zip.files[name].dir)
      .map((name) => zip.file(name)!.asText())
      .join('\n');
    expect(everything).not.toContain('TargetMode="External"');
    expect(everything).not.toContain('127.0.0.1');
    expect(everything).not.toContain('file:///');
    expect(everything).not.toContain('vbaProject');
    expect(zip.file('word/vbaProject.bin')).toBeNull();
    const xml = documentXml(await zip.generate({ type: 'uint8array' }));
    expect(xml).not.toMatch(/r:(link|id)="rId[XFL]"/);
    expect(xml).toContain('<a:blip/>'); // an empty picture frame
    expect(xml).toContain('<w:hyperlink><w:r><w:t>学校主页</w:t></w:r></w:hyperlink>'); // plain text now
    expect(xml).toContain('张三');
  });

  it('refuses macro-enabled documents (.docm, .dotm) and accepts a .dotx as a document', async () => {
    for (const type of [
      'application/vnd.ms-word.document.macroEnabled.main+xml',
      'application/vnd.ms-word.template.macroEnabledTemplate.main+xml',
    ]) {
      const docm = new PizZip(docxWithBody(p('x')));
      docm.file(
        '[Content_Types].xml',
        docm
          .file('[Content_Types].xml')!
          .asText()
          .replace('application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml', type),
      );
      expect(await caught(render(docm.generate({ type: 'uint8array' }), {}))).toMatchObject({
        status: 415,
        ecode: 'NOT_DOCX',
        message: expect.stringContaining('Macro'),
      });
    }
    const dotx = new PizZip(docxWithBody(p('{name}')));
    dotx.file('[Content_Types].xml', dotx.file('[Content_Types].xml')!.asText().replace('document.main+xml', 'template.main+xml'));
    const out = new PizZip(await render(dotx.generate({ type: 'uint8array' }), { name: '模板' }));
    expect(out.file('[Content_Types].xml')!.asText()).toContain('wordprocessingml.document.main+xml');
  });
});

describe('template catalogue', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalogue-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the three templates with titles, schemas and seal counts', async () => {
    const listed = await listTemplates(TEMPLATES);
    expect(listed.map((t) => t.name)).toEqual(['agreement', 'enrolment-certificate', 'leave-application']);
    const byName = Object.fromEntries(listed.map((t) => [t.name, t]));
    expect(byName['leave-application']).toMatchObject({
      title: '请假申请表',
      hasSchema: true,
      seals: 3,
      size: templateOf('leave-application').length,
      description: expect.stringContaining('请假'),
    });
    expect(byName['enrolment-certificate']).toMatchObject({ title: '在读证明', hasSchema: true, seals: 1 });
    expect(byName.agreement).toMatchObject({ title: '技术服务合同', hasSchema: true, seals: 2 });
    for (const t of listed) expect(new Date(t.updatedAt).toISOString()).toBe(t.updatedAt);
    expect(await listTemplates(path.join(dir, 'missing'))).toEqual([]);
  });

  it('loads a template with its schema, seals and sample; 404 for an unknown name, 400 for a bad one', async () => {
    const loaded = await loadTemplate(TEMPLATES, 'agreement');
    expect(loaded).toMatchObject({
      name: 'agreement',
      title: '技术服务合同',
      schema: schemaOf('agreement'),
      seals: sealsOf('agreement'),
      sample: sampleOf('agreement'),
    });
    expect(loaded.docx.equals(templateOf('agreement'))).toBe(true);
    expect(await caught(loadTemplate(TEMPLATES, 'no-such-template'))).toMatchObject({ status: 404, ecode: 'TEMPLATE_NOT_FOUND' });
    for (const bad of ['../secrets', 'Agreement', '-x', 'a'.repeat(65), '', 'a/b', 'agreement.docx']) {
      expect(TEMPLATE_NAME.test(bad)).toBe(false);
      expect(await caught(loadTemplate(TEMPLATES, bad))).toMatchObject({ status: 400, ecode: 'INVALID_TEMPLATE_NAME' });
    }
  });

  it('refuses bad names, syntax errors, zip bombs, non-docx and invalid schemas, saving nothing', async () => {
    expect(await caught(saveTemplate(dir, 'Bad_Name', Buffer.from(docxOf(['x']))))).toMatchObject({
      status: 400,
      ecode: 'INVALID_TEMPLATE_NAME',
    });
    expect(await caught(saveTemplate(dir, 'broken', Buffer.from(docxOf(['{#rows}', '{name']))))).toMatchObject({
      status: 422,
      ecode: 'TEMPLATE_ERROR',
    });
    const bomb = new PizZip(docxOf(['x']));
    bomb.file('word/padding.bin', new Uint8Array(60 * 1024 * 1024));
    expect(
      await caught(saveTemplate(dir, 'bomb', Buffer.from(bomb.generate({ type: 'uint8array', compression: 'DEFLATE' })))),
    ).toMatchObject({ status: 413, ecode: 'ZIP_TOO_LARGE' });
    expect(await caught(saveTemplate(dir, 'pdf', Buffer.from(await makePdf())))).toMatchObject({ status: 415, ecode: 'NOT_DOCX' });
    expect(await caught(saveTemplate(dir, 'bad-schema', Buffer.from(docxOf(['x'])), { type: 'no-such-type' }))).toMatchObject({
      status: 422,
      ecode: 'INVALID_SCHEMA',
    });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('round-trips a good template and replaces it atomically', async () => {
    const schema = {
      title: '通知',
      description: '一则通知',
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', title: '正文' } },
    };
    const saved = await saveTemplate(dir, 'notice', Buffer.from(docxOf(['通知：{text}'])), schema);
    expect(saved).toMatchObject({ name: 'notice', title: '通知', size: expect.any(Number), updatedAt: expect.any(String) });
    const loaded = await loadTemplate(dir, 'notice');
    expect(loaded).toMatchObject({ name: 'notice', title: '通知', description: '一则通知', schema });
    expect(textOf(await render(loaded.docx, { text: '明天停电' }))).toContain('通知：明天停电');
    expect(await caught(Promise.resolve().then(() => validateTemplateData(loaded.schema!, {})))).toMatchObject({
      ecode: 'TEMPLATE_DATA_INVALID',
    });

    const replaced = await saveTemplate(dir, 'notice', Buffer.from(docxOf(['新通知：{text}'])));
    expect(replaced.title).toBe('通知'); // the schema stays
    expect(textOf(await render((await loadTemplate(dir, 'notice')).docx, { text: '取消' }))).toContain('新通知：取消');
    expect(fs.readdirSync(dir).sort()).toEqual(['notice.docx', 'notice.schema.json']);
    expect((await listTemplates(dir)).map((t) => t.name)).toEqual(['notice']);
  });
});

describe('filled templates through LibreOffice (soffice CLI)', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), `fill-soffice-${randomUUID().slice(0, 8)}-`));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** One conversion at a time, with a profile of our own so that no other soffice is disturbed. */
  const toPdf = (name: string, docx: Uint8Array) => {
    const input = path.join(work, `${name}.docx`);
    fs.writeFileSync(input, docx);
    execFileSync(
      'soffice',
      [`-env:UserInstallation=file://${work}/profile`, '--headless', '--norestore', '--convert-to', 'pdf', '--outdir', work, input],
      { stdio: 'ignore', timeout: 120_000 },
    );
    return path.join(work, `${name}.pdf`);
  };
  const pdftotext = (pdf: string, pages: string[] = []) =>
    execFileSync('pdftotext', [...pages, '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
  const pageCount = (pdf: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);

  const keyStrings: Record<Name, string[]> = {
    'leave-application': ['示范大学学生请假申请表', '张三', '2023012345', '计算机科学与技术学院', '操作系统', '家中老人住院手术'],
    'enrolment-certificate': ['在读证明', '李四', '示范大学教务处', '2026年11月22日', '人工智能'],
    agreement: ['技术服务合同', '示范大学', '星河科技有限公司', '贰拾陆万元整', '第八条'],
  };

  for (const name of NAMES) {
    it(`${name}: the PDF holds the key Chinese text and every seal placeholder`, async () => {
      const pdf = toPdf(name, await render(templateOf(name), sampleOf(name)));
      const text = pdftotext(pdf);
      for (const key of keyStrings[name]) expect(text).toContain(key.replace(/\s+/g, ''));
      for (const seal of sealsOf(name)) expect(text).toContain(seal.placeHolder);
      if (name === 'agreement') {
        expect(pageCount(pdf)).toBe(2);
        const page2 = pdftotext(pdf, ['-f', '2', '-l', '2']);
        expect(page2).toContain('【甲方盖章】');
        expect(page2).toContain('【乙方盖章】');
        expect(pdftotext(pdf, ['-f', '1', '-l', '1'])).not.toContain('盖章】');
      } else {
        expect(pageCount(pdf)).toBe(1);
      }
    }, 180_000);
  }
});
