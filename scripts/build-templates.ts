// Builds the Word templates in templates/ (run: npx tsx scripts/build-templates.ts [output dir]).
//
// The WordprocessingML is written here by hand (pizzip only) so that the templates are reproducible
// and reviewable. Rules the output keeps:
// - every docxtemplater tag ({name}, {#courses}, {/courses}, {%photo}, …) sits whole inside ONE
//   <w:r><w:t> run, so docxtemplater never has to stitch a tag across runs;
// - every seal placeholder (【学院盖章】, …) is literal text in one run, so that a text search of the
//   PDF produced by LibreOffice finds it and the seal can be placed over it;
// - all text is XML-escaped; A4 page, 2.5 cm margins, fixed-width bordered tables.
// For each template it also writes <name>.schema.json, <name>.sample.json and <name>.seals.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import PizZip from 'pizzip';

const OUT = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates'));
const SERIF = 'Noto Serif CJK SC';
const SANS = 'Noto Sans CJK SC';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const R_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

// A4 in twips (1/20 pt; 567 twips = 1 cm) with 2.5 cm margins.
const PAGE = { width: 11906, height: 16838, margin: 1418 };

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fonts = (font: string) => `<w:rFonts w:ascii="${font}" w:hAnsi="${font}" w:eastAsia="${font}" w:cs="${font}"/>`;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

// ------------------------------------------------------------------ runs and paragraphs

interface RunStyle {
  bold?: boolean;
  /** Half-points (24 = 12 pt). */
  size?: number;
  font?: string;
  color?: string;
  /** Extra space between characters, twips. */
  letterSpacing?: number;
}

/** One run holding `value` whole (a tag or a placeholder is never split). */
function run(value: string, style: RunStyle = {}): string {
  const props = [
    style.font ? fonts(style.font) : '',
    style.bold ? '<w:b/><w:bCs/>' : '',
    style.color ? `<w:color w:val="${style.color}"/>` : '',
    style.letterSpacing ? `<w:spacing w:val="${style.letterSpacing}"/>` : '',
    style.size ? `<w:sz w:val="${style.size}"/><w:szCs w:val="${style.size}"/>` : '',
  ].join('');
  return `<w:r>${props ? `<w:rPr>${props}</w:rPr>` : ''}<w:t xml:space="preserve">${esc(value)}</w:t></w:r>`;
}

interface ParaStyle {
  style?: 'Title' | 'Heading1' | 'Heading2';
  align?: 'left' | 'center' | 'right' | 'both';
  /** First-line indent in hundredths of a character (200 = two characters) … */
  firstLineChars?: number;
  /** … and the font size (half-points) it is computed from for readers without firstLineChars. */
  indentFontSize?: number;
  rightIndent?: number; // twips
  before?: number; // twips
  after?: number; // twips
  /** Line spacing in 240ths of a line (240 = single, 360 = 1.5 lines). */
  line?: number;
  keepNext?: boolean;
}

function para(runs: string | string[], style: ParaStyle = {}): string {
  const spacing = style.before !== undefined || style.after !== undefined || style.line !== undefined;
  const indent = style.firstLineChars || style.rightIndent;
  const firstLine = style.firstLineChars ? Math.round(((style.firstLineChars / 100) * (style.indentFontSize ?? 24) * 20) / 2) : 0;
  const props = [
    style.style ? `<w:pStyle w:val="${style.style}"/>` : '',
    style.keepNext ? '<w:keepNext/>' : '',
    spacing
      ? `<w:spacing w:before="${style.before ?? 0}" w:after="${style.after ?? 0}" w:line="${style.line ?? 276}" w:lineRule="auto"/>`
      : '',
    indent
      ? `<w:ind${style.rightIndent ? ` w:right="${style.rightIndent}"` : ''}${style.firstLineChars ? ` w:firstLineChars="${style.firstLineChars}" w:firstLine="${firstLine}"` : ''}/>`
      : '',
    style.align ? `<w:jc w:val="${style.align}"/>` : '',
  ].join('');
  return `<w:p>${props ? `<w:pPr>${props}</w:pPr>` : ''}${Array.isArray(runs) ? runs.join('') : runs}</w:p>`;
}
const text = (value: string, runStyle: RunStyle = {}, paraStyle: ParaStyle = {}) => para(run(value, runStyle), paraStyle);
const pageBreak = () => '<w:p><w:r><w:br w:type="page"/></w:r></w:p>';
const title = (value: string, runStyle: RunStyle = {}) => para(run(value, runStyle), { style: 'Title' });
const heading = (value: string) => para(run(value), { style: 'Heading2' });

