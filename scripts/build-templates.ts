// Builds the sample Word templates in templates/ (run: npx tsx scripts/build-templates.ts).
// WordprocessingML is written here directly so the templates are reproducible and reviewable;
// every docxtemplater tag and every seal placeholder sits in a single run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import PizZip from 'pizzip';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates');
const SERIF = 'Noto Serif CJK SC';
const SANS = 'Noto Sans CJK SC';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface RunStyle {
  bold?: boolean;
  size?: number; // half-points
  font?: string;
  color?: string;
}
function run(text: string, style: RunStyle = {}): string {
  const props = [
    style.font ? `<w:rFonts w:ascii="${style.font}" w:hAnsi="${style.font}" w:eastAsia="${style.font}"/>` : '',
    style.bold ? '<w:b/><w:bCs/>' : '',
    style.color ? `<w:color w:val="${style.color}"/>` : '',
    style.size ? `<w:sz w:val="${style.size}"/><w:szCs w:val="${style.size}"/>` : '',
  ].join('');
  return `<w:r>${props ? `<w:rPr>${props}</w:rPr>` : ''}<w:t xml:space="preserve">${esc(text)}</w:t></w:r>`;
}

interface ParaStyle {
  align?: 'left' | 'center' | 'right' | 'both';
  indentChars?: number; // first-line indent in characters (hundredths)
  spacingAfter?: number; // twips
  spacingBefore?: number;
  line?: number; // 240 = single
  keepNext?: boolean;
}
function para(runs: string | string[], style: ParaStyle = {}): string {
  const props = [
    style.keepNext ? '<w:keepNext/>' : '',
    `<w:spacing w:before="${style.spacingBefore ?? 0}" w:after="${style.spacingAfter ?? 0}" w:line="${style.line ?? 300}" w:lineRule="auto"/>`,
    style.indentChars ? `<w:ind w:firstLineChars="${style.indentChars}" w:firstLine="${style.indentChars * 2.4}"/>` : '',
    style.align ? `<w:jc w:val="${style.align}"/>` : '',
  ].join('');
  return `<w:p><w:pPr>${props}</w:pPr>${Array.isArray(runs) ? runs.join('') : runs}</w:p>`;
}
const text = (value: string, style: RunStyle = {}, pStyle: ParaStyle = {}) => para(run(value, style), pStyle);
const pageBreak = () => '<w:p><w:r><w:br w:type="page"/></w:r></w:p>';

interface Cell {
  content: string; // paragraphs
  width: number; // twips
  span?: number;
  shade?: boolean;
  vAlign?: 'top' | 'center' | 'bottom';
}
function cell(c: Cell): string {
  return `<w:tc><w:tcPr><w:tcW w:w="${c.width}" w:type="dxa"/>${c.span ? `<w:gridSpan w:val="${c.span}"/>` : ''}${c.shade ? '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>' : ''}<w:vAlign w:val="${c.vAlign ?? 'center'}"/></w:tcPr>${c.content}</w:tc>`;
}
function row(cells: Cell[], height?: number): string {
  return `<w:tr>${height ? `<w:trPr><w:trHeight w:val="${height}"/><w:cantSplit/></w:trPr>` : '<w:trPr><w:cantSplit/></w:trPr>'}${cells.map(cell).join('')}</w:tr>`;
}
function table(grid: number[], rows: string[], borders = true): string {
  const border = (name: string) => `<w:${name} w:val="${borders ? 'single' : 'nil'}" w:sz="6" w:space="0" w:color="000000"/>`;
  return `<w:tbl><w:tblPr><w:tblW w:w="${grid.reduce((a, b) => a + b, 0)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblBorders>${['top', 'left', 'bottom', 'right', 'insideH', 'insideV'].map(border).join('')}</w:tblBorders><w:tblCellMar><w:top w:w="60" w:type="dxa"/><w:left w:w="100" w:type="dxa"/><w:bottom w:w="60" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>${grid.map((w) => `<w:gridCol w:w="${w}"/>`).join('')}</w:tblGrid>${rows.join('')}</w:tbl>`;
}
const label = (value: string, width: number, span?: number): Cell => ({ content: text(value, { bold: true, font: SANS, size: 21 }, { align: 'center' }), width, span, shade: true });
const value = (content: string, width: number, span?: number, align: ParaStyle['align'] = 'left'): Cell => ({ content: text(content, { size: 21 }, { align }), width, span });

