import { possessive } from '../text.js';

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
  /**
   * Another migration tool's mark for "run outside a transaction" (goose, dbmate, morph,
   * graphile-migrate, sqlx, Atlas), which Bulkhead does not obey: named where a statement needs it.
   */
  foreignNoTransaction?: { tool: string; text: string; line: number };
}

/** Other tools' no-transaction marks, as their documentation writes them (case and spacing vary). */
const FOREIGN_NO_TRANSACTION: readonly [tool: string, mark: RegExp][] = [
  ['goose', /^\s*--\s*\+goose\s+no\s+transaction\s*$/i],
  ['dbmate', /^\s*--\s*migrate:(up|down)\b.*\btransaction:\s*false\b/i],
  ['morph', /^\s*--\s*morph:nontransactional\s*$/i],
  ['graphile-migrate', /^\s*--!\s*no-transaction\s*$/i],
  ['Atlas', /^\s*--\s*atlas:txmode\s+none\s*$/i],
  ['sqlx', /^\s*--\s*no-transaction\s*$/i],
  ['postgres-migrations', /^\s*--\s*postgres-migrations\s+disable-transaction\s*$/i],
  ['sql-migrate', /^\s*--\s*\+migrate\s+(up|down)\b.*\bnotransaction\b/i],
  ['tern', /^\s*----\s*tern:\s*disable-tx\s*----\s*$/],
];

const DIRECTIVE = /^\s*--\s*bulkhead:([a-z-]+)\s*(.*?)\s*$/;
const COMMENT = /^\s*--/;

export function parseDirectives(sql: string): SqlDirectives {
  const out: SqlDirectives = { noTransaction: false, requires: [], allow: [], replaces: [], unknown: [] };
  sql.split('\n').forEach((text, i) => {
    const m = DIRECTIVE.exec(text);
    if (!m) {
      if (!out.foreignNoTransaction && COMMENT.test(text)) {
        const found = FOREIGN_NO_TRANSACTION.find(([, mark]) => mark.test(text));
        if (found) out.foreignNoTransaction = { tool: found[0], text: text.trim(), line: i + 1 };
      }
      return;
    }
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

/**
 * The fix for a statement that cannot run in the transaction Bulkhead opens: mark the file, and,
 * when it carries another tool's mark for that, say that Bulkhead does not read it.
 */
export function noTransactionFix(f: SqlDirectives['foreignNoTransaction'], fix: string): string {
  return f ? `line ${f.line} is ${possessive(f.tool)} mark (${f.text}), which Bulkhead does not read: ${fix}` : fix;
}
