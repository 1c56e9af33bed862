/**
 * `${VAR}` and `${VAR:-default}` expansion (SPEC §2). An unset variable without a default
 * is reported, never replaced by an empty string: a typo must not point at another database.
 * `$$` stands for a literal `$`.
 */
export interface Expansion {
  value: string;
  /** Variables that were unset and had no default. */
  missing: string[];
  /** `${…}` references that are not well-formed (an unclosed brace, a bad name), as written. */
  malformed: string[];
  /** Variables that were unset and fell back to an empty default (`${VAR:-}`). */
  emptyDefault: string[];
}

const TOKEN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-((?:[^}])*))?\}/g;

export function expandEnv(text: string, env: NodeJS.ProcessEnv): Expansion {
  const missing: string[] = [];
  const emptyDefault: string[] = [];
  const value = text.replace(TOKEN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const v = env[name!];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) {
      if (fallback === '') emptyDefault.push(name!);
      return fallback;
    }
    missing.push(name!);
    return match;
  });
  // What is left of `${` after the well-formed references is a mistake: never pass it on.
  const malformed = [...text.replace(TOKEN, (m) => (m === '$$' ? '' : ' ')).matchAll(/\$\{[^}\s]*\}?/g)].map((m) => m[0]);
  return { value, missing, malformed, emptyDefault };
}