// ------------------------------------------------------------------ tables

type Borders = Partial<Record<'top' | 'left' | 'bottom' | 'right', 'nil' | 'single'>>;
interface Cell {
  /** Paragraphs (a cell must hold at least one). */
  content: string;
  width: number;
  span?: number;
  vMerge?: 'restart' | 'continue';
  shade?: boolean;
  vAlign?: 'top' | 'center' | 'bottom';
  borders?: Borders;
}
function cell(c: Cell): string {
  const borders = c.borders
    ? `<w:tcBorders>${Object.entries(c.borders)
        .map(([side, val]) =>
          val === 'nil' ? `<w:${side} w:val="nil"/>` : `<w:${side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>`,
        )
        .join('')}</w:tcBorders>`
    : '';
  const props = [
    `<w:tcW w:w="${c.width}" w:type="dxa"/>`,
    c.span ? `<w:gridSpan w:val="${c.span}"/>` : '',
    c.vMerge === 'restart' ? '<w:vMerge w:val="restart"/>' : c.vMerge === 'continue' ? '<w:vMerge/>' : '',
    borders,
    c.shade ? '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>' : '',
    `<w:vAlign w:val="${c.vAlign ?? 'center'}"/>`,
  ].join('');
  return `<w:tc><w:tcPr>${props}</w:tcPr>${c.content || '<w:p/>'}</w:tc>`;
}
/** A table row; `height` is a minimum (twips). Rows never break across pages. */
function row(cells: Cell[], height?: number): string {
  return `<w:tr><w:trPr><w:cantSplit/>${height ? `<w:trHeight w:val="${height}"/>` : ''}</w:trPr>${cells.map(cell).join('')}</w:tr>`;
}
/** A fixed-layout table centred on the page: single black borders (or none), fixed grid, cell paddings. */
function table(grid: number[], rows: string[], options: { borders?: boolean } = {}): string {
  const kind = options.borders === false ? 'nil' : 'single';
  const border = (side: string) =>
    kind === 'nil' ? `<w:${side} w:val="nil"/>` : `<w:${side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>`;
  return (
    `<w:tbl><w:tblPr><w:tblW w:w="${sum(grid)}" w:type="dxa"/><w:jc w:val="center"/>` +
    `<w:tblBorders>${['top', 'left', 'bottom', 'right', 'insideH', 'insideV'].map(border).join('')}</w:tblBorders>` +
    '<w:tblLayout w:type="fixed"/>' +
    '<w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="57" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>' +
    '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr>' +
    `<w:tblGrid>${grid.map((w) => `<w:gridCol w:w="${w}"/>`).join('')}</w:tblGrid>${rows.join('')}</w:tbl>`
  );
}

const FORM = 21; // 10.5 pt (五号), the usual size inside Chinese office forms
/** A shaded, bold, centred field label. */
const label = (value: string, width: number, span?: number): Cell => ({
  content: text(value, { bold: true, font: SANS, size: FORM }, { align: 'center' }),
  width,
  span,
  shade: true,
});
/** A field value (usually a tag). */
const field = (content: string, width: number, options: { span?: number; align?: ParaStyle['align'] } = {}): Cell => ({
  content: text(content, { size: FORM }, { align: options.align ?? 'left' }),
  width,
  span: options.span,
});
/** A seal placeholder: literal text in one run, grey so that the seal drawn over it dominates. */
const placeholder = (value: string, paraStyle: ParaStyle = {}) =>
  text(value, { size: FORM, color: '808080' }, { align: 'center', ...paraStyle });

// ------------------------------------------------------------------ package

function stylesXml(): string {
  const headingStyle = (id: string, name: string, size: number, before: number, after: number, outline: number) =>
    `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
    `<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="${before}" w:after="${after}" w:line="276" w:lineRule="auto"/><w:outlineLvl w:val="${outline}"/></w:pPr>` +
    `<w:rPr>${fonts(SANS)}<w:b/><w:bCs/><w:sz w:val="${size}"/><w:szCs w:val="${size}"/></w:rPr></w:style>`;
  return (
    `${XML}<w:styles xmlns:w="${W_NS}">` +
    `<w:docDefaults><w:rPrDefault><w:rPr>${fonts(SERIF)}<w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>` +
    '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>' +
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl w:val="0"/></w:pPr></w:style>' +
    '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>' +
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>' +
    `<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
    `<w:pPr><w:spacing w:before="0" w:after="240" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr>` +
    `<w:rPr>${fonts(SANS)}<w:b/><w:bCs/><w:sz w:val="36"/><w:szCs w:val="36"/></w:rPr></w:style>` +
    headingStyle('Heading1', 'heading 1', 28, 240, 120, 0) +
    headingStyle('Heading2', 'heading 2', 22, 200, 100, 1) +
    '</w:styles>'
  );
}

