import type * as PgQuery from 'libpg-query';

let loaded: Promise<typeof PgQuery> | undefined;

/**
 * The real PostgreSQL parser (libpg-query, WASM), imported and initialised once, on first use:
 * a command that parses nothing (a no-op `up`, `status`) never loads it.
 */
export function parser(): Promise<typeof PgQuery> {
  loaded ??= import('libpg-query').then(async (pgQuery) => {
    await pgQuery.loadModule();
    return pgQuery;
  });
  return loaded;
}

type ParseResult = ReturnType<typeof PgQuery.parseSync>;

/** A piece of a SQL text, whole statements, parsed: where it starts in the text (bytes, line). */
export interface ParsedPiece {
  text: string;
  byteOffset: number;
  line: number;
  result: ParseResult;
}

/** How much SQL is parsed at once (characters): a parse tree weighs some 40 times its text. */
const PIECE = 1 << 20;
const NON_BLANK = /\S/g;
/** Where a statement may end: a semicolon at the end of a line. */
const LINE_END = /;[ \t]*\r?\n/g;

/**
 * Parse `text` in pieces of whole statements when it is large (a seed of 300,000 rows as INSERTs,
 * a pg_dump with data), so that only one piece's tree is in memory at a time; small texts are
 * one piece. A piece ends at a semicolon that ends a line, and is taken only if it parses: a
 * semicolon inside a string, a dollar-quoted body, a comment or BEGIN ATOMIC leaves the piece
 * unterminated, and it is extended (doubled) to a later one. A syntax error is the parser's,
 * its cursor in `text`.
 */
export function* parsePieces(pg: typeof PgQuery, text: string, size = PIECE): Generator<ParsedPiece> {
  let from = 0;
  let byteOffset = 0;
  let line = 1;
  while (from < text.length) {
    // Nothing but blanks after the last statement: no piece.
    NON_BLANK.lastIndex = from;
    if (from > 0 && !NON_BLANK.test(text)) return;
    let want = size;
    let cut = text.length;
    let result: ParseResult | undefined;
    while (result === undefined) {
      cut = pieceEnd(text, from + want);
      try {
        result = pg.parseSync(text.slice(from, cut));
      } catch (e) {
        if (cut < text.length) {
          want *= 2;
          continue;
        }
        if ((e as Error).message === 'Query cannot be empty' && from > 0) return;
        const details = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
        if (from > 0 && details?.cursorPosition !== undefined) details.cursorPosition += codePoints(text.slice(0, from));
        throw e;
      }
    }
    const piece = text.slice(from, cut);
    yield { text: piece, byteOffset, line, result };
    byteOffset += Buffer.byteLength(piece);
    for (let i = piece.indexOf('\n'); i >= 0; i = piece.indexOf('\n', i + 1)) line++;
    from = cut;
  }
}

function pieceEnd(text: string, at: number): number {
  if (at >= text.length) return text.length;
  LINE_END.lastIndex = at;
  const m = LINE_END.exec(text);
  return m ? m.index + m[0].length : text.length;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
