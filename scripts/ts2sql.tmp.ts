// usage: tsx ts2sql.ts <migration.ts> <out.sql>
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
const [file, out] = process.argv.slice(2);
const mod = await import(path.resolve(file));
const migration: any = Object.values(mod).find((v: any) => v && typeof v.up === 'function');
const statements: string[] = [];
const native = new SqliteDatabase(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'g-')), 'x.db'));
const db = new Kysely<any>({
  dialect: new SqliteDialect({ database: native }),
  log(e) {
    if (e.level === 'query') statements.push(e.query.sql + ';');
  },
});
await migration.up(db);
let s = statements
  .map((st) =>
    st.replace(
      /^create table ("[^"]+") \((.*)\);$/s,
      (_m, t, body) => `CREATE TABLE ${t} (\n  ${body.split(/, (?=")|, (?=constraint)/).join(',\n  ')}\n);`,
    ),
  )
  .join('\n\n');
s = s.replace(/primary key \(("[^"]+"),\n {2}("[^"]+")\)/g, 'primary key ($1, $2)').replaceAll('"', '');
for (const kw of [
  'create unique index',
  'create index',
  'primary key',
  'not null',
  'default',
  'references',
  'on delete cascade',
  'constraint',
  'on',
  'text',
  'integer',
  'bigint',
  'blob',
])
  s = s.replace(new RegExp(`(?<![a-z_])${kw}(?![a-z_])`, 'g'), kw.toUpperCase());
const doc =
  /\/\*\*([\s\S]*?)\*\//
    .exec(fs.readFileSync(file, 'utf8'))?.[1]
    .split('\n')
    .map((l) => l.trim().replace(/^\*\s?/, ''))
    .join(' ')
    .trim() ?? '';
const words = doc.split(/\s+/);
const lines: string[] = [];
let cur = '--';
for (const w of words) {
  if (cur.length + 1 + w.length > 100) {
    lines.push(cur);
    cur = '--';
  }
  cur += ' ' + w;
}
lines.push(cur);
fs.writeFileSync(out, lines.join('\n') + '\n\n' + s.replace(/ BLOB /g, ' {{binary}} ') + '\n');