function docx(body: string, title: string): Buffer {
  const zip = new PizZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
  );
  zip.file(
    'docProps/core.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${esc(title)}</dc:title><dc:creator>InfoPlus signature service</dc:creator></cp:coreProperties>`,
  );
  zip.file(
    'word/_rels/document.xml.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  );
  zip.file(
    'word/styles.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="${SERIF}" w:hAnsi="${SERIF}" w:eastAsia="${SERIF}" w:cs="${SERIF}"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>`,
  );
  const sect = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1304" w:right="1304" w:bottom="1304" w:left="1304" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr>';
  zip.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>${body}${sect}</w:body></w:document>`);
  return zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const title = (value: string) => text(value, { bold: true, font: SANS, size: 36 }, { align: 'center', spacingAfter: 120 });
const subtitle = (value: string) => text(value, { size: 20, color: '555555' }, { align: 'center', spacingAfter: 240 });

// ---------------------------------------------------------------- 请假申请表
function leaveApplication(): Buffer {
  const W = 9298; // text width in twips (A4 minus 2×2.3 cm)
  const c = [1500, 2149, 1500, 2149, 2000];
  const rows = [
    row([label('姓　　名', c[0]), value('{name}', c[1]), label('学　　号', c[2]), value('{studentId}', c[3]), { content: text('{%photo}', {}, { align: 'center' }), width: c[4], vAlign: 'center' }], 520),
    row([label('学　　院', c[0]), value('{college}', c[1]), label('专业班级', c[2]), value('{major}', c[3] + c[4], 2)], 520),
    row([label('联系电话', c[0]), value('{phone}', c[1]), label('请假类型', c[2]), value('{leaveType}', c[3] + c[4], 2)], 520),
    row([label('请假时间', c[0]), value('自 {startDate} 至 {endDate}，共 {days} 天', W - c[0], 4)], 520),
    row([label('请假事由', c[0]), { content: text('{reason}', { size: 21 }) + text('{#leavesCampus}离校去向：{destination}。本人承诺离校期间注意人身与财产安全，按时返校并办理销假手续。{/leavesCampus}', { size: 21 }), width: W - c[0], span: 4, vAlign: 'top' }], 1200),
  ];
  const courses = [2900, 1800, 2598, 2000];
  const courseRows = [
    row([label('课程名称', courses[0]), label('任课教师', courses[1]), label('上课时间', courses[2]), label('处理方式', courses[3])], 420),
    row([value('{#courses}{course}', courses[0]), value('{teacher}', courses[1], undefined, 'center'), value('{time}', courses[2], undefined, 'center'), value('{arrangement}{/courses}', courses[3], undefined, 'center')], 420),
  ];
  const approval = [1500, 5298, 2500];
  const sign = (role: string, placeholder: string, date: string) =>
    row(
      [
        label(role, approval[0]),
        { content: text(placeholder, { size: 21, color: '999999' }, { align: 'center' }), width: approval[1] },
        { content: text(date, { size: 21 }, { align: 'center' }), width: approval[2] },
      ],
      1250,
    );
  const approvalRows = [
    row([label('审批环节', approval[0]), label('签名 / 盖章', approval[1]), label('日期', approval[2])], 420),
    sign('申请人', '【申请人签名】', '{applyDate}'),
    sign('辅导员意见', '【辅导员签章】', '年　　月　　日'),
    sign('学院意见', '【学院盖章】', '年　　月　　日'),
  ];
  const body = [
    title('示范大学学生请假申请表'),
    subtitle('（本表一式两份，学院与学生各执一份）'),
    table(c, rows),
    text('请假期间课程安排', { bold: true, font: SANS, size: 22 }, { spacingBefore: 200, spacingAfter: 100 }),
    table(courses, courseRows),
    text('审批意见', { bold: true, font: SANS, size: 22 }, { spacingBefore: 200, spacingAfter: 100 }),
    table(approval, approvalRows),
    text('注：请假三天以内由辅导员审批，三天以上须经学院审批；假期结束后须及时销假。', { size: 18, color: '555555' }, { spacingBefore: 160 }),
  ].join('');
  return docx(body, '示范大学学生请假申请表');
}

// ---------------------------------------------------------------- 在读证明
function enrolmentCertificate(): Buffer {
  const body = [
    text('', {}, { spacingAfter: 600 }),
    text('在　读　证　明', { bold: true, font: SANS, size: 44 }, { align: 'center', spacingAfter: 600 }),
    para(run('兹证明{name}，{gender}，身份证号{idNumber}，{birthDate}出生，于{enrolmentDate}入学，现为我校{college}{major}专业{degreeLevel}在读学生，学号{studentId}，学制{years}年，预计毕业时间为{graduationDate}。', { size: 28 }), { indentChars: 200, line: 480, align: 'both' }),
    para(run('特此证明。', { size: 28 }), { indentChars: 200, line: 480, spacingAfter: 1200 }),
    text('示范大学教务处', { size: 28 }, { align: 'right', line: 480 }),
    text('【学校公章】', { size: 24, color: '999999' }, { align: 'right', line: 480 }),
    text('{issueDate}', { size: 28 }, { align: 'right', line: 480, spacingAfter: 1600 }),
    text('（本证明仅用于{purpose}，有效期三个月）', { size: 21, color: '555555' }, { align: 'left' }),
    text('证明编号：{certificateNo}', { size: 21, color: '555555' }, { align: 'left' }),
  ].join('');
  return docx(body, '在读证明');
}

// ---------------------------------------------------------------- 技术服务合同
function agreement(): Buffer {
  const clause = (heading: string, content: string) =>
    text(heading, { bold: true, font: SANS, size: 22 }, { spacingBefore: 160, spacingAfter: 60, keepNext: true }) + para(run(content, { size: 21 }), { indentChars: 200, line: 340, align: 'both' });
  const parties = [1800, 7498];
  const party = (role: string, nameTag: string, repTag: string, addrTag: string) => [
    row([label(role, parties[0]), value(nameTag, parties[1])], 400),
    row([label('法定代表人', parties[0]), value(repTag, parties[1])], 400),
    row([label('住　　所', parties[0]), value(addrTag, parties[1])], 400),
  ];
  const items = [3698, 1400, 2100, 2100];
  const itemRows = [
    row([label('服务项目', items[0]), label('数量', items[1]), label('单价（元）', items[2]), label('金额（元）', items[3])], 400),
    row([value('{#items}{name}', items[0]), value('{quantity}', items[1], undefined, 'center'), value('{unitPrice}', items[2], undefined, 'right'), value('{amount}{/items}', items[3], undefined, 'right')], 400),
    row([label('合计', items[0]), value('人民币 {totalAmount} 元（大写：{amountInWords}）', items[1] + items[2] + items[3], 3)], 400),
  ];
  const half = [4649, 4649];
  const signBlock = table(
    half,
    [
      row([{ content: text('甲方（盖章）：', { size: 22 }) + text('【甲方盖章】', { size: 22, color: '999999' }, { align: 'center', spacingBefore: 400 }), width: half[0], vAlign: 'top' }, { content: text('乙方（盖章）：', { size: 22 }) + text('【乙方盖章】', { size: 22, color: '999999' }, { align: 'center', spacingBefore: 400 }), width: half[1], vAlign: 'top' }], 2600),
      row([value('法定代表人或授权代表：{partyARepresentative}', half[0]), value('法定代表人或授权代表：{partyBRepresentative}', half[1])], 500),
      row([value('日期：{signDate}', half[0]), value('日期：{signDate}', half[1])], 500),
    ],
    false,
  );
  const body = [
    title('技术服务合同'),
    subtitle('合同编号：{contractNo}'),
    table(parties, [...party('甲　　方', '{partyAName}', '{partyARepresentative}', '{partyAAddress}'), ...party('乙　　方', '{partyBName}', '{partyBRepresentative}', '{partyBAddress}')]),
    para(run('甲乙双方根据《中华人民共和国民法典》及有关法律法规，本着平等自愿、诚实信用的原则，经友好协商，就乙方为甲方提供技术服务事宜达成如下协议，以资共同遵守。', { size: 21 }), { indentChars: 200, line: 340, spacingBefore: 200, align: 'both' }),
    clause('第一条　服务内容', '乙方为甲方提供以下技术服务：{serviceContent}。服务范围、技术指标及交付物以本合同及附件约定为准。'),
    table(items, itemRows),
    clause('第二条　履行期限与地点', '乙方应于{deliveryDate}前完成全部服务内容并交付甲方验收。服务地点为甲方指定场所或双方约定的远程方式。'),
    clause('第三条　合同价款与支付', '本合同总价款为人民币{totalAmount}元（大写：{amountInWords}）。甲方于合同生效后十五个工作日内支付合同总价款的百分之五十，验收合格后十五个工作日内支付剩余款项。乙方应在收款前开具合法有效的发票。'),
    pageBreak(),
    clause('第四条　验收标准与方式', '甲方应在收到交付物后十个工作日内组织验收。验收以本合同约定的技术指标为准；验收不合格的，乙方应在十个工作日内免费整改并重新提交验收。'),
    clause('第五条　保密义务', '双方对在履行本合同过程中知悉的对方商业秘密、技术秘密及个人信息负有保密义务，未经对方书面同意不得向任何第三方披露。保密义务不因本合同的终止而终止。'),
    clause('第六条　知识产权', '乙方为履行本合同所完成的成果，其知识产权归甲方所有，乙方保证交付成果不侵犯任何第三方的合法权益。'),
    clause('第七条　违约责任', '任何一方违反本合同约定的，应承担违约责任并赔偿对方因此遭受的直接损失。甲方逾期付款或乙方逾期交付的，每逾期一日按合同总价款的千分之一支付违约金。'),
    clause('第八条　争议解决', '因本合同引起的或与本合同有关的任何争议，双方应友好协商解决；协商不成的，任何一方均可向甲方所在地有管辖权的人民法院提起诉讼。'),
    clause('第九条　其他', '本合同一式两份，甲乙双方各执一份，具有同等法律效力。本合同自双方盖章之日起生效。本合同以电子形式签署的，双方电子签章与实物印章具有同等法律效力。'),
    text('（以下无正文）', { size: 21, color: '555555' }, { align: 'center', spacingBefore: 200, spacingAfter: 300 }),
    signBlock,
  ].join('');
  return docx(body, '技术服务合同');
}

function write(name: string, bytes: Buffer, schema: object, sample: object, seals: object[]): void {
  fs.writeFileSync(path.join(OUT, `${name}.docx`), bytes);
  fs.writeFileSync(path.join(OUT, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  fs.writeFileSync(path.join(OUT, `${name}.sample.json`), `${JSON.stringify(sample, null, 2)}\n`);
  fs.writeFileSync(path.join(OUT, `${name}.seals.json`), `${JSON.stringify(seals, null, 2)}\n`);
}

const str = (title: string, extra: object = {}) => ({ type: 'string', title, minLength: 1, ...extra });
const date = (title: string) => ({ type: 'string', title, minLength: 1, maxLength: 40 });
const permission = (sealTypes: string[], signers: string[] = []) => ({ sealTypes, sealIds: [], signers });

fs.mkdirSync(OUT, { recursive: true });

write(
  'leave-application',
  leaveApplication(),
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: '请假申请表',
    description: '示范大学学生请假申请：申请人信息、请假时间与事由、请假期间课程安排、审批链（申请人、辅导员、学院）。',
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
      days: { type: 'number', title: '天数', minimum: 0.5, maximum: 365 },
      reason: str('请假事由', { maxLength: 500 }),
      leavesCampus: { type: 'boolean', title: '是否离校' },
      destination: { type: 'string', title: '离校去向', maxLength: 100 },
      photo: { title: '证件照（文件 id）', oneOf: [{ type: 'string' }, { type: 'object', required: ['file'], properties: { file: { type: 'string' }, width: { type: 'number' }, height: { type: 'number' } } }] },
      courses: {
        type: 'array',
        title: '请假期间课程安排',
        maxItems: 20,
        items: { type: 'object', required: ['course', 'teacher'], properties: { course: str('课程名称'), teacher: str('任课教师'), time: { type: 'string', title: '上课时间' }, arrangement: { type: 'string', title: '处理方式' } } },
      },
      applyDate: date('申请日期'),
    },
  },
  {
    name: '张三',
    studentId: '2023012345',
    college: '计算机科学与技术学院',
    major: '软件工程2023级1班',
    phone: '13812345678',
    leaveType: '事假',
    startDate: '2026年11月24日',
    endDate: '2026年11月26日',
    days: 3,
    reason: '家中老人住院手术，需回家陪护。\n已与任课教师沟通，缺课内容将自行补习。',
    leavesCampus: true,
    destination: '浙江省杭州市',
    courses: [
      { course: '操作系统', teacher: '王建国', time: '周二 1-2节', arrangement: '补交作业' },
      { course: '编译原理', teacher: '李明', time: '周三 3-4节', arrangement: '观看录播' },
      { course: '数据库系统', teacher: '赵敏', time: '周四 5-6节', arrangement: '调课' },
    ],
    applyDate: '2026年11月22日',
  },
  [
    { placeHolder: '【申请人签名】', signer: { account: 'zhangsan', name: '张三' }, permission: permission(['个人签名', '手写']), description: '申请人签名' },
    { placeHolder: '【辅导员签章】', permission: permission(['个人签名', '手写'], ['lisi']), description: '辅导员审批' },
    { placeHolder: '【学院盖章】', permission: permission(['公章']), description: '学院审批盖章' },
  ],
);

write(
  'enrolment-certificate',
  enrolmentCertificate(),
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: '在读证明',
    description: '示范大学教务处出具的学生在读证明，加盖学校公章。',
    type: 'object',
    required: ['name', 'gender', 'idNumber', 'birthDate', 'enrolmentDate', 'college', 'major', 'degreeLevel', 'studentId', 'years', 'graduationDate', 'issueDate', 'purpose', 'certificateNo'],
    properties: {
      name: str('姓名', { maxLength: 40 }),
      gender: { type: 'string', title: '性别', enum: ['男', '女'] },
      idNumber: str('身份证号', { pattern: '^\\d{17}[\\dXx]$' }),
      birthDate: date('出生日期'),
      enrolmentDate: date('入学日期'),
      college: str('学院'),
      major: str('专业'),
      degreeLevel: { type: 'string', title: '培养层次', enum: ['本科', '硕士研究生', '博士研究生'] },
      studentId: str('学号', { pattern: '^\\d{8,12}$' }),
      years: { type: 'integer', title: '学制（年）', minimum: 1, maximum: 8 },
      graduationDate: date('预计毕业时间'),
      issueDate: date('开具日期'),
      purpose: str('用途', { maxLength: 60 }),
      certificateNo: str('证明编号', { maxLength: 40 }),
    },
  },
  {
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
  [{ placeHolder: '【学校公章】', permission: permission(['公章']), description: '示范大学公章' }],
);

write(
  'agreement',
  agreement(),
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: '技术服务合同',
    description: '甲乙双方技术服务合同（两页），甲方、乙方各一处盖章位置。',
    type: 'object',
    required: ['contractNo', 'partyAName', 'partyARepresentative', 'partyAAddress', 'partyBName', 'partyBRepresentative', 'partyBAddress', 'serviceContent', 'items', 'totalAmount', 'amountInWords', 'deliveryDate', 'signDate'],
    properties: {
      contractNo: str('合同编号', { maxLength: 40 }),
      partyAName: str('甲方名称'),
      partyARepresentative: str('甲方法定代表人'),
      partyAAddress: str('甲方住所'),
      partyBName: str('乙方名称'),
      partyBRepresentative: str('乙方法定代表人'),
      partyBAddress: str('乙方住所'),
      serviceContent: str('服务内容', { maxLength: 500 }),
      items: {
        type: 'array',
        title: '服务项目',
        minItems: 1,
        maxItems: 20,
        items: { type: 'object', required: ['name', 'quantity', 'unitPrice', 'amount'], properties: { name: str('项目'), quantity: { type: ['string', 'number'], title: '数量' }, unitPrice: { type: 'string', title: '单价' }, amount: { type: 'string', title: '金额' } } },
      },
      totalAmount: str('合同总价'),
      amountInWords: str('大写金额'),
      deliveryDate: date('交付日期'),
      signDate: date('签订日期'),
    },
  },
  {
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
      { name: '一年运维支持', quantity: 12, unitPrice: '5,000.00', amount: '60,000.00' },
    ],
    totalAmount: '260,000.00',
    amountInWords: '贰拾陆万元整',
    deliveryDate: '2027年3月31日',
    signDate: '2026年11月22日',
  },
  [
    { placeHolder: '【甲方盖章】', permission: permission(['公章', '合同专用章']), description: '甲方盖章' },
    { placeHolder: '【乙方盖章】', permission: permission(['公章', '合同专用章']), description: '乙方盖章' },
  ],
);
console.log(`templates written to ${OUT}`);
