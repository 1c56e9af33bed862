import { describe, expect, it } from 'vitest';
import { redact, redactDeep, redactUrl, registerSecret } from './redact.js';

describe('redaction', () => {
  it('masks the password of a URL, keeping the user', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(redactUrl('postgresql://app@db/x')).toBe('postgresql://app@db/x');
    expect(redactUrl('postgres://db/x?password=s3cret&sslmode=require')).toBe('postgres://db/x?password=***&sslmode=require');
  });

  it('masks registered secrets anywhere, encoded or not, in strings and JSON documents', () => {
    registerSecret('p@ss word!');
    expect(redact('auth failed for p@ss word! at p%40ss%20word!')).toBe('auth failed for *** at ***');
    expect(redactDeep({ a: ['x p@ss word! y'], n: 1 })).toEqual({ a: ['x *** y'], n: 1 });
  });
});
