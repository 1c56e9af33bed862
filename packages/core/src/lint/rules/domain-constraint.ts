import type { Rule } from '../types.js';
import { sqlQualified, strings } from './util.js';

/**
 * A constraint added to a domain is checked against every column of every table that uses the
 * domain, each locked while it is read (squawk's ban-alter-domain-with-add-constraint); SET NOT
 * NULL too. A domain created earlier in the same file has no columns yet.
 */
export const domainConstraint: Rule = {
  code: 'BH-L210',
  name: 'domain-constraint',
  rationale: 'ALTER DOMAIN … ADD CONSTRAINT (or SET NOT NULL) reads every column of every table that uses the domain, holding a lock on each table that blocks its writes until it is done',
  fix: 'add it NOT VALID, then ALTER DOMAIN … VALIDATE CONSTRAINT in a later migration (it blocks no writes); for SET NOT NULL, ADD CONSTRAINT … CHECK (VALUE IS NOT NULL) NOT VALID and validate it so',
  severity: 'error',
  check(s, f) {
    if (s.kind !== 'AlterDomainStmt' || (s.node.subtype !== 'C' && s.node.subtype !== 'O')) return undefined;
    const parts = strings(s.node.typeName);
    const name = parts[parts.length - 1];
    if (!name) return undefined;
    const domain = f.qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, name);
    if (f.createdBefore(s).has(`domain:${domain}`)) return undefined;
    const k = (s.node.def as { Constraint?: { contype?: string; skip_validation?: boolean } } | undefined)?.Constraint;
    if (s.node.subtype === 'C' && (k?.skip_validation || (k?.contype !== 'CONSTR_CHECK' && k?.contype !== 'CONSTR_NOTNULL'))) return undefined;
    return [{ message: `${s.node.subtype === 'O' ? 'SET NOT NULL' : 'ADD CONSTRAINT'} on domain ${sqlQualified(domain)} checks every column of every table that uses it, blocking their writes meanwhile` }];
  },
};
