import { inspect } from 'node:util';

/** A count and its noun in the number it takes: `plural(1, 'migration')` is `1 migration`, `plural(3, 'migration')` `3 migrations`. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** A noun with its indefinite article: `article('index')` is `an index`, `article('table')` `a table`. */
export function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** PostgreSQL's reserved key words: a name that is one is written quoted. */
const RESERVED = new Set(
  'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with'.split(' '),
);

/** An identifier as SQL writes it: bare when it can be (`auth`), else double-quoted (`"Auth"`, a reserved key word such as `"user"`). */
export function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A string literal in SQL: the text in single quotes, each one doubled. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A name's possessive: `goose's`, `postgres-migrations'`. */
export function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

/** 1-based line and column of a 1-based character (code point) position inside `text`. */
export function lineColumnAt(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let i = 1;
  for (const ch of text) {
    if (i++ >= position) break;
    if (ch === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

/** The first three names, sorted, then "…" when there are more. */
export function listed(names: readonly string[]): string {
  const sorted = [...names].sort();
  return `${sorted.slice(0, 3).join(', ')}${sorted.length > 3 ? ', …' : ''}`;
}

/** Ids in their order, a long run told by its first three and its last: `001_a, 002_b, 003_c, …, 124_z`. */
export function endsOf(ids: readonly string[]): string {
  return ids.length > 4 ? `${ids.slice(0, 3).join(', ')}, …, ${ids.at(-1)}` : ids.join(', ');
}

/** A CREATE TABLE, VIEW or SEQUENCE of `name` in SQL text (any schema, quoted or not). */
export function createsRelation(name: string): RegExp {
  return new RegExp(
    `\\bCREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:(?:UNLOGGED|TEMP|TEMPORARY|MATERIALIZED|RECURSIVE|FOREIGN)\\s+)*(?:TABLE|VIEW|SEQUENCE)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:(?:"[^"]+"|[\\w$]+)\\.)?"?${regexLiteral(name)}"?(?![\\w$])`,
    'i',
  );
}

/** `s` as a regular expression matching it literally. */
export function regexLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What was thrown, as a message: an Error's own, else the value as written (a migration may throw a string or an object). */
export function thrownMessage(e: unknown): string {
  const message = (e as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string') return message;
  return typeof e === 'object' && e !== null ? `threw ${inspect(e, { depth: 2, breakLength: Infinity })}` : `threw ${String(e)}`;
}

/**
 * The server's detail as oneLine gives it, shortened: a DROP that objects depend on lists each of
 * them (up to a hundred); the first five and a count read better. `more` follows the count.
 */
export function shortDetail(detail: string, more = ''): string {
  const parts = detail.split('; ');
  return parts.length > 6 ? `${parts.slice(0, 5).join('; ')}; … and ${parts.length - 5} more${more}` : detail;
}

/**
 * UTF-16, as SQL Server Management Studio and Windows PowerShell save text: a byte-order mark, or
 * a NUL in every other byte of ASCII text (valid UTF-8, but no server takes a NUL in SQL).
 */
export function looksUtf16(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 64);
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return true;
  return head.length > 1 && head.filter((b) => b === 0).length * 3 >= head.length;
}

/** The candidate within two edits of `word` (the nearest; none when two are as near), for "did you mean". */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const scored = candidates.map((c) => ({ c, d: distance(word.toLowerCase(), c) })).filter((x) => x.d <= Math.min(2, Math.floor(x.c.length / 2))).sort((a, b) => a.d - b.d);
  return scored.length && (scored.length === 1 || scored[0]!.d < scored[1]!.d) ? scored[0]!.c : undefined;
}

/** "did you mean <the nearest>? " before a fix, or nothing when none is near. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const meant = nearest(word, candidates);
  return meant ? `did you mean ${meant}? ` : '';
}

/** Edits (insert, delete, substitute, swap two neighbours) between two words. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}



/** A qualified name (`schema.table`, `schema.table.column`) as it is written in SQL, each part quoted when it must be. */
export function sqlQualified(qualified: string): string {
  return qualified.split('.').map(sqlName).join('.');
}
