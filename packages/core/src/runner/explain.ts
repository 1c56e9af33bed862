import type { SqlSession } from '../db/types.js';
import type { MigrationFailure } from './apply.js';
import { sqlName } from '../text.js';

const UNDEFINED_TABLE = '42P01';
const UNDEFINED_FUNCTION = '42883';

/**
 * A failure's fix that needs the database to know: an unqualified table or function the migration
 * could not find, which the database has in a schema off the search path (supabase/storage's
 * migrations name `iceberg_namespaces`, created as `storage.iceberg_namespaces`, and run with
 * `search_path=storage,public`). Asked after the migration has rolled back, on the session that
 * ran it; undefined when the session is gone or the catalog has no such object.
 */
export async function explainFromCatalog(db: SqlSession, failure: MigrationFailure): Promise<string | undefined> {
  if (failure.connectionLost) return undefined;
  const table = failure.pgCode === UNDEFINED_TABLE ? /^relation "([^".]+)" does not exist/.exec(failure.message)?.[1] : undefined;
  const fn = failure.pgCode === UNDEFINED_FUNCTION ? /^function "?([\w$]+)"?\(/.exec(failure.message)?.[1] : undefined;
  const name = table ?? fn;
  if (!name) return undefined;
  const catalog = table
    ? 'select n.nspname as schema from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.relname = $1'
    : 'select n.nspname as schema from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace where p.proname = $1';
  let rows: { schema: string; path: string }[];
  try {
    // A function of that name on the search path means a wrong signature, not a wrong schema.
    ({ rows } = await db.query(
      `select distinct o.schema, current_setting('search_path') as path from (${catalog}) o
       where not (o.schema = any (current_schemas(true))) and o.schema not like 'pg\\_%' and o.schema <> 'information_schema'
         and not exists (select 1 from (${catalog}) s where s.schema = any (current_schemas(true)))
       order by 1`,
      [name],
    ));
  } catch {
    return undefined;
  }
  if (!rows.length) return undefined;
  const schemas = rows.map((r) => r.schema);
  const one = schemas[0]!;
  const what = table ? name : `${name}()`;
  const where = schemas.length === 1 ? `schema ${one}` : `schemas ${schemas.join(', ')}`;
  return (
    `${what} exists in ${where}, which is not on the search path (${rows[0]!.path}): write ${sqlName(one)}.${sqlName(name)}` +
    `, or, if the module's objects live in ${one}, say so in its bulkhead.json ("database": { "schema": "${one}" }): Bulkhead then puts ${one} first on the search path and keeps the module's history table there`
  );
}
