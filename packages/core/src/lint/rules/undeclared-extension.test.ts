import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-X801 undeclared-extension', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-X801',
      [
        'CREATE EXTENSION IF NOT EXISTS pgcrypto;',
        // Temporal's: created by a DO block when missing.
        "DO LANGUAGE 'plpgsql' $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN CREATE EXTENSION btree_gin; END IF; END $$;",
        "DO $$ BEGIN EXECUTE 'CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\"'; END $$;",
      ],
      [
        'CREATE EXTENSION IF NOT EXISTS citext;',
        "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS citext; END $$;",
        // Created only where the server has it, or with errors caught (supabase/postgres' pgsodium, AppFlowy's).
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgsodium') THEN CREATE EXTENSION IF NOT EXISTS pgsodium; END IF; END $$;",
        'DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS vector; EXCEPTION WHEN OTHERS THEN RAISE NOTICE $m$no vector$m$; END $$;',
        // Only a comment or a string that names one; a name built at run time.
        "DO $$ BEGIN EXECUTE 'CREATE EXTENSION IF NOT EXISTS ' || quote_ident('pg' || '_trgm'); END $$;",
        "DO $$ BEGIN -- create extension pgcrypto\n RAISE NOTICE 'create extension later'; END $$;",
      ],
      { extensions: ['citext'] },
    );
  });
});
