import { describe, expect, it } from 'vitest';
import { parsePieces, parser } from './parser.js';
import { splitStatements } from './statements.js';

/** Semicolons ending lines inside every construct that may hold one. */
const TRICKY = `CREATE TABLE t (id int, note text);
INSERT INTO t VALUES (1, 'a;
b');
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM 1;
  RETURN 2;
END
$body$;
/* a comment;
with a semicolon */ SELECT 'é;';
CREATE FUNCTION g() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  SELECT 2;
END;
CREATE RULE r AS ON INSERT TO t DO ALSO (
  NOTIFY t;
  NOTIFY u
);
SELECT E'x\\';
y';
DROP TABLE t;
`;

describe('parsePieces', () => {
  it('pieces of whole statements, however small the pieces asked for: the same statements, offsets and lines as one parse', async () => {
    const pg = await parser();
    const whole = pg.parseSync(TRICKY).stmts!.map((s) => [Object.keys(s.stmt as object)[0], s.stmt_location ?? 0]);
    for (const size of [1, 10, 40, 1 << 20]) {
      const got: [string | undefined, number][] = [];
      const lines: number[] = [];
      for (const piece of parsePieces(pg, TRICKY, size)) {
        lines.push(piece.line);
        // A piece starts where the text says.
        expect(Buffer.from(TRICKY).subarray(piece.byteOffset).toString().startsWith(piece.text)).toBe(true);
        expect(TRICKY.split('\n').slice(piece.line - 1).join('\n').startsWith(piece.text)).toBe(true);
        for (const s of piece.result.stmts ?? []) got.push([Object.keys(s.stmt as object)[0], piece.byteOffset + (s.stmt_location ?? 0)]);
      }
      expect(got.map((g) => g[0])).toEqual(whole.map((w) => w[0]));
      // Statement starts may differ only in the whitespace a piece boundary moves.
      for (const [i, [, at]] of got.entries()) expect(Buffer.from(TRICKY).subarray(whole[i]![1] as number, at).toString().trim()).toBe('');
      if (size === 1) expect(lines.length).toBeGreaterThan(2);
    }
  });

  it("a syntax error is the parser's, its cursor in the whole text; whitespace after the last statement is no piece", async () => {
    const pg = await parser();
    const bad = `SELECT 1;\nSELECT 'é';\nSELEC 2;\nSELECT 3;\n`;
    let cursor: number | undefined;
    try {
      [...parsePieces(pg, bad, 5)];
    } catch (e) {
      cursor = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    }
    expect(cursor).toBe(bad.indexOf('SELEC 2'));
    expect([...parsePieces(pg, 'SELECT 1;\n   \n\n', 3)].map((p) => p.text)).toEqual(['SELECT 1;\n']);
    // splitStatements of a file too large for one piece: the same lines as written.
    const big = Array.from({ length: 30_000 }, (_, i) => `INSERT INTO t VALUES (${i}, 'row ${i}');`).join('\n') + '\nSELEC x;\n';
    await expect(splitStatements(big)).rejects.toMatchObject({ line: 30_001, column: 1 });
    const ok = await splitStatements(big.replace('SELEC x;', 'SELECT 1;'));
    expect(ok).toHaveLength(30_001);
    expect(ok.at(-1)).toMatchObject({ line: 30_001, text: 'SELECT 1' });
    expect(ok[20_000]).toMatchObject({ line: 20_001, text: "INSERT INTO t VALUES (20000, 'row 20000')" });
  });

  it("a COPY … FROM stdin that ends a piece keeps its rows, which start the next (a pg_dump with data)", async () => {
    // The first statement stops just short of a piece, so the COPY's line crosses into the next.
    const first = `SELECT '${'x'.repeat((1 << 20) - 20)}';\n`;
    const sql = `${first}COPY t (a, b) FROM stdin;\n1\tone\n2\ttwo\n\\.\nSELECT 2;\n`;
    const statements = await splitStatements(sql);
    expect(statements.map((s) => [s.kind, s.line])).toEqual([
      ['SelectStmt', 1],
      ['CopyStmt', 2],
      ['SelectStmt', 6],
    ]);
    expect(statements[1]!.node.copy).toMatchObject({ gap: 1 });
    expect(statements[1]!.text).toContain("'one'");
  });
});
