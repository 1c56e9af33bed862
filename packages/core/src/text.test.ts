import { describe, expect, it } from 'vitest';
import { nearest, plural, shortDetail, thrownMessage } from './text.js';

describe('plural', () => {
  it('puts the noun in the number the count takes', () => {
    expect(plural(1, 'migration')).toBe('1 migration');
    expect(plural(0, 'migration')).toBe('0 migrations');
    expect(plural(2, 'statement')).toBe('2 statements');
    expect(plural(2, 'index', 'indexes')).toBe('2 indexes');
  });
});

describe('thrownMessage', () => {
  it("is an Error's message, else what was thrown as written", () => {
    expect(thrownMessage(new TypeError('x is undefined'))).toBe('x is undefined');
    expect(thrownMessage('no rates configured')).toBe('threw no rates configured');
    expect(thrownMessage({ reason: 42 })).toBe('threw { reason: 42 }');
    expect(thrownMessage(null)).toBe('threw null');
    expect(thrownMessage(undefined)).toBe('threw undefined');
  });
});

describe('shortDetail', () => {
  it("keeps six parts of the server's detail; of more, the first five and a count", () => {
    const deps = Array.from({ length: 14 }, (_, i) => `trigger t${i} on table x${i} depends on function f()`).join('; ');
    expect(shortDetail(deps, ' (--json has them all)')).toBe(`${deps.split('; ').slice(0, 5).join('; ')}; … and 9 more (--json has them all)`);
    const six = deps.split('; ').slice(0, 6).join('; ');
    expect(shortDetail(six)).toBe(six);
  });
});

describe('nearest', () => {
  it('finds a slip within two edits, a swap counting one; nothing when none is near or two are as near', () => {
    expect(nearest('tenat', ['tenant', 'to', 'concurrency'])).toBe('tenant');
    expect(nearest('stauts', ['status', 'up', 'down'])).toBe('status');
    expect(nearest('Ummai', ['umami', 'admin'])).toBe('umami');
    expect(nearest('frobnicate', ['up', 'down', 'status'])).toBeUndefined();
    // Short names need a closer slip: "x" is not "up".
    expect(nearest('x', ['up', 'to'])).toBeUndefined();
    expect(nearest('ab', ['ac', 'ad'])).toBeUndefined();
  });
});
