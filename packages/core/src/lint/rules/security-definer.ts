import type { Rule } from '../types.js';

export const securityDefiner: Rule = {
  code: 'BH-P703',
  name: 'security-definer-without-search-path',
  rationale: 'a SECURITY DEFINER function without its own search_path runs with its owner\'s rights on objects the caller\'s search_path picks',
  fix: 'add SET search_path = <schema>, pg_temp to the function',
  severity: 'error',
  check(s) {
    if (s.kind !== 'CreateFunctionStmt') return undefined;
    const opts = ((s.node.options as any[]) ?? []).map((o) => o.DefElem);
    const definer = opts.some((o) => o?.defname === 'security' && o.arg?.Boolean?.boolval === true);
    const path = opts.some((o) => o?.defname === 'set' && o.arg?.VariableSetStmt?.name === 'search_path');
    return definer && !path ? { message: 'SECURITY DEFINER function without SET search_path' } : undefined;
  },
};
