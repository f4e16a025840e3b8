import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';
import { projectRoot } from '../../util/project-root.js';

/**
 * Schema migrations: one `NNNN-name.sql` file each in this folder, run in name order at start-up, in
 * SQL that SQLite and PostgreSQL both accept (`{{binary}}` is the one word that differs: BLOB / BYTEA).
 * Add a file to add a migration; never edit a shipped one.
 */
const MIGRATIONS_DIR = path.join(projectRoot(), 'src', 'store', 'migrations');

/** The statements of a migration file, one per `;` at the end of a line, with comments removed. */
export function statementsOf(text: string, binaryType: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean)
    .map((statement) => statement.replaceAll('{{binary}}', binaryType));
}

function sqlMigration(file: string): Migration {
  return {
    async up(db: Kysely<any>) {
      const binary = db.getExecutor().adapter instanceof PostgresAdapter ? 'BYTEA' : 'BLOB';
      for (const statement of statementsOf(fs.readFileSync(file, 'utf8'), binary)) await sql.raw(statement).execute(db);
    },
  };
}

class SqlFileProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const names = fs.readdirSync(MIGRATIONS_DIR).filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name));
    return Object.fromEntries(names.sort().map((name) => [name.slice(0, -4), sqlMigration(path.join(MIGRATIONS_DIR, name))]));
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Migrations from parallel branches land out of order (0004 after 0005 ran); each is independent.
  const migrator = new Migrator({ db, provider: new SqlFileProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
