import { createRequire } from 'node:module';
import { problem, type Problem } from '../errors.js';

/**
 * The extensions the embedded database (PGlite) can load: its contrib packages, and pgvector,
 * a package of its own built for this PGlite version. Pure resolution, nothing loaded: `validate`
 * names an extension a manifest declares that an embedded module cannot have.
 */
export function embeddedExtensionModule(name: string): { specifier: string; key: string } {
  const key = name.replace(/-/g, '_');
  return { specifier: name === 'vector' ? '@electric-sql/pglite-pgvector' : `@electric-sql/pglite/contrib/${key}`, key };
}

const require = createRequire(import.meta.url);

/** Whether PGlite has this extension (plpgsql is built in). */
export function embeddedExtensionAvailable(name: string): boolean {
  if (name === 'plpgsql') return true;
  try {
    require.resolve(embeddedExtensionModule(name).specifier);
    return true;
  } catch {
    return false;
  }
}

/** A declared extension the embedded database cannot load (validate says it before anything opens). */
export function embeddedExtensionProblem(module: string, name: string, file?: string): Problem {
  return problem('BH049', `extension ${name} that module ${module} declares is not available in the embedded database (PGlite: its contrib extensions and vector)`, {
    module,
    ...(file ? { file } : {}),
    field: 'extensions',
    fix: 'point this module at a PostgreSQL server that has it (set its URL variable), or remove it from "extensions"',
  });
}
