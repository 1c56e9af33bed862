/**
 * Other linters' suppression comments, honoured for the rules of ours that check the same thing, so
 * a migration set reviewed under Atlas or squawk does not report again what its authors accepted:
 *
 *   -- atlas:nolint [check codes or analyzer names]   (Atlas: the next statement; in the file's
 *                                                      header, set off by a blank line, the file)
 *   -- squawk-ignore [rule, rule]                      (squawk: the next statement)
 *   -- squawk-ignore-file [rule, rule]                 (squawk: the file)
 *
 * Without names a directive covers every rule of ours that the tool checks too — never the ones it
 * has no counterpart for (a DROP that fails, SQL the server's version does not have): those say
 * the migration breaks, which no other tool's review accepted.
 */

export interface ForeignSuppression {
  tool: 'Atlas' | 'squawk';
  /** Our rule names it covers. */
  rules: ReadonlySet<string>;
  /** The next statement, or the whole file. */
  scope: 'statement' | 'file';
  line: number;
}

/** Atlas's checks (atlasgo.io/lint/analyzers) with a rule of ours that checks the same. */
const ATLAS_CHECKS: Record<string, readonly string[]> = {
  DS101: ['drop-schema-or-database'],
  DS102: ['drop-table'],
  DS103: ['drop-column'],
  MF103: ['not-null-column-without-default'],
  MF104: ['set-not-null'],
  BC101: ['rename-table-or-column'],
  BC102: ['rename-table-or-column'],
  PG101: ['index-without-concurrently'],
  PG102: ['index-without-concurrently'],
  PG103: ['non-transactional-in-transaction'],
  PG104: ['constraint-without-index'],
  PG105: ['constraint-without-index'],
  PG301: ['column-type-change'],
  PG302: ['adding-column-with-volatile-default'],
  PG303: ['set-not-null'],
  PG304: ['set-not-null'],
  PG305: ['constraint-without-not-valid'],
};

/** Atlas's analyzers, by the name its directives and atlas.hcl use, and their checks' prefixes. */
const ATLAS_ANALYZERS: Record<string, readonly string[]> = {
  destructive: ['DS'],
  data_depend: ['MF'],
  incompatible: ['BC'],
  concurrent_index: ['PG10'],
  constraint: ['CD'],
};

/** squawk's rules (squawkhq.com/docs/rules) with a rule of ours that checks the same. */
const SQUAWK_RULES: Record<string, readonly string[]> = {
  'adding-field-with-default': ['adding-column-with-volatile-default'],
  'adding-foreign-key-constraint': ['constraint-without-not-valid'],
  'adding-not-nullable-field': ['set-not-null'],
  'adding-required-field': ['not-null-column-without-default'],
  'adding-serial-primary-key-field': ['adding-serial-identity-or-stored-column', 'constraint-without-index'],
  'adding-primary-key-constraint': ['constraint-without-index'],
  'ban-char-field': ['char-column'],
  'ban-concurrent-index-creation-in-transaction': ['non-transactional-in-transaction'],
  'ban-drop-column': ['drop-column'],
  'ban-drop-database': ['drop-schema-or-database'],
  'ban-drop-not-null': ['drop-not-null'],
  'ban-drop-table': ['drop-table'],
  'ban-truncate-cascade': ['truncate'],
  'ban-alter-domain-with-add-constraint': ['domain-constraint'],
  'ban-create-domain-with-constraint': ['domain-constraint'],
  'changing-column-type': ['column-type-change'],
  'constraint-missing-not-valid': ['constraint-without-not-valid'],
  'disallowed-unique-constraint': ['constraint-without-index'],
  'prefer-big-int': ['int-primary-key'],
  'prefer-bigint-over-int': ['int-primary-key'],
  'prefer-bigint-over-smallint': ['int-primary-key'],
  'prefer-identity': ['int-primary-key'],
  'prefer-text-field': ['varchar-with-length'],
  'prefer-timestamptz': ['timestamp-without-time-zone'],
  'renaming-column': ['rename-table-or-column'],
  'renaming-table': ['rename-table-or-column'],
  'require-concurrent-index-creation': ['index-without-concurrently'],
  'require-concurrent-index-deletion': ['index-without-concurrently'],
  'transaction-nesting': ['transaction-control-in-file'],
};

const ALL_ATLAS = new Set(Object.values(ATLAS_CHECKS).flat());
const ALL_SQUAWK = new Set(Object.values(SQUAWK_RULES).flat());

function atlasRules(names: readonly string[]): Set<string> {
  if (!names.length) return ALL_ATLAS;
  const out = new Set<string>();
  for (const name of names) {
    const prefixes = ATLAS_ANALYZERS[name.toLowerCase()];
    const codes = prefixes ? Object.keys(ATLAS_CHECKS).filter((c) => prefixes.some((p) => c.startsWith(p))) : [name.toUpperCase()];
    for (const code of codes) for (const r of ATLAS_CHECKS[code] ?? []) out.add(r);
  }
  return out;
}

function squawkRules(names: readonly string[]): Set<string> {
  if (!names.length) return ALL_SQUAWK;
  return new Set(names.flatMap((n) => SQUAWK_RULES[n.toLowerCase()] ?? []));
}

const ATLAS = /^\s*--\s*atlas:nolint\b(.*)$/i;
const SQUAWK = /^\s*--\s*squawk-ignore(-file)?\b(.*)$/i;

/** The Atlas and squawk suppressions of a SQL file's text, with the rules of ours each covers. */
export function foreignSuppressions(sql: string): ForeignSuppression[] {
  const lines = sql.split('\n');
  const out: ForeignSuppression[] = [];
  // Still in the file's header: nothing but comments and blank lines so far.
  let header = true;
  const names = (rest: string) => rest.split(/[\s,]+/).filter(Boolean);
  lines.forEach((text, i) => {
    const atlas = ATLAS.exec(text);
    const squawk = atlas ? undefined : SQUAWK.exec(text);
    if (atlas) {
      // In the header and set off from the statements by a blank line: the whole file (Atlas's file directive).
      let k = i + 1;
      while (k < lines.length && /^\s*--/.test(lines[k]!)) k++;
      const file = header && k < lines.length && lines[k]!.trim() === '';
      out.push({ tool: 'Atlas', rules: atlasRules(names(atlas[1]!)), scope: file ? 'file' : 'statement', line: i + 1 });
    } else if (squawk) {
      out.push({ tool: 'squawk', rules: squawkRules(names(squawk[2]!)), scope: squawk[1] ? 'file' : 'statement', line: i + 1 });
    }
    if (text.trim() !== '' && !/^\s*--/.test(text)) header = false;
  });
  return out;
}
