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
    // One finding per file, at the second (one allow covers it): convoy's index files hold eleven.
    if (cic.length < 2) return [];
    const lines = cic.map((s) => s.line);
    const listed = lines.length > 6 ? `${lines.slice(0, 5).join(', ')}, … ${lines.at(-1)}` : `${lines.slice(0, -1).join(', ')} and ${lines.at(-1)}`;
    return [{ message: `${cic.length} CONCURRENTLY statements in one no-transaction file (lines ${listed})`, offset: cic[1]!.offset }];
  },
};
