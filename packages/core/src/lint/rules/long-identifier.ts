import { MAX_NAME_BYTES } from '../../manifest/schema.js';
import type { Rule, RuleHit } from '../types.js';

type Node = Record<string, any>;

/** Parse-tree keys that hold the name of an object a statement creates, alters or renames. */
const NAME_KEYS = new Set(['relname', 'conname', 'idxname', 'colname', 'trigname', 'policy_name', 'schemaname', 'newname', 'subname']);
/** Keys that hold a qualified name as a list of String nodes (functions, types, sequences' owners). */
const LIST_KEYS = new Set(['funcname', 'defnames', 'names', 'typeName']);

/**
 * Names of 63 bytes in the parse tree of one statement: the parser has cut each longer name
 * already (with a notice), so the statement's text tells which were longer.
 */
function cutNames(node: unknown, into: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach((n) => cutNames(n, into));
  for (const [key, value] of Object.entries(node as Node)) {
    if (typeof value === 'string' && NAME_KEYS.has(key) && Buffer.byteLength(value) === MAX_NAME_BYTES) into.add(value);
    else if (LIST_KEYS.has(key) && Array.isArray(value)) {
      for (const part of value) if (typeof part?.String?.sval === 'string' && Buffer.byteLength(part.String.sval) === MAX_NAME_BYTES) into.add(part.String.sval);
    } else cutNames(value, into);
  }
}

/** Where the text writes a cut name in full: the longer identifier that starts with it (case aside), and its index. */
function writtenInFull(text: string, name: string): { full: string; index: number } | undefined {
  const lower = text.toLowerCase();
  const wanted = name.toLowerCase();
  for (let i = lower.indexOf(wanted); i >= 0; i = lower.indexOf(wanted, i + 1)) {
    const quoted = text[i - 1] === '"';
    if (i > 0 && !quoted && /[\w$]/.test(text[i - 1]!)) continue;
    const rest = /^[\w$]+/.exec(text.slice(i + name.length));
    if (rest) {
      const full = text.slice(i, i + name.length + rest[0].length);
      return { full: quoted ? full : full.toLowerCase(), index: i };
    }
  }
  return undefined;
}

export const longIdentifier: Rule = {
  code: 'BH-Y606',
  name: 'identifier-too-long',
  rationale: 'PostgreSQL keeps 63 bytes of a name and cuts the rest with only a notice: two names alike in their first 63 bytes are one object, and the catalog, pg_dump and drift show the cut name',
  fix: `name it in at most ${MAX_NAME_BYTES} bytes`,
  severity: 'warning',
  checkFile(f) {
    const seen = new Set<string>();
    const hits: RuleHit[] = [];
    for (const s of f.statements) {
      // A DROP names what a CREATE named (and was told there).
      if (s.kind.startsWith('Drop')) continue;
      const names = new Set<string>();
      cutNames(s.node, names);
      for (const name of names) {
        const written = writtenInFull(s.text, name);
        if (!written || seen.has(written.full)) continue;
        seen.add(written.full);
        hits.push({
          message: `${written.full} is ${Buffer.byteLength(written.full)} bytes long: PostgreSQL cuts it to ${name}`,
          offset: s.offset + Buffer.byteLength(s.text.slice(0, written.index)),
        });
      }
    }
    return hits;
  },
};
