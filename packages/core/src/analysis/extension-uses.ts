/**
 * What a statement uses of a well-known extension (db/extensions.ts PROVIDED): a type (a citext
 * column), a function (uuid_generate_v4()), an index's operator class (gin_trgm_ops), PostGIS's
 * st_* functions. Many sets expect the extension from outside their migrations (chirpstack's
 * docker init creates pg_trgm), and a database without it fails at that migration, after the
 * ones before it committed. Read by lint (BH-X805) and by `up`'s preflight (BH070). Function
 * bodies are strings, not walked; a name qualified with pg_catalog is PostgreSQL's own.
 */
import { extensionProviding, PROVIDED_NAMES } from '../db/extensions.js';

type Node = Record<string, any>;

export interface ExtensionUse {
  /** The extension that provides it. */
  extension: string;
  kind: 'type' | 'function' | 'opclass';
  /** Its name, lower case (a module may define a function or type of the name itself). */
  name: string;
  /** As a message says it: `type citext`, `uuid_generate_v4()`, `operator class gin_trgm_ops`. */
  what: string;
}

/** Whether the module defines the used function or type itself (a uuid_generate_v4(), a vector type of its own). */
export function definedByModule(u: ExtensionUse, functions: ReadonlySet<string> | undefined, types: ReadonlySet<string> | undefined): boolean {
  return (u.kind === 'function' && functions?.has(u.name) === true) || (u.kind === 'type' && types?.has(u.name) === true);
}

/** The name parts of a qualified name (`[{String: {sval}}]`), lower case. */
function parts(names: unknown): string[] {
  return ((names as Node[] | undefined) ?? []).map((p) => String(p?.String?.sval ?? '').toLowerCase());
}

const TYPE_FIELDS = new Set(['TypeName', 'typeName', 'argType', 'returnType']);

/** Each use in the statement's tree, once per name. */
export function extensionUses(kind: string, tree: unknown): ExtensionUse[] {
  const found = new Map<string, ExtensionUse>();
  const add = (names: string[], k: 'type' | 'function' | 'opclass') => {
    const name = names.at(-1) ?? '';
    if (!name || (names.length > 1 && names[0] === 'pg_catalog')) return;
    const extension = extensionProviding(k, name);
    if (!extension) return;
    const what = k === 'type' ? `type ${name}` : k === 'function' ? `${name}()` : `operator class ${name}`;
    if (!found.has(what)) found.set(what, { extension, kind: k, name, what });
  };
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    for (const [k, child] of Object.entries(v as Node)) {
      // A type name is a field of its node (a column's typeName, a cast's, a parameter's argType, a returnType).
      if (TYPE_FIELDS.has(k)) add(parts((child as Node)?.names), 'type');
      else if (k === 'FuncCall') add(parts((child as Node).funcname), 'function');
      else if (k === 'IndexElem' && (child as Node).opclass) add(parts((child as Node).opclass), 'opclass');
      walk(child);
    }
  };
  // What a CREATE EXTENSION itself names is its own; a function or type the statement defines, the module's.
  if (kind !== 'CreateExtensionStmt' && kind !== 'AlterExtensionStmt' && kind !== 'AlterExtensionContentsStmt') walk({ [kind]: tree });
  return [...found.values()];
}

/** Whether a statement's text may name one of them: the tree is walked only then. */
export function mayUseExtension(text: string): boolean {
  return MAY_USE.test(text);
}

const MAY_USE = new RegExp(`\\b(?:${PROVIDED_NAMES.join('|')}|st_\\w+)\\b`, 'i');
