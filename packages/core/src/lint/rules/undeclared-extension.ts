import type { Rule } from '../types.js';

export const undeclaredExtension: Rule = {
  code: 'BH-X801',
  name: 'undeclared-extension',
  rationale: 'an extension the manifest does not declare is not created by db create nor checked on the server before the deploy',
  fix: 'add it to "extensions" in the module\'s bulkhead.json',
  severity: 'error',
  check(s, f) {
    if (s.kind !== 'CreateExtensionStmt') return undefined;
    const name = String(s.node.extname);
    return f.module.manifest.extensions.includes(name) ? undefined : { message: `extension ${name} is not declared in ${f.module.file}`, fix: `add "${name}" to "extensions" in ${f.module.file}` };
  },
};
