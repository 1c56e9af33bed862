import type { Rule } from '../types.js';
import { versionNeeded } from '../../analysis/versions.js';

export const newerPostgres: Rule = {
  code: 'BH-X803',
  name: 'needs-newer-postgres',
  rationale: 'the statement is valid on a newer PostgreSQL than the one the module deploys to: it fails at deploy time',
  fix: 'rewrite it for the target version, or raise --pg-version once production runs the newer server',
  severity: 'error',
  check(s, f) {
    // A built-in the module defines itself (its own uuidv7()) is fine on any server.
    const n = versionNeeded(s.kind, s.node, f.ownFunctions);
    if (!n || n.version <= f.pgVersion) return undefined;
    return { message: `${n.what} needs PostgreSQL ${n.version}; the target is ${f.pgVersion}` };
  },
};
