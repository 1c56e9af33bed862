import type { Rule } from '../types.js';
import { addedConstraints, sqlName, sqlQualified, strings } from './util.js';

/**
 * A new CHECK or FOREIGN KEY on an existing table without NOT VALID; a CHECK or NOT NULL added to
 * an existing domain (every column of that type, in every table, is checked under lock).
 */
export const constraintNotValid: Rule = {
  code: 'BH-L204',
  name: 'constraint-without-not-valid',
  rationale: 'adding a CHECK or FOREIGN KEY validates every row while holding a lock that blocks writes (both tables for a foreign key; every table using the type for a domain)',
  fix: 'ADD CONSTRAINT … NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT … in a later migration (it takes a weaker lock)',
  severity: 'error',
  check(s, f) {
    if (s.kind === 'AlterDomainStmt') return domainConstraint(s, f);
    return addedConstraints(s, f)
      .filter(({ constraint: k }) => (k.contype === 'CONSTR_CHECK' || k.contype === 'CONSTR_FOREIGN') && !k.skip_validation)
      .map(({ table, constraint: k }) => ({
        message: `${k.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY'} constraint ${k.conname ? sqlName(k.conname) : ''} on ${sqlQualified(table)} validates every row while blocking writes`.replace('  ', ' '),
        offset: k.location,
        // Named, its later statement can be written out.
        ...(k.conname ? { fix: `write NOT VALID after it here, and in a later migration: ALTER TABLE ${sqlQualified(table)} VALIDATE CONSTRAINT ${sqlName(k.conname)}; (that checks the rows under a lock that lets writes go on)` } : {}),
      }));
  },
};

function domainConstraint(s: Parameters<NonNullable<Rule['check']>>[0], f: Parameters<NonNullable<Rule['check']>>[1]) {
  const parts = strings(s.node.typeName);
  const name = parts[parts.length - 1];
  if (!name) return undefined;
  const domain = f.qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, name);
  // A domain this file creates is used by no column yet.
  if (f.createdBefore(s).has(`domain:${domain}`)) return undefined;
  const k = (s.node.def as any)?.Constraint;
  if (s.node.subtype === 'C' && k?.contype === 'CONSTR_CHECK' && !k.skip_validation) {
    return { message: `CHECK constraint ${k.conname ? sqlName(k.conname) : ''} on domain ${sqlQualified(domain)} validates every column of that type, in every table, while blocking writes`.replace('  ', ' '), offset: k.location };
  }
  if (s.node.subtype === 'O') {
    return { message: `SET NOT NULL on domain ${sqlQualified(domain)} scans every column of that type, in every table, while blocking writes`, fix: 'add a CHECK (VALUE IS NOT NULL) NOT VALID to the domain, then VALIDATE CONSTRAINT in a later migration' };
  }
  return undefined;
}
