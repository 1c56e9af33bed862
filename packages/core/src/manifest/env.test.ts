import { describe, expect, it } from 'vitest';
import { expandEnv, malformedFix, strayAroundUrl } from './env.js';

describe('expandEnv', () => {
  it('expands ${VAR} and ${VAR:-default}', () => {
    expect(expandEnv('postgres://${HOST}/db', { HOST: 'h:5432' })).toMatchObject({ value: 'postgres://h:5432/db', missing: [] });
    expect(expandEnv('${URL:-pglite://.bulkhead/admin}', {})).toMatchObject({ value: 'pglite://.bulkhead/admin', missing: [] });
    expect(expandEnv('${URL:-pglite://x}', { URL: 'postgres://y' }).value).toBe('postgres://y');
  });

  it('treats an empty variable as unset, like the shell does for :-', () => {
    expect(expandEnv('${URL:-fallback}', { URL: '' }).value).toBe('fallback');
    expect(expandEnv('${URL}', { URL: '' }).missing).toEqual(['URL']);
  });

  it('reports every unset variable without a default, never substituting empty', () => {
    const r = expandEnv('postgres://${USER_X}:${PASS_X}@h/${DB:-app}', {});
    expect(r.missing).toEqual(['USER_X', 'PASS_X']);
    expect(r.value).toContain('${USER_X}');
  });

  it('keeps $$ as a literal dollar and leaves other text alone', () => {
    expect(expandEnv('a$$b $HOME ${', { HOME: '/root' }).value).toBe('a$b $HOME ${');
  });
});

describe('malformed references', () => {
  it('reports an unclosed brace or a bad name instead of passing it on', () => {
    expect(expandEnv('postgres://${HOST/db', { HOST: 'h' }).malformed).toEqual(['${HOST/db']);
    expect(expandEnv('postgres://${1BAD}/db', {}).malformed).toEqual(['${1BAD}']);
    expect(expandEnv('${A:-x} $${B} ${C}', { C: 'c' }).malformed).toEqual([]);
  });
  it('names a variable whose empty default was used', () => {
    expect(expandEnv('${URL:-}', {})).toMatchObject({ value: '', emptyDefault: ['URL'] });
  });
  it("names the shell's other forms with the one Bulkhead reads", () => {
    const r = expandEnv('${A_URL:?set A_URL to the orders database}', {});
    expect(r.malformed).toEqual(['${A_URL:?set A_URL to the orders database}']);
    expect(malformedFix(r.malformed[0]!)).toContain('write ${A_URL}: Bulkhead already stops, naming A_URL, when it is not set');
    const dash = expandEnv('${A_URL-pglite://memory}', {}).malformed;
    expect(dash).toEqual(['${A_URL-pglite://memory}']);
    expect(malformedFix(dash[0]!)).toContain('write ${A_URL:-…}');
    expect(malformedFix('${1BAD}')).toContain('a name of letters, digits and _');
  });
});

describe('nested defaults', () => {
  it('expands a default that is itself a reference, reporting what is missing in it', () => {
    expect(expandEnv('${ORDERS_URL:-${DATABASE_URL}}', { DATABASE_URL: 'postgres://h/db' })).toMatchObject({ value: 'postgres://h/db', missing: [], malformed: [] });
    expect(expandEnv('${ORDERS_URL:-${DATABASE_URL}}', { ORDERS_URL: 'postgres://h/o' }).value).toBe('postgres://h/o');
    expect(expandEnv('${ORDERS_URL:-${DATABASE_URL}}', {})).toMatchObject({ missing: ['DATABASE_URL'] });
    expect(expandEnv('${A:-${B:-postgres://h/${DB:-app}}}', {}).value).toBe('postgres://h/app');
    expect(expandEnv('${A:-x}/${B', {}).malformed).toEqual(['${B']);
  });
});

describe('strayAroundUrl', () => {
  const check = (written: string, env: Record<string, string>) => strayAroundUrl(written, expandEnv(written, env), env)?.message;
  it('names the variable whose value brings a line break, blanks or quotes', () => {
    expect(check('${U}', { U: 'postgres://h/db\n' })).toBe('the value of U ends with a line break, which would be taken as part of the URL');
    expect(check('${U:-pglite://memory}', { U: ' postgres://h/db' })).toBe('the value of U starts with a blank, which would be taken as part of the URL');
    expect(check('postgres://u:${P}@h/db', { P: "'pw'" })).toMatch(/^the value of P is wrapped in quotes/);
    // A default's variable is named when it is the one used.
    expect(check('${A:-${B}}', { B: 'postgres://h/db\r\n' })).toMatch(/^the value of B ends with a line break/);
  });
  it('names blanks written in the manifest; a clean URL passes', () => {
    expect(check('pglite://memory  ', {})).toBe('database.url ends with blanks');
    expect(check('${U:-pglite://memory}', {})).toBeUndefined();
    expect(check('postgres://u:${P}@h/db', { P: 'p w' })).toBeUndefined();
  });
});