function docx(body: string, docTitle: string): Buffer {
  const zip = new PizZip();
  // A fixed modification date keeps the .docx bytes identical between runs.
  const date = new Date('2026-01-01T00:00:00Z');
  const add = (name: string, content: string) => zip.file(name, content, { date });
  add(
    '[Content_Types].xml',
    `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Default Extension="png" ContentType="image/png"/><Default Extension="jpeg" ContentType="image/jpeg"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
      '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
  );
  add(
    '_rels/.rels',
    `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
  );
  add(
    'docProps/core.xml',
    `${XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
      `<dc:title>${esc(docTitle)}</dc:title><dc:creator>示范大学</dc:creator><dc:language>zh-CN</dc:language></cp:coreProperties>`,
  );
  add(
    'word/_rels/document.xml.rels',
    `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  );
  add('word/styles.xml', stylesXml());
  const m = PAGE.margin;
  const sect = `<w:sectPr><w:pgSz w:w="${PAGE.width}" w:h="${PAGE.height}"/><w:pgMar w:top="${m}" w:right="${m}" w:bottom="${m}" w:left="${m}" w:header="851" w:footer="992" w:gutter="0"/><w:cols w:space="425"/></w:sectPr>`;
  add('word/document.xml', `${XML}<w:document xmlns:w="${W_NS}" xmlns:r="${R_NS}"><w:body>${body}${sect}</w:body></w:document>`);
  return zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' });
}

// ------------------------------------------------------------------ 1. 请假申请表

function leaveApplication(): Buffer {
  // 姓名 | value | 学号 | value | photo (three rows high)
  const g = [1300, 2450, 1300, 2470, 1550];
  const wide = g[1] + g[2] + g[3];
  const photo = (first: boolean): Cell =>
    first
      ? { content: text('{%photo}', {}, { align: 'center' }), width: g[4], vMerge: 'restart' }
      : { content: '<w:p/>', width: g[4], vMerge: 'continue' };
  const applicant = table(g, [
    row([label('姓　　名', g[0]), field('{name}', g[1]), label('学　　号', g[2]), field('{studentId}', g[3]), photo(true)], 600),
    row([label('学　　院', g[0]), field('{college}', g[1]), label('专业班级', g[2]), field('{major}', g[3]), photo(false)], 600),
    row([label('联系电话', g[0]), field('{phone}', g[1]), label('请假类型', g[2]), field('{leaveType}', g[3]), photo(false)], 600),
    row([label('起止时间', g[0]), field('{startDate} 至 {endDate}，共 {days} 天', wide + g[4], { span: 4 })], 560),
    row(
      [
        label('请假事由', g[0]),
        {
          content:
            text('{reason}', { size: FORM }, { line: 300 }) +
            text(
              '{#leavesCampus}本人承诺离校期间注意安全，按时返校销假。目的地：{destination}{/leavesCampus}',
              { size: FORM },
              { before: 80, line: 300 },
            ),
          width: wide + g[4],
          span: 4,
          vAlign: 'top',
        },
      ],
      1300,
    ),
  ]);

  // 请假期间课程安排: the row holding {#courses} … {/courses} repeats; another row shows when there are none.
  const c = [2870, 1700, 2400, 2100];
  const courses = table(c, [
    row([label('课程名称', c[0]), label('任课教师', c[1]), label('上课时间', c[2]), label('处理方式', c[3])], 440),
    row(
      [
        field('{#courses}{course}', c[0]),
        field('{teacher}', c[1], { align: 'center' }),
        field('{time}', c[2], { align: 'center' }),
        field('{arrangement}{/courses}', c[3], { align: 'center' }),
      ],
      440,
    ),
    row(
      [
        {
          content: text('{^courses}（请假期间无课程）', { size: FORM, color: '555555' }, { align: 'center' }),
          width: c[0] + c[1] + c[2],
          span: 3,
          borders: { right: 'nil' },
        },
        { content: text('{/courses}', { size: FORM }), width: c[3], borders: { left: 'nil' } },
      ],
      440,
    ),
  ]);

  // Approval chain: room for a seal in every row.
  const a = [1700, 4770, 2600];
  const opinion = '□ 同意　　□ 不同意';
  const approvals = table(a, [
    row(
      [
        label('申请人签名', a[0]),
        { content: placeholder('【申请人签名】'), width: a[1] },
        field('日期：{applyDate}', a[2], { align: 'center' }),
      ],
      1250,
    ),
    row(
      [
        label('辅导员意见', a[0]),
        { content: text(opinion, { size: FORM }, { align: 'left' }) + placeholder('【辅导员签章】', { before: 120 }), width: a[1] },
        field('　　年　　月　　日', a[2], { align: 'center' }),
      ],
      1250,
    ),
    row(
      [
        label('学院意见', a[0]),
        { content: text(opinion, { size: FORM }, { align: 'left' }) + placeholder('【学院盖章】', { before: 120 }), width: a[1] },
        field('　　年　　月　　日', a[2], { align: 'center' }),
      ],
      1250,
    ),
  ]);

  const body = [
    title('示范大学学生请假申请表'),
    text('（本表一式两份，学院与学生本人各执一份）', { size: 18, color: '555555' }, { align: 'center', after: 200 }),
    applicant,
    heading('请假期间课程安排'),
    courses,
    heading('审批意见'),
    approvals,
    text(
      '注：1. 请假三天以内（含三天）由辅导员审批，三天以上须经学院审批；2. 假期结束后须在两个工作日内到辅导员处销假；3. 病假须附医院证明。',
      { size: 18, color: '555555' },
      { before: 160, line: 280 },
    ),
  ].join('');
  return docx(body, '示范大学学生请假申请表');
}

