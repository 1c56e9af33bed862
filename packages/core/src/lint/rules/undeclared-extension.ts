import { extensionAt } from '../../analysis/statements.js';
import type { Rule } from '../types.js';

export const undeclaredExtension: Rule = {
  code: 'BH-X801',
  name: 'undeclared-extension',
  rationale: 'an extension the manifest does not declare is not created by db create nor checked on the server before the deploy',
  fix: 'add it to "extensions" in the module\'s bulkhead.json',
  severity: 'error',
  check(s, f) {
    // CREATE EXTENSION, or one a DO block runs (Temporal's IF NOT EXISTS … THEN CREATE EXTENSION btree_gin).
    const names = s.kind === 'CreateExtensionStmt' ? [String(s.node.extname)] : (s.extensions ?? []);
    return names
      .filter((name) => !f.module.manifest.extensions.includes(name))
      .map((name) => {
        // Inside a DO block: at its CREATE EXTENSION.
        const at = s.kind === 'DoStmt' ? extensionAt(s.text, name) : undefined;
        return {
          message: `extension ${name} is not declared in ${f.module.file}${s.kind === 'DoStmt' ? ' (a DO block creates it)' : ''}`,
          fix: `add "${name}" to "extensions" in ${f.module.file}`,
          ...(at === undefined ? {} : { offset: s.offset + Buffer.byteLength(s.text.slice(0, at)) }),
        };
      });
  },
};
