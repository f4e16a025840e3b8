// Prints the schema the migrations build, on SQLite and on PostgreSQL, in a comparable normal form.
// Used to check that a rewrite of the migrations builds the same tables (not part of the suite).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { openPostgres, openSqlite } from '../src/store/db.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-'));
const lite = await openSqlite(dir);
const out: string[] = [];
const tables = (
  await sql<{
    name: string;
  }>`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'kysely%' AND name NOT LIKE 'sqlite%' ORDER BY name`.execute(lite)
).rows;
for (const { name } of tables) {
  const cols = (await sql<any>`SELECT * FROM pragma_table_info(${name})`.execute(lite)).rows;
  for (const c of cols)
    out.push(`sqlite ${name}.${c.name} ${String(c.type).toLowerCase()} notnull=${c.notnull} default=${c.dflt_value} pk=${c.pk}`);
  const fks = (await sql<any>`SELECT * FROM pragma_foreign_key_list(${name})`.execute(lite)).rows;
  for (const f of fks) out.push(`sqlite ${name} fk ${f.from}->${f.table}.${f.to} ${f.on_delete}`);
  const idx = (await sql<any>`SELECT * FROM pragma_index_list(${name})`.execute(lite)).rows;
  for (const i of idx) {
    const icols = (await sql<any>`SELECT name FROM pragma_index_info(${i.name})`.execute(lite)).rows.map((r: any) => r.name);
    out.push(
      `sqlite ${name} index ${i.origin === 'pk' || (i.origin === 'u' && i.name.startsWith('sqlite_autoindex')) ? '(auto)' : i.name} unique=${i.unique} partial=${i.partial} (${icols.join(',')})`,
    );
  }
}
await lite.destroy();

const dbName = `schema_${process.pid}`;
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const pgdb = await openPostgres(`postgres://postgres@127.0.0.1:5432/${dbName}`);
const cols = (
  await sql<any>`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema='public' AND table_name NOT LIKE 'kysely%' ORDER BY table_name, ordinal_position`.execute(
    pgdb,
  )
).rows;
for (const c of cols) out.push(`pg ${c.table_name}.${c.column_name} ${c.data_type} null=${c.is_nullable} default=${c.column_default}`);
const idx = (
  await sql<any>`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname='public' AND tablename NOT LIKE 'kysely%' ORDER BY tablename, indexname`.execute(
    pgdb,
  )
).rows;
for (const i of idx) out.push(`pg ${i.tablename} ${i.indexdef}`);
const cons = (
  await sql<any>`SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE connamespace='public'::regnamespace ORDER BY 1, 2`.execute(
    pgdb,
  )
).rows;
for (const c of cons) if (!String(c.t).startsWith('kysely')) out.push(`pg ${c.t} constraint ${c.d}`);
await pgdb.destroy();
await admin.query(`DROP DATABASE ${dbName}`);
await admin.end();
fs.rmSync(dir, { recursive: true, force: true });
console.log(out.join('\n'));
