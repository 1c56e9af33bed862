import type { Rule } from '../types.js';
import { rangeVar, sqlQualified, strings } from './util.js';

/**
 * The usual way to remove an enum value: rename the type, create it again without the value,
 * ALTER every column to it, drop the old one — or DELETE FROM pg_enum.
 */
export const enumValueRemoval: Rule = {
  code: 'BH-D106',
  name: 'enum-value-removal',
  rationale: 'removing an enum value rewrites every column of the type under ACCESS EXCLUSIVE, and fails on (or, through pg_enum, corrupts) rows holding the value',
  fix: 'stop writing the value, migrate its rows to another value in batches, and keep the label; or use a lookup table instead of an enum',
  severity: 'error',
  checkFile(f) {
    const hits: { message: string; offset: number }[] = [];
    const renamed = new Map<string, string>();
    for (const s of f.statements) {
      if (s.kind === 'RenameStmt' && s.node.renameType === 'OBJECT_TYPE') {
        const old = strings((s.node.object as any)?.List?.items);
        if (old.length) renamed.set(f.qualify(old.length > 1 ? old[0] : undefined, old[old.length - 1]!), String(s.node.newname));
      }
      if (s.kind === 'CreateEnumStmt') {
        const names = strings(s.node.typeName);
        const q = f.qualify(names.length > 1 ? names[0] : undefined, names[names.length - 1]!);
        if (renamed.has(q)) hits.push({ message: `enum ${sqlQualified(q)} is created again after being renamed to ${sqlQualified(renamed.get(q)!)}: removing a value rewrites every column of the type`, offset: s.offset });
      }
      if (s.kind === 'DeleteStmt') {
        const r = rangeVar(s.node.relation);
        if (r?.name === 'pg_enum') hits.push({ message: 'DELETE FROM pg_enum removes a label under rows that may hold it (and indexes ordered by it)', offset: s.offset });
      }
    }
    return hits;
  },
};
