import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads a number with its unit; 0 alone needs none', () => {
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('2.5s')).toBe(2500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0')).toBe(0);
  });
  it('refuses a bare number (PostgreSQL would read milliseconds) and other units', () => {
    expect(parseDuration('5000')).toBeUndefined();
    expect(parseDuration('3 seconds')).toBeUndefined();
    expect(parseDuration('1d')).toBeUndefined();
  });
});
