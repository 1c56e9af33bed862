/**
 * `${VAR}` and `${VAR:-default}` expansion (SPEC §2), a default itself holding references
 * (`${ORDERS_URL:-${DATABASE_URL}}`, as Compose reads it). An unset variable without a default
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
  /** Variables whose value went into the result. */
  used: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function expandEnv(text: string, env: NodeJS.ProcessEnv): Expansion {
  const out: Expansion = { value: '', missing: [], malformed: [], emptyDefault: [], used: [] };
  out.value = expandFrom(text, 0, env, out, false).value;
  return out;
}

/**
 * Expand `text` from `i` to its end, or (`nested`) to the `}` closing the default being read.
 * `end` is the index after what was read; `closed` whether a nested default found its `}`.
 */
function expandFrom(text: string, i: number, env: NodeJS.ProcessEnv, out: Expansion, nested: boolean): { value: string; end: number; closed: boolean } {
  let value = '';
  while (i < text.length) {
    const c = text[i]!;
    if (nested && c === '}') return { value, end: i + 1, closed: true };
    if (c !== '$') {
      value += c;
      i++;
      continue;
    }
    if (text[i + 1] === '$') {
      value += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] !== '{') {
      value += c;
      i++;
      continue;
    }
    const start = i;
    const name = NAME.exec(text.slice(i + 2))?.[0];
    const after = i + 2 + (name?.length ?? 0);
    if (name && text[after] === '}') {
      const v = env[name];
      if (v !== undefined && v !== '') {
        value += v;
        out.used.push(name);
      } else {
        out.missing.push(name);
        value += text.slice(start, after + 1);
      }
      i = after + 1;
      continue;
    }
    if (name && text.startsWith(':-', after)) {
      // The default is read (its own references checked) whether or not it is used.
      const inner: Expansion = { value: '', missing: [], malformed: [], emptyDefault: [], used: [] };
      const d = expandFrom(text, after + 2, env, inner, true);
      if (d.closed) {
        out.malformed.push(...inner.malformed);
        const v = env[name];
        if (v !== undefined && v !== '') {
          value += v;
          out.used.push(name);
        } else {
          if (d.value === '' && inner.missing.length === 0) out.emptyDefault.push(name);
          out.missing.push(...inner.missing);
          out.emptyDefault.push(...inner.emptyDefault);
          out.used.push(...inner.used);
          value += d.value;
        }
        i = d.end;
        continue;
      }
    }
    // Not well-formed: up to the next `}` (or the next blank), as written; never passed on.
    const close = text.indexOf('}', i);
    const next = text.indexOf('${', i + 2);
    const blank = text.slice(i).search(/\s/);
    const stop = close >= 0 && (next < 0 || close < next) ? close + 1 : blank >= 0 ? i + blank : text.length;
    out.malformed.push(text.slice(start, stop));
    value += text.slice(start, stop);
    i = stop;
  }
  return { value, end: i, closed: false };
}

/** The fix for a malformed reference: the shell's other forms are named as such. */
export function malformedFix(reference: string): string {
  const general = 'write ${NAME} or ${NAME:-default} (a name of letters, digits and _; the closing brace is required); $$ is a literal $';
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?=+])/.exec(reference);
  if (!m) return general;
  const [, name, op] = m as unknown as [string, string, string];
  if (op.endsWith('?')) return `write \${${name}}: Bulkhead already stops, naming ${name}, when it is not set (the shell's ${op} form is not read here)`;
  if (op === '-') return `write \${${name}:-…}: Bulkhead reads the default after :- (an empty ${name} counts as unset, as for the shell's :-)`;
  return `${general} (the shell's ${op} form is not read here)`;
}

/**
 * Characters around a URL that are not part of it, where they came from: a variable's value
 * with the line break of the secret file it was read from, blanks, or the quotes of an env file
 * that Docker's `--env-file` and Compose's `env_file` keep as part of the value; or blanks
 * written in the manifest itself. Undefined when the URL is clean.
 */
export function strayAroundUrl(written: string, expansion: Expansion, env: NodeJS.ProcessEnv): { message: string; fix: string } | undefined {
  for (const name of new Set(expansion.used)) {
    const v = env[name]!;
    if (quoted(v)) {
      return {
        message: `the value of ${name} is wrapped in quotes, which are part of the value (an env file given to docker --env-file or Compose's env_file keeps them)`,
        fix: `set ${name} without the quotes (in an env file: ${name}=postgres://…)`,
      };
    }
    const blank = blankEnds(v);
    if (!blank) continue;
    return {
      message: `the value of ${name} ${blank.what}, which would be taken as part of the URL`,
      fix: blank.lineBreak
        ? `set ${name} without it: a secret read from a file keeps the file's last line break (${name}="$(cat <file>)" drops it)`
        : `set ${name} without the blanks around the URL`,
    };
  }
  const blank = blankEnds(written);
  return blank ? { message: `database.url ${blank.what}`, fix: 'remove it from the manifest: a URL holds no blanks' } : undefined;
}

/** Blanks or a line break at a value's ends: which, said as `ends with a line break`. */
function blankEnds(v: string): { what: string; lineBreak: boolean } | undefined {
  const trail = /\s+$/.exec(v)?.[0];
  const lead = trail ? undefined : /^\s+/.exec(v)?.[0];
  const found = trail ?? lead;
  if (!found) return undefined;
  const lineBreak = /[\r\n]/.test(found);
  return { what: `${trail ? 'ends' : 'starts'} with ${lineBreak ? 'a line break' : found.length === 1 ? 'a blank' : 'blanks'}`, lineBreak };
}

/** A value in quotes of either kind, as an env file wrote it. */
function quoted(v: string): boolean {
  return v.length >= 2 && /^(["']).*\1$/s.test(v);
}
