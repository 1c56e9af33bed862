/** A count and its noun in the number it takes: `plural(1, 'migration')` is `1 migration`, `plural(3, 'migration')` `3 migrations`. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}