// ------------------------------------------------------------------ 2. 在读证明

function enrolmentCertificate(): Buffer {
  const BODY = 28; // 14 pt (四号)
  const bodyPara = (value: string, after = 0) =>
    para(run(value, { size: BODY }), { firstLineChars: 200, indentFontSize: BODY, line: 360, after, align: 'both' });
  const issuer = (value: string, runStyle: RunStyle = { size: BODY }, before = 0) =>
    para(run(value, runStyle), { align: 'right', rightIndent: 567, line: 360, before });
  const body = [
    text('', {}, { after: 720 }),
    title('在 读 证 明', { size: 44, letterSpacing: 120 }),
    text('', {}, { after: 480 }),
    bodyPara(
      '兹证明{name}，{gender}，身份证号{idNumber}，{birthDate}出生，于{enrolmentDate}入学，现为我校{college}{major}专业{degreeLevel}在读学生，学号{studentId}，学制{years}年，预计毕业时间为{graduationDate}。',
    ),
    bodyPara('特此证明。'),
    issuer('示范大学教务处', { size: BODY }, 1200),
    // The placeholder is centred under the issuer's name, so the seal covers name and date.
    para(run('【学校公章】', { size: FORM, color: '808080' }), { align: 'right', rightIndent: 567 + 350, line: 360, before: 120 }),
    issuer('{issueDate}', { size: BODY }, 120),
    text('', {}, { after: 2400 }),
    text('（本证明仅用于{purpose}，有效期三个月）', { size: FORM, color: '333333' }, { line: 300 }),
    text('证明编号：{certificateNo}', { size: FORM, color: '333333' }, { line: 300 }),
    text('地址：示范市学府路1号　邮编：100000　电话：010-12345678', { size: 18, color: '555555' }, { line: 300 }),
  ].join('');
  return docx(body, '在读证明');
}

// ------------------------------------------------------------------ 3. 技术服务合同

