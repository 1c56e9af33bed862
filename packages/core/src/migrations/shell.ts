/** Pieces of the shell commands a fix suggests (run by the user in a migrations folder). */

/** A literal as a POSIX extended regular expression matches it, inside sed's s/…/…/. */
export function ereLiteral(text: string): string {
  return text.replace(/[.[\]()*+?{}|^$\\/]/g, '\\$&');
}

/** A word for sh: single-quoted, a quote inside it closed and escaped. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A word for sh as it reads: quoted only when it must be. */
export function shellWord(text: string): string {
  return /^[\w.@%+=:,/-]+$/.test(text) ? text : shellQuote(text);
}

/** The files a folder command works on: named when there are a few, else every SQL file. */
export function fileArgs(files: readonly string[]): string {
  return files.length <= 4 ? files.map(shellWord).join(' ') : '*.sql';
}
