/**
 * psql's inline COPY data: `COPY t (a, b) FROM stdin;` followed by rows, up to a line `\.` — how
 * pg_dump writes a table's rows, and what Flyway runs in a PostgreSQL migration. The server reads
 * such rows over COPY's own protocol, which a migration's statements do not use. Bulkhead blanks
 * the rows out of the text the parser reads (byte for byte, so every offset and line stays where
 * it was), and runs the COPY as an INSERT of the same rows, each on the line it has in the file:
 * a value the column rejects is named at its row's line.
 */

/** Where a COPY's rows are: byte offsets into the file, from the line after the COPY to after `\.`. */
export interface CopyBlock {
  /** Character offsets (for blanking). */
  from: number;
  to: number;
  /** Byte offsets (what statement marks use). */
  start: number;
  end: number;
}

/** A COPY's format, read from its options (text is the default, as for the server). */
export interface CopyFormat {
  csv?: boolean;
  delimiter?: string;
  null?: string;
  header?: boolean;
  quote?: string;
  escape?: string;
}

/**
 * A COPY … FROM stdin whose statement ends its line(s); its rows then run up to a line `\.`. The
 * statement starts its own line (as pg_dump and hand-written files put it); its options may quote
 * a semicolon (`DELIMITER ';'`).
 */
const COPY_FROM_STDIN = /^[ \t]*copy\b[^;]*?\bfrom\s+stdin\b(?:'[^'\n]*'|[^;\n'])*;[ \t]*(?:--[^\n]*)?\r?\n/gim;
const END_OF_ROWS = /^\\\.[ \t]*\r?(?:\n|$)/m;

/**
 * What the parser reads of a SQL file: the file with every COPY's inline rows blanked (`text`),
 * and where those rows are (`blocks`). Every place that parses a migration file goes through
 * this; a file without such rows (almost every one) is returned as it is.
 */
export function parsableSql(sql: string): { text: string; blocks: CopyBlock[] } {
  const blocks = inlineCopyData(sql);
  return { text: blankCopyData(sql, blocks), blocks };
}

/** The inline rows of every `COPY … FROM stdin` in a file; none in almost every file. */
export function inlineCopyData(sql: string): CopyBlock[] {
  if (!/\bstdin\b/i.test(sql)) return [];
  const blocks: CopyBlock[] = [];
  // Byte offsets counted on from the last block (a dump holds a block per table).
  let chars = 0;
  let bytes = 0;
  const byteAt = (char: number) => {
    bytes += Buffer.byteLength(sql.slice(chars, char), 'utf8');
    chars = char;
    return bytes;
  };
  COPY_FROM_STDIN.lastIndex = 0;
  for (let m = COPY_FROM_STDIN.exec(sql); m; m = COPY_FROM_STDIN.exec(sql)) {
    const from = m.index + m[0].length;
    const end = END_OF_ROWS.exec(sql.slice(from));
    if (!end) break;
    const to = from + end.index + end[0].length;
    blocks.push({ from, to, start: byteAt(from), end: byteAt(to) });
    COPY_FROM_STDIN.lastIndex = to;
  }
  return blocks;
}

/** `sql` with the rows blanked: each character but a line break becomes as many spaces as its UTF-8 bytes. */
function blankCopyData(sql: string, blocks: readonly CopyBlock[]): string {
  if (!blocks.length) return sql;
  let out = '';
  let at = 0;
  for (const b of blocks) {
    out += sql.slice(at, b.from);
    out += sql.slice(b.from, b.to).replace(/[^\n]/g, (c) => ' '.repeat(Buffer.byteLength(c, 'utf8')));
    at = b.to;
  }
  return out + sql.slice(at);
}

/** Why a COPY's options cannot be run as an INSERT, or the format they describe. */
export function copyFormat(options: unknown): CopyFormat | string {
  const format: CopyFormat = {};
  for (const o of (options as { DefElem?: { defname?: string; arg?: Record<string, Record<string, unknown>> } }[] | undefined) ?? []) {
    const name = o.DefElem?.defname ?? '';
    const arg = o.DefElem?.arg;
    const value = arg?.String?.sval ?? arg?.Boolean?.boolval ?? arg?.Integer?.ival ?? (arg ? undefined : true);
    const text = typeof value === 'string' ? value : undefined;
    if (name === 'format') {
      if (text !== 'text' && text !== 'csv') return `format ${String(value)}`;
      format.csv = text === 'csv';
    } else if (name === 'delimiter' && text?.length === 1) format.delimiter = text;
    else if (name === 'null' && text !== undefined) format.null = text;
    else if (name === 'header') format.header = value === true || value === 1 || (text !== undefined && /^(true|on|1|match)$/i.test(text));
    else if (name === 'quote' && text?.length === 1) format.quote = text;
    else if (name === 'escape' && text?.length === 1) format.escape = text;
    else if (name === 'freeze') continue; // only how the server writes the rows
    else if (name === 'encoding' && /^utf-?8$/i.test(text ?? '')) continue;
    else return name;
  }
  return format;
}