function agreement(): Buffer {
  const SIZE = FORM;
  const clauseText = (value: string) =>
    para(run(value, { size: SIZE }), { firstLineChars: 200, indentFontSize: SIZE, line: 320, align: 'both' });
  const clause = (headingText: string, ...paragraphs: string[]) =>
    text(headingText, { bold: true, font: SANS, size: 22 }, { before: 160, after: 60, keepNext: true }) +
    paragraphs.map(clauseText).join('');
  const partyLine = (caption: string, tag: string) =>
    para([run(caption, { size: SIZE, bold: true, font: SANS }), run(tag, { size: SIZE })], { line: 320 });

  const g = [3670, 1400, 2000, 2000];
  const items = table(g, [
    row([label('服务项目', g[0]), label('数量', g[1]), label('单价（元）', g[2]), label('金额（元）', g[3])], 420),
    row(
      [
        field('{#items}{name}', g[0]),
        field('{quantity}', g[1], { align: 'center' }),
        field('{unitPrice}', g[2], { align: 'right' }),
        field('{amount}{/items}', g[3], { align: 'right' }),
      ],
      420,
    ),
    row([label('合计', g[0]), field('人民币 {totalAmount} 元（大写：{amountInWords}）', g[1] + g[2] + g[3], { span: 3 })], 420),
  ]);

  // Signature block (page 2): two columns, a tall first row for the 4.2 cm seals.
  const h = [4535, 4535];
  const sealCell = (caption: string, name: string, seal: string): Cell => ({
    content:
      para([run(caption, { size: 22, bold: true, font: SANS }), run(name, { size: 22 })], { line: 300 }) +
      placeholder(seal, { before: 900 }),
    width: h[0],
    vAlign: 'top',
  });
  const signature = table(
    h,
    [
      row([sealCell('甲方（盖章）：', '{partyAName}', '【甲方盖章】'), sealCell('乙方（盖章）：', '{partyBName}', '【乙方盖章】')], 2700),
      row(
        [
          field('法定代表人或授权代表（签字）：{partyARepresentative}', h[0]),
          field('法定代表人或授权代表（签字）：{partyBRepresentative}', h[1]),
        ],
        480,
      ),
      row([field('日期：{signDate}', h[0]), field('日期：{signDate}', h[1])], 480),
    ],
    { borders: false },
  );

  const body = [
    title('技术服务合同'),
    text('合同编号：{contractNo}', { size: SIZE }, { align: 'right', after: 200 }),
    partyLine('甲方（委托方）：', '{partyAName}'),
    partyLine('法定代表人：', '{partyARepresentative}'),
    partyLine('住　　所：', '{partyAAddress}'),
    text('', { size: 12 }, { line: 240 }),
    partyLine('乙方（受托方）：', '{partyBName}'),
    partyLine('法定代表人：', '{partyBRepresentative}'),
    partyLine('住　　所：', '{partyBAddress}'),
    para(
      run(
        '甲乙双方根据《中华人民共和国民法典》及有关法律法规的规定，本着平等自愿、诚实信用的原则，经友好协商，就乙方为甲方提供技术服务事宜达成如下协议，以资共同遵守。',
        { size: SIZE },
      ),
      {
        firstLineChars: 200,
        indentFontSize: SIZE,
        line: 320,
        before: 200,
        align: 'both',
      },
    ),
    clause(
      '第一条　服务内容',
      '乙方为甲方提供以下技术服务：{serviceContent}。服务项目、数量及价格如下表所示，具体技术指标以双方确认的需求说明书为准。',
    ),
    items,
    clause(
      '第二条　履行期限、地点和方式',
      '乙方应于{deliveryDate}前完成全部服务内容，并向甲方交付源代码、部署文档、用户手册及培训材料。服务地点为甲方指定场所，双方也可约定以远程方式提供服务。',
    ),
    clause(
      '第三条　合同价款及支付方式',
      '本合同总价款为人民币{totalAmount}元（大写：{amountInWords}），含税，包括乙方为完成本合同约定服务所需的全部费用。',
      '甲方分两期向乙方支付合同价款：（一）本合同生效后十五个工作日内，支付合同总价款的百分之五十；（二）服务成果经甲方验收合格后十五个工作日内，支付剩余百分之五十。乙方应在每期收款前向甲方开具等额的增值税发票。',
    ),
    pageBreak(),
    clause(
      '第四条　验收标准和方式',
      '甲方应在收到乙方交付成果后十个工作日内组织验收，验收以需求说明书约定的技术指标为准，验收合格的由双方签署验收报告。验收不合格的，乙方应在十个工作日内免费整改并重新提交验收。',
    ),
    clause(
      '第五条　保密义务',
      '双方对在履行本合同过程中知悉的对方商业秘密、技术秘密及个人信息负有保密义务，未经对方书面同意，不得向任何第三方披露或用于本合同以外的目的。本条约定不因本合同的变更、解除或终止而失效。',
    ),
    clause(
      '第六条　知识产权',
      '乙方为履行本合同所完成的技术成果，其知识产权归甲方所有。乙方保证其交付的成果不侵犯任何第三方的合法权益；因此引起的纠纷由乙方负责处理并承担全部责任。',
    ),
    clause(
      '第七条　违约责任',
      '任何一方违反本合同约定的，应承担违约责任，并赔偿对方因此遭受的直接损失。甲方逾期付款或乙方逾期交付的，每逾期一日，按合同总价款的千分之一向对方支付违约金，但违约金总额不超过合同总价款的百分之十。',
    ),
    clause(
      '第八条　争议解决',
      '因本合同引起的或与本合同有关的任何争议，双方应友好协商解决；协商不成的，任何一方均可向甲方所在地有管辖权的人民法院提起诉讼。',
      '本合同未尽事宜，由双方另行协商并签订书面补充协议，补充协议与本合同具有同等法律效力。本合同一式两份，甲乙双方各执一份，自双方盖章之日起生效；以电子方式签署的，双方的电子签章与实物印章具有同等法律效力。',
    ),
    text('（以下无正文）', { size: SIZE, color: '555555' }, { align: 'center', before: 240, after: 360 }),
    signature,
  ].join('');
  return docx(body, '技术服务合同');
}

