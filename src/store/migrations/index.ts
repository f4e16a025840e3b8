import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { core } from './0001-core.js';
import { seals } from './0002-seals.js';
import { providerFlows } from './0003-provider-flows.js';
import { tickets } from './0004-tickets.js';
import { blobs } from './0005-blobs.js';
import { graphqlMfa } from './0006-graphql-mfa.js';
import { proof } from './0007-proof.js';
import { revocations } from './0008-revocations.js';
import { sealLtvRekeyArchives } from './0009-seal-ltv-rekey-archives.js';

/**
 * Schema migrations, in order, run at start-up. Written with the query builder so they run on
 * SQLite and PostgreSQL alike. Add one file per migration and list it here; never edit a shipped one.
 */
const migrations: Record<string, Migration> = {
  '0001-core': core,
  '0002-seals': seals,
  '0003-provider-flows': providerFlows,
  '0004-tickets': tickets,
  '0005-blobs': blobs,
  '0006-graphql-mfa': graphqlMfa,
  '0007-proof': proof,
  '0008-revocations': revocations,
  '0009-seal-ltv-rekey-archives': sealLtvRekeyArchives,
};

class InlineProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Migrations from parallel branches land out of order (0004 after 0005 ran); each is independent.
  const migrator = new Migrator({ db, provider: new InlineProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
