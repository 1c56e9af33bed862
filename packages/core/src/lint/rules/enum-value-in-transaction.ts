import type { Rule, RuleHit } from '../types.js';
import { sqlQualified, strings } from './util.js';
import { regexLiteral } from '../../text.js';

/**
 * `ALTER TYPE … ADD VALUE` may run in a transaction (PostgreSQL 12+), but the new label cannot be
 * used until that transaction commits: a later statement of the same migration that writes or
 * compares it fails with 55P04 ("unsafe use of new value"). Told by the label's literal in a later
 * statement of the file (a label other text happens to share is rare).
 */
export const enumValueInTransaction: Rule = {
  code: 'BH-T404',
  name: 'enum-value-used-where-added',
  rationale: 'a new enum value is usable only once the transaction that added it commits: using it in the same migration fails at deploy time (55P04)',
  fix: 'put the ALTER TYPE … ADD VALUE in a migration of its own, before the one that uses the value (each migration commits on its own)',
  severity: 'error',
  checkFile(f) {
    if (!f.transactional) return [];
    const hits: RuleHit[] = [];
    const added: { type: string; label: string; literal: RegExp }[] = [];
    for (const s of f.statements) {
      for (const a of added) {
        if (s.kind === 'AlterEnumStmt' || !a.literal.test(s.text)) continue;
        hits.push({ message: `value '${a.label}' of enum ${sqlQualified(a.type)} is used in the transaction that adds it`, offset: s.offset });
      }
      if (s.kind === 'AlterEnumStmt' && typeof s.node.newVal === 'string' && s.node.oldVal === undefined) {
        const names = strings(s.node.typeName);
        const label = s.node.newVal as string;
        // The label as SQL writes it: 'it''s'.
        const literal = new RegExp(`'${regexLiteral(label.replace(/'/g, "''"))}'`);
        added.push({ type: f.qualify(names.length > 1 ? names[0] : undefined, names[names.length - 1]!), label, literal });
      }
    }
    return hits;
  },
};