/**
 * The COPY as an INSERT of its rows: `INSERT INTO <target> VALUES`, then each row on the line it
 * has in the file (`gap` lines after the COPY's first line), every value a string literal the
 * column's input function reads, as COPY's does. A COPY of no rows is a query that does nothing.
 */
export function copyAsInsert(copy: string, format: CopyFormat, data: string, gap: number): string {
  const target = /^copy\s+([\s\S]*?)\s+from\s+stdin\b/i.exec(copy)?.[1] ?? '';
  const rows = format.csv ? csvRows(data, format) : textRows(data, format);
  if (format.header && rows.length) rows[0]!.values = undefined;
  let text = `INSERT INTO ${target} VALUES`;
  // Line breaks before the next row: its distance from the one before.
  let line = gap;
  let first = true;
  let pending = 0;
  for (const row of rows) {
    if (!row.values) {
      pending += row.lines;
      continue;
    }
    text += `${first ? '' : ','}${'\n'.repeat(line + pending)}(${row.values.map(literal).join(', ')})`;
    line = row.lines;
    pending = 0;
    first = false;
  }
  return first ? `SELECT WHERE false /* ${copy.split('\n')[0]} with no rows */` : text;
}

type Row = { values: (string | null)[] | undefined; lines: number };

/** The data lines of a block, without the closing `\.` line. */
function dataLines(data: string): string[] {
  const lines = data.split('\n');
  const end = lines.findIndex((l) => /^\\\.[ \t]*\r?$/.test(l));
  return lines.slice(0, end >= 0 ? end : lines.at(-1) === '' ? -1 : lines.length).map((l) => l.replace(/\r$/, ''));
}

const TEXT_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** COPY's text format: fields split at the delimiter, `\N` for NULL, backslash escapes. */
function textRows(data: string, format: CopyFormat): Row[] {
  const delimiter = format.delimiter ?? '\t';
  const nullText = format.null ?? '\\N';
  return dataLines(data).map((line) => {
    const values: (string | null)[] = [];
    let raw = '';
    let value = '';
    for (let i = 0; i <= line.length; i++) {
      const c = line[i];
      if (c === undefined || c === delimiter) {
        values.push(raw === nullText ? null : value);
        raw = '';
        value = '';
        continue;
      }
      if (c !== '\\' || i + 1 >= line.length) {
        raw += c;
        value += c;
        continue;
      }
      const next = line[i + 1]!;
      const octal = /^[0-7]{1,3}/.exec(line.slice(i + 1))?.[0];
      const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(line.slice(i + 2))?.[0] : undefined;
      const length = octal ? octal.length : hex ? hex.length + 1 : 1;
      raw += line.slice(i, i + 1 + length);
      value += octal ? String.fromCharCode(parseInt(octal, 8)) : hex ? String.fromCharCode(parseInt(hex, 16)) : (TEXT_ESCAPES[next] ?? next);
      i += length;
    }
    return { values, lines: 1 };
  });
}

/** COPY's CSV format: quoted fields (which may span lines), an unquoted empty field for NULL. */
function csvRows(data: string, format: CopyFormat): Row[] {
  const delimiter = format.delimiter ?? ',';
  const quote = format.quote ?? '"';
  const escape = format.escape ?? quote;
  const nullText = format.null ?? '';
  const text = dataLines(data).join('\n');
  const rows: Row[] = [];
  let values: (string | null)[] = [];
  let value = '';
  let quoted = false;
  let lines = 1;
  const endField = () => {
    values.push(!quoted && value === nullText ? null : value);
    value = '';
    quoted = false;
  };
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === undefined || c === '\n') {
      if (c === undefined && values.length === 0 && value === '' && !quoted) break;
      endField();
      rows.push({ values, lines });
      values = [];
      lines = 1;
      if (c === undefined) break;
    } else if (c === delimiter) endField();
    else if (c === quote) {
      quoted = true;
      // Up to the closing quote; an escape character before a quote (or itself) keeps it.
      for (i++; i < text.length; i++) {
        const q = text[i]!;
        if (q === escape && (text[i + 1] === quote || (escape !== quote && text[i + 1] === escape))) {
          value += text[++i];
        } else if (q === quote) break;
        else {
          if (q === '\n') lines++;
          value += q;
        }
      }
    } else value += c;
  }
  return rows;
}

/** A value as an escape string literal on one line (E'…': its line breaks written as \n). */
function literal(v: string | null): string {
  if (v === null) return 'NULL';
  return `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}
