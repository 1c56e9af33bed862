/** A count and its noun in the number it takes: `plural(1, 'migration')` is `1 migration`, `plural(3, 'migration')` `3 migrations`. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** An identifier as a fix writes it in SQL: bare when it can be (`auth`), else double-quoted (`"Auth"`). */
export function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A name's possessive: `goose's`, `postgres-migrations'`. */
export function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}
