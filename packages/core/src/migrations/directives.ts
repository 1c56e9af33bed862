/**
 * Header directives in SQL comments (SPEC §3):
 *   -- bulkhead:no-transaction
 *   -- bulkhead:requires <module>:<migration id>
 *   -- bulkhead:allow <rule> <reason>      (lint suppressions; parsed here, used by lint)
 *   -- bulkhead:replaces <id> <id> …       (a squashed migration: the ones it stands for, written by `squash`)
 */
export interface SqlDirectives {
  noTransaction: boolean;
  requires: string[];
  allow: { rule: string; reason: string; line: number }[];
  /** Migrations this one replaces (written by `squash`; the directive may repeat). */
  replaces: string[];
  /** Lines with a `bulkhead:` directive this version does not know (typos must not be ignored). */
  unknown: { text: string; line: number }[];
}

const DIRECTIVE = /^\s*--\s*bulkhead:([a-z-]+)\s*(.*?)\s*$/;

export function parseDirectives(sql: string): SqlDirectives {
  const out: SqlDirectives = { noTransaction: false, requires: [], allow: [], replaces: [], unknown: [] };
  sql.split('\n').forEach((text, i) => {
    const m = DIRECTIVE.exec(text);
    if (!m) return;
    const [, name, arg = ''] = m;
    const line = i + 1;
    if (name === 'no-transaction' && arg === '') out.noTransaction = true;
    else if (name === 'requires' && arg) out.requires.push(...arg.split(/[\s,]+/).filter(Boolean));
    else if (name === 'replaces' && arg) out.replaces.push(...arg.split(/[\s,]+/).filter(Boolean));
    else if (name === 'allow' && arg) {
      const [rule = '', ...reason] = arg.split(/\s+/);
      out.allow.push({ rule, reason: reason.join(' '), line });
    } else out.unknown.push({ text: text.trim(), line });
  });
  return out;
}
