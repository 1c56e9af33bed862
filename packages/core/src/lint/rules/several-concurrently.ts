import type { Rule } from '../types.js';

export const severalConcurrently: Rule = {
  code: 'BH-T403',
  name: 'several-concurrently-in-one-file',
  rationale: 'a no-transaction file is not atomic: if its second CONCURRENTLY build fails, the first stays and the failed one leaves an INVALID index',
  fix: 'one CREATE/DROP INDEX CONCURRENTLY per migration file',
  severity: 'warning',
  checkFile(f) {
    if (f.transactional) return [];
    const cic = f.statements.filter((s) => (s.kind === 'IndexStmt' || s.kind === 'DropStmt' || s.kind === 'ReindexStmt') && (s.node.concurrent || JSON.stringify(s.node.params ?? []).includes('"concurrently"')));
    return cic.length > 1 ? cic.slice(1).map((s) => ({ message: `CONCURRENTLY statement ${cic.indexOf(s) + 1} of ${cic.length} in one no-transaction file`, offset: s.offset })) : [];
  },
};
