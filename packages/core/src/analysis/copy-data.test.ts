import { describe, expect, it } from 'vitest';
import { copyAsInsert, copyFormat, inlineCopyData, parsableSql } from './copy-data.js';
import { splitStatements } from './statements.js';

describe('inline COPY rows', () => {
  const dump = 'CREATE TABLE t (id int, name text);\nCOPY public.t (id, name) FROM stdin;\n1\tå\n2\t\\N\n\\.\n\nSELECT 1;\n';

  it('finds the rows of a COPY … FROM stdin and blanks them byte for byte', () => {
    const [block] = inlineCopyData(dump);
    expect(dump.slice(block!.from, block!.to)).toBe('1\tå\n2\t\\N\n\\.\n');
    const blanked = parsableSql(dump).text;
    expect(Buffer.byteLength(blanked)).toBe(Buffer.byteLength(dump));
    expect(blanked.split('\n')).toHaveLength(dump.split('\n').length);
    expect(blanked).not.toContain('\\.');
    // Byte offsets past earlier blocks and multi-byte text (counted on from block to block).
    const two = `${dump}-- ünïcödé\nCOPY u FROM stdin;\nø\n\\.\n`;
    const blocks = inlineCopyData(two);
    expect(blocks.map((b) => [b.start, b.end])).toEqual(blocks.map((b) => [Buffer.byteLength(two.slice(0, b.from)), Buffer.byteLength(two.slice(0, b.to))]));
    expect(blocks).toHaveLength(2);
    // Rows without their closing line are not rows: the parser then names them.
    expect(inlineCopyData('COPY t FROM stdin;\n1\n')).toEqual([]);
    expect(inlineCopyData('-- COPY t FROM stdin;\n\\.\n')).toEqual([]);
  });

  it('splits into an INSERT of the rows, each on its line in the file', async () => {
    const statements = await splitStatements(dump);
    expect(statements.map((s) => s.kind)).toEqual(['CreateStmt', 'CopyStmt', 'SelectStmt']);
    expect(statements[1]!.line).toBe(2);
    expect(statements[1]!.text).toBe("INSERT INTO public.t (id, name) VALUES\n(E'1', E'å'),\n(E'2', NULL)");
    expect(statements[2]).toMatchObject({ text: 'SELECT 1', line: 7 });
    // Options in the old syntax, and one quoting a semicolon.
    expect((await splitStatements('COPY t (a, b) FROM stdin WITH CSV HEADER;\na,b\n1,"x"\n\\.\n'))[0]!.text).toBe("INSERT INTO t (a, b) VALUES\n\n(E'1', E'x')");
    expect((await splitStatements("COPY t FROM STDIN WITH (FORMAT csv, DELIMITER ';', NULL 'NULL');\n1;NULL\n\\.\n"))[0]!.text).toBe("INSERT INTO t VALUES\n(E'1', NULL)");
    // A checkout with Windows line endings reads the same.
    const crlf = await splitStatements(dump.replace(/\n/g, '\r\n'));
    expect(crlf.map((s) => [s.kind, s.line])).toEqual([['CreateStmt', 1], ['CopyStmt', 2], ['SelectStmt', 7]]);
    expect(crlf[1]!.text).toBe("INSERT INTO public.t (id, name) VALUES\n(E'1', E'å'),\n(E'2', NULL)");
  });

  it("reads COPY's text format: escapes, the null marker, another delimiter", () => {
    expect(copyAsInsert('COPY t FROM stdin', {}, 'a\\tb\\\\c\\nd\t\\101\\x42\tit\'s\n\\.\n', 1)).toBe("INSERT INTO t VALUES\n(E'a\tb\\\\c\\nd', E'AB', E'it''s')");
    expect(copyAsInsert('COPY t FROM stdin', { delimiter: '|', null: '' }, 'a||c\n', 1)).toBe("INSERT INTO t VALUES\n(E'a', NULL, E'c')");
    expect(copyAsInsert('COPY t FROM stdin', {}, '\\.\n', 1)).toBe('SELECT WHERE false /* COPY t FROM stdin with no rows */');
  });

  it("reads CSV: quotes, a quoted line break (the next row keeps its line), NULL only unquoted, a header", () => {
    const rows = 'id,name\n1,"two\nlines"\n2,""\n3,\n4,"say ""hi"""\n\\.\n';
    const text = copyAsInsert('COPY t (id, name) FROM stdin', { csv: true, header: true }, rows, 2);
    expect(text).toBe("INSERT INTO t (id, name) VALUES\n\n\n(E'1', E'two\\nlines'),\n\n(E'2', E''),\n(E'3', NULL),\n(E'4', E'say \"hi\"')");
    // Each row's line in the INSERT is its line in the file (the COPY on line 1, the header on line 3).
    expect(text.split('\n').findIndex((l) => l.startsWith("(E'2'"))).toBe(5);
  });

  it('reads the options the parser gives, and names one it cannot run', () => {
    const option = (defname: string, arg?: unknown) => ({ DefElem: { defname, ...(arg === undefined ? {} : { arg }) } });
    expect(copyFormat([option('format', { String: { sval: 'csv' } }), option('header', { Boolean: { boolval: true } }), option('delimiter', { String: { sval: ';' } })])).toEqual({ csv: true, header: true, delimiter: ';' });
    expect(copyFormat([option('format', { String: { sval: 'binary' } })])).toBe('format binary');
    expect(copyFormat([option('force_not_null', { List: {} })])).toBe('force_not_null');
    expect(copyFormat([option('freeze')])).toEqual({});
  });
});
