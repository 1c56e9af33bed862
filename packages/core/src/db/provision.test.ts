import { describe, expect, it } from 'vitest';
import { extensionsLeftToDbCreate, ownerRole } from './provision.js';
import type { Module } from '../workspace.js';

describe('ownerRole', () => {
  it('is <module>_owner; a name PostgreSQL would cut to 63 bytes keeps 48 characters and a hash, so two long names alike at the start stay two roles', () => {
    expect(ownerRole('billing-api')).toBe('billing_api_owner');
    const a = ownerRole('payments-reconciliation-service-for-european-union-markets-alpha');
    const b = ownerRole('payments-reconciliation-service-for-european-union-markets-alpine');
    expect(a).toMatch(/^payments_reconciliation_service_for_european_uni_[0-9a-f]{8}_owner$/);
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
  });
});

describe('extensionsLeftToDbCreate', () => {
  it('is the declared extensions no migration creates: SQL (in a DO block too) and knex builder calls count as creating', () => {
    const migration = (id: string, o: { sql?: string }) => ({ id, upPath: `/nowhere/${id}.up.sql`, ...(o.sql !== undefined ? { sql: { up: o.sql } } : {}) });
    const module = {
      name: 'app',
      manifest: { extensions: ['citext', 'uuid-ossp', 'pg_trgm', 'vector'] },
      migrations: [
        migration('001', { sql: 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";' }),
        migration('002', { sql: "DO $$ BEGIN CREATE EXTENSION vector; EXCEPTION WHEN OTHERS THEN NULL; END $$;" }),
        migration('003', { sql: "await knex.schema.createExtensionIfNotExists('citext');" }),
      ],
    } as unknown as Module;
    expect(extensionsLeftToDbCreate(module)).toEqual(['pg_trgm']);
  });
});
