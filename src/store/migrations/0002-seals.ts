import type { Kysely, Migration } from 'kysely';

/** The seal registry, the built-in CA, and the demo directory of organisations and users. */
export const seals: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('seals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('owner_kind', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('holders', 'text', (c) => c.notNull())
      .addColumn('image_file_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull().defaultTo('local'))
      .addColumn('certificate_pem', 'text')
      .addColumn('chain_pem', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('key_algorithm', 'text')
      .addColumn('encrypted_key', 'text')
      .addColumn('provider_ref', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('authorities')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('certificate_pem', 'text', (c) => c.notNull())
      .addColumn('encrypted_key', 'text', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('directory_users')
      .addColumn('account', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('organization', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
  },
};