// ------------------------------------------------------------------ schemas, samples, seals

// Dates are entered as 2026-11-22 or as 2026年11月22日 (what Chinese forms show; the demo form sends this).
const DATE = '^\\d{4}(-\\d{2}-\\d{2}|年\\d{1,2}月\\d{1,2}日)$';
const MONTH = '^\\d{4}(-\\d{2}|年\\d{1,2}月)$';
const IMAGE_SIZE = '^\\s*(\\d+(\\.\\d+)?|\\.\\d+)\\s*(cm|mm|in|pt|px)?\\s*$';
const MONEY = '^\\d{1,3}(,\\d{3})*(\\.\\d{2})?$';

const str = (titleText: string, extra: object = {}) => ({ type: 'string', title: titleText, minLength: 1, ...extra });
const date = (titleText: string) => ({ type: 'string', title: titleText, pattern: DATE, examples: ['2026-11-22', '2026年11月22日'] });
const permission = (sealTypes: string[], signers: string[] = []) => ({ sealTypes, sealIds: [], signers });
const SCHEMA = 'http://json-schema.org/draft-07/schema#';

interface Template {
  name: string;
  docx: Buffer;
  schema: object;
  sample: object;
  seals: object[];
}

const templates: Template[] = [
  {
    name: 'leave-application',
    docx: leaveApplication(),
    schema: {
      $schema: SCHEMA,
      title: '请假申请表',
      description:
        '示范大学学生请假申请：申请人信息、证件照、起止时间与事由、离校承诺、请假期间课程安排，以及申请人、辅导员、学院三级审批签章。',
      type: 'object',
      required: ['name', 'studentId', 'college', 'major', 'phone', 'leaveType', 'startDate', 'endDate', 'days', 'reason', 'applyDate'],
      properties: {
        name: str('姓名', { maxLength: 40 }),
        studentId: str('学号', { pattern: '^\\d{8,12}$' }),
        college: str('学院', { maxLength: 60 }),
        major: str('专业班级', { maxLength: 60 }),
        phone: str('联系电话', { pattern: '^1\\d{10}$' }),
        leaveType: { type: 'string', title: '请假类型', enum: ['事假', '病假', '公假', '其他'] },
        startDate: date('开始日期'),
        endDate: date('结束日期'),
        days: { type: 'number', title: '请假天数', minimum: 0.5, maximum: 365, multipleOf: 0.5 },
        reason: str('请假事由', { maxLength: 500, description: '可多行，换行保留' }),
        leavesCampus: { type: 'boolean', title: '是否离校', default: false },
        destination: { type: 'string', title: '目的地', maxLength: 100 },
        photo: {
          title: '证件照',
          description:
            '图片文件（PNG 或 JPEG）的文件 id 或 /file/<id>；也可写作 {ref, width, height}：数字为厘米，或带单位的字符串如 "2.5cm"、"25mm"、"100px"。默认宽 3 厘米、按比例缩放；留空则不显示。',
          anyOf: [
            { type: 'string' },
            {
              type: 'object',
              anyOf: [{ required: ['ref'] }, { required: ['file'] }],
              properties: {
                ref: { type: 'string', minLength: 1 },
                file: { type: 'string', minLength: 1 },
                width: {
                  anyOf: [
                    { type: 'number', exclusiveMinimum: 0 },
                    { type: 'string', pattern: IMAGE_SIZE },
                  ],
                },
                height: {
                  anyOf: [
                    { type: 'number', exclusiveMinimum: 0 },
                    { type: 'string', pattern: IMAGE_SIZE },
                  ],
                },
              },
            },
          ],
        },
        courses: {
          type: 'array',
          title: '请假期间课程安排',
          maxItems: 20,
          items: {
            type: 'object',
            title: '课程',
            required: ['course', 'teacher', 'time', 'arrangement'],
            properties: {
              course: str('课程名称', { maxLength: 40 }),
              teacher: str('任课教师', { maxLength: 20 }),
              time: str('上课时间', { maxLength: 30 }),
              arrangement: str('处理方式', { maxLength: 30 }),
            },
          },
        },
        applyDate: date('申请日期'),
      },
      if: { properties: { leavesCampus: { const: true } }, required: ['leavesCampus'] },
      then: { required: ['destination'], properties: { destination: { type: 'string', minLength: 1 } } },
    },
    sample: {
      name: '张三',
      studentId: '2023012345',
      college: '计算机科学与技术学院',
      major: '软件工程2023级1班',
      phone: '13812345678',
      leaveType: '事假',
      startDate: '2026年11月24日',
      endDate: '2026年11月26日',
      days: 3,
      reason: '家中老人住院手术，需回家陪护。\n已与各任课教师沟通，缺课内容将通过录播自行补习并按时提交作业。',
      leavesCampus: true,
      destination: '浙江省杭州市西湖区',
      courses: [
        { course: '操作系统', teacher: '王建国', time: '周二 第1-2节', arrangement: '补交作业' },
        { course: '编译原理', teacher: '李明', time: '周三 第3-4节', arrangement: '观看录播' },
        { course: '数据库系统', teacher: '赵敏', time: '周四 第5-6节', arrangement: '调课补上' },
      ],
      applyDate: '2026年11月22日',
    },
    seals: [
      {
        placeHolder: '【申请人签名】',
        signer: { account: 'zhangsan', name: '张三' },
        permission: permission(['个人签名']),
        description: '申请人签名',
      },
      { placeHolder: '【辅导员签章】', permission: permission(['个人签名'], ['lisi']), description: '辅导员审批签章' },
      { placeHolder: '【学院盖章】', permission: permission(['公章']), description: '学院审批盖章' },
    ],
  },
  {
    name: 'enrolment-certificate',
    docx: enrolmentCertificate(),
    schema: {
      $schema: SCHEMA,
      title: '在读证明',
      description: '示范大学教务处出具的学生在读证明（一页），加盖学校公章，有效期三个月。',
      type: 'object',
      required: [
        'name',
        'gender',
        'idNumber',
        'birthDate',
        'enrolmentDate',
        'college',
        'major',
        'degreeLevel',
        'studentId',
        'years',
        'graduationDate',
        'issueDate',
        'purpose',
        'certificateNo',
      ],
      properties: {
        name: str('姓名', { maxLength: 40 }),
        gender: { type: 'string', title: '性别', enum: ['男', '女'] },
        idNumber: str('身份证号', { pattern: '^\\d{17}[\\dXx]$' }),
        birthDate: date('出生日期'),
        enrolmentDate: { type: 'string', title: '入学时间', pattern: MONTH, examples: ['2022-09', '2022年9月'] },
        college: str('学院', { maxLength: 60 }),
        major: str('专业', { maxLength: 60 }),
        degreeLevel: { type: 'string', title: '培养层次', enum: ['专科', '本科', '硕士研究生', '博士研究生'] },
        studentId: str('学号', { pattern: '^\\d{8,12}$' }),
        years: { type: 'integer', title: '学制（年）', minimum: 1, maximum: 8 },
        graduationDate: { type: 'string', title: '预计毕业时间', pattern: MONTH, examples: ['2026-06', '2026年6月'] },
        issueDate: date('开具日期'),
        purpose: str('用途', { maxLength: 60 }),
        certificateNo: str('证明编号', { maxLength: 40, pattern: '^[A-Z0-9-]+$' }),
      },
    },
    sample: {
      name: '李四',
      gender: '女',
      idNumber: '330106200403151234',
      birthDate: '2004年3月15日',
      enrolmentDate: '2022年9月',
      college: '计算机科学与技术学院',
      major: '人工智能',
      degreeLevel: '本科',
      studentId: '2022013579',
      years: 4,
      graduationDate: '2026年6月',
      issueDate: '2026年11月22日',
      purpose: '办理出国交流签证',
      certificateNo: 'JWC-2026-11-0458',
    },
    seals: [{ placeHolder: '【学校公章】', permission: permission(['公章']), description: '示范大学公章' }],
  },
  {
    name: 'agreement',
    docx: agreement(),
    schema: {
      $schema: SCHEMA,
      title: '技术服务合同',
      description: '甲方（委托方）与乙方（受托方）之间的技术服务合同（两页）：服务项目明细、价款与支付、八条条款；第二页为甲乙双方盖章处。',
      type: 'object',
      required: [
        'contractNo',
        'partyAName',
        'partyARepresentative',
        'partyAAddress',
        'partyBName',
        'partyBRepresentative',
        'partyBAddress',
        'serviceContent',
        'items',
        'totalAmount',
        'amountInWords',
        'deliveryDate',
        'signDate',
      ],
      properties: {
        contractNo: str('合同编号', { maxLength: 40 }),
        partyAName: str('甲方名称', { maxLength: 60 }),
        partyARepresentative: str('甲方法定代表人', { maxLength: 40 }),
        partyAAddress: str('甲方住所', { maxLength: 100 }),
        partyBName: str('乙方名称', { maxLength: 60 }),
        partyBRepresentative: str('乙方法定代表人', { maxLength: 40 }),
        partyBAddress: str('乙方住所', { maxLength: 100 }),
        serviceContent: str('服务内容', { maxLength: 500 }),
        items: {
          type: 'array',
          title: '服务项目明细',
          minItems: 1,
          maxItems: 10,
          items: {
            type: 'object',
            title: '服务项目',
            required: ['name', 'quantity', 'unitPrice', 'amount'],
            properties: {
              name: str('服务项目', { maxLength: 40 }),
              quantity: { type: 'number', title: '数量', exclusiveMinimum: 0 },
              unitPrice: str('单价（元）', { pattern: MONEY }),
              amount: str('金额（元）', { pattern: MONEY }),
            },
          },
        },
        totalAmount: str('合同总价（元）', { pattern: MONEY }),
        amountInWords: str('合同总价（大写）', { pattern: '^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正]+$' }),
        deliveryDate: date('交付日期'),
        signDate: date('签订日期'),
      },
    },
    sample: {
      contractNo: 'SFDX-JS-2026-0118',
      partyAName: '示范大学',
      partyARepresentative: '周明远',
      partyAAddress: '示范市学府路1号',
      partyBName: '星河科技有限公司',
      partyBRepresentative: '陈七',
      partyBAddress: '示范市高新区创新大道88号',
      serviceContent: '表单电子签章插件的开发、部署与一年运维支持',
      items: [
        { name: '签章插件开发', quantity: 1, unitPrice: '180,000.00', amount: '180,000.00' },
        { name: '系统部署与培训', quantity: 1, unitPrice: '20,000.00', amount: '20,000.00' },
        { name: '运维支持（月）', quantity: 12, unitPrice: '5,000.00', amount: '60,000.00' },
      ],
      totalAmount: '260,000.00',
      amountInWords: '贰拾陆万元整',
      deliveryDate: '2027年3月31日',
      signDate: '2026年11月22日',
    },
    seals: [
      { placeHolder: '【甲方盖章】', permission: permission(['公章', '合同专用章']), description: '甲方（委托方）盖章' },
      { placeHolder: '【乙方盖章】', permission: permission(['公章', '合同专用章']), description: '乙方（受托方）盖章' },
    ],
  },
];

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

fs.mkdirSync(OUT, { recursive: true });
for (const t of templates) {
  fs.writeFileSync(path.join(OUT, `${t.name}.docx`), t.docx);
  fs.writeFileSync(path.join(OUT, `${t.name}.schema.json`), json(t.schema));
  fs.writeFileSync(path.join(OUT, `${t.name}.sample.json`), json(t.sample));
  fs.writeFileSync(path.join(OUT, `${t.name}.seals.json`), json(t.seals));
  console.log(`${path.relative(process.cwd(), OUT) || '.'}/${t.name}.docx (${t.docx.length} bytes) + schema, sample, seals`);
}
