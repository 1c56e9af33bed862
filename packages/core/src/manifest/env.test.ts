import { describe, expect, it } from 'vitest';
import { expandEnv } from './env.js';

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
});
