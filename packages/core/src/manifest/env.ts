/**
 * `${VAR}` and `${VAR:-default}` expansion (SPEC §2). An unset variable without a default
 * is reported, never replaced by an empty string: a typo must not point at another database.
 * `$$` stands for a literal `$`.
 */
export interface Expansion {
  value: string;
  /** Variables that were unset and had no default. */
  missing: string[];
}

const TOKEN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-((?:[^}])*))?\}/g;

export function expandEnv(text: string, env: NodeJS.ProcessEnv): Expansion {
  const missing: string[] = [];
  const value = text.replace(TOKEN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const v = env[name!];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return match;
  });
  return { value, missing };
}
