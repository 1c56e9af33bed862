import { describe, expect, it } from 'vitest';
import { plural } from './text.js';

describe('plural', () => {
  it('puts the noun in the number the count takes', () => {
    expect(plural(1, 'migration')).toBe('1 migration');
    expect(plural(0, 'migration')).toBe('0 migrations');
    expect(plural(2, 'statement')).toBe('2 statements');
    expect(plural(2, 'index', 'indexes')).toBe('2 indexes');
  });
});
