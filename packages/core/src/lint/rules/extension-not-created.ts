import { definedByModule, extensionUses } from '../../analysis/extension-uses.js';
import type { LintFile, LintStatement, Rule } from '../types.js';

/** Extensions the file creates before `s` (CREATE EXTENSION, or a DO block's). */
function createdEarlierInFile(f: LintFile, s: LintStatement): Set<string> {
  const out = new Set<string>();
  for (const t of f.statements) {
    if (t.index >= s.index) break;
    if (t.kind === 'CreateExtensionStmt') out.add(String(t.node.extname));
    for (const e of t.extensions ?? []) out.add(e);
  }
  return out;
}

export const extensionNotCreated: Rule = {
  code: 'BH-X805',
  name: 'extension-not-created',
  rationale:
    "a type, function or operator class of an extension that no migration of the module creates and its manifest does not declare: a database made from these migrations (a new environment, verify's and drift's scratch databases, the embedded default) lacks it, and the migration fails there",
  fix: 'declare the extension in the module\'s "extensions" (db create makes it), or create it in an earlier migration',
  severity: 'error',
  check(s, f) {
    const uses = extensionUses(s.kind, s.node).filter((u) => !f.ownExtensions.has(u.extension) && !definedByModule(u, f.ownFunctions, f.ownTypes));
    if (!uses.length) return undefined;
    const earlier = createdEarlierInFile(f, s);
    return uses
      .filter((u) => !earlier.has(u.extension))
      .map((u) => ({
        message: `${u.what} comes from the extension ${u.extension}, which no migration of ${f.module.name} creates and ${f.module.file} does not declare`,
        fix: `declare it: "extensions": [${[...new Set([...f.module.manifest.extensions, u.extension])].map((e) => JSON.stringify(e)).join(', ')}] in ${f.module.file} (db create makes it, and the embedded default and verify's scratch databases load it), or CREATE EXTENSION IF NOT EXISTS ${u.extension.includes('-') ? `"${u.extension}"` : u.extension} in an earlier migration`,
      }));
  },
};
