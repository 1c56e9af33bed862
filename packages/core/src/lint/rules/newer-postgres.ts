import type { Rule } from '../types.js';
import { versionNeeded } from '../../analysis/versions.js';

export const newerPostgres: Rule = {
  code: 'BH-X803',
  name: 'needs-newer-postgres',
  rationale: 'the statement is valid on a newer PostgreSQL than the one the module deploys to: it fails at deploy time',
  fix: 'rewrite it for the target version, or raise --pg-version once production runs the newer server',
  severity: 'error',
  check(s, f) {
    const n = versionNeeded(s.kind, s.node);
    return n && n.version > f.pgVersion ? { message: `${n.what} needs PostgreSQL ${n.version}; the target is ${f.pgVersion}` } : undefined;
  },
};
