/**
 * Passwords never appear in any output (SPEC §5). Two layers: every URL or libpq connection
 * string in a message is masked however it is written (`redactUrl`), and every rendered message
 * also masks the secrets registered while loading the workspace (URL passwords, PGPASSWORD,
 * `.pgpass` entries), wherever they appear (`redact`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const secrets = new Set<string>();

/** Remember a secret (a password taken from an expanded URL) so `redact` masks it anywhere. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 3) secrets.add(secret);
}

/** A URL, up to whitespace or a quote: `scheme://[user[:password]@]host…`. */
const URL_TOKEN = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s'"<>`]*)/gi;
/** libpq `key=value` strings and URL query parameters carrying a password. */
// An unquoted value ends before a colon that ends its sentence ("cannot connect to …?password=…: ECONNREFUSED").
const KEYWORD_PASSWORD = /\b((?:ssl)?password)(\s*=\s*)('(?:[^'\\]|\\.|'')*'|[^\s&'"]+?(?=:\s|[\s&'"]|$))/gi;
/** SQL's `[ENCRYPTED] PASSWORD '…'` (CREATE/ALTER ROLE) and `password '…'` options (user mappings), as a failing statement or a lint finding quotes them. */
const SQL_PASSWORD = /\b(password\s+)(E?'(?:[^'\\]|\\.|'')*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\3\$)/gi;

/**
 * Mask the password of every URL or libpq connection string in `text`, and every password
 * literal of SQL quoted in it. The userinfo of a URL ends at its *last* `@`: a password may
 * contain an unencoded `@`, `/` or `:`.
 */
export function redactUrl(text: string): string {
  const masked = text.replace(URL_TOKEN, (_m, scheme: string, rest: string) => {
    const pw = userinfoPassword(rest);
    return pw ? `${scheme}${rest.slice(0, pw.from)}***${rest.slice(pw.to)}` : scheme + rest;
  });
  return masked.replace(KEYWORD_PASSWORD, (_m, key: string, eq: string) => `${key}${eq}***`).replace(SQL_PASSWORD, (_m, key: string) => `${key}'***'`);
}

/** The password a URL carries (best effort, also for URLs that do not parse), to register it. */
export function passwordOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(url.trim());
  if (m) {
    const rest = m[1]!;
    const span = userinfoPassword(rest);
    const pw = span ? rest.slice(span.from, span.to) : undefined;
    const query = /[?&]password=([^&]*)/i.exec(rest)?.[1];
    return pw || query ? safeDecode(pw || query!) : undefined;
  }
  const kv = LIBPQ_PASSWORD.exec(url)?.[1];
  return kv?.replace(/^'|'$/g, '').replace(/\\(.)/g, '$1');
}

/** A libpq connection string's password (`password=secret`, or quoted: `password='a b'`), with what follows it up to the next keyword. */
const LIBPQ_PASSWORD = /\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)\s*/i;

/**
 * Where a URL's userinfo password is in what follows `scheme://`: after the first colon of the
 * userinfo, which ends at the *last* `@` (a password may hold an unencoded `@`, `/` or `:`).
 */
function userinfoPassword(rest: string): { from: number; to: number } | undefined {
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  return at >= 0 && colon >= 0 && colon < at ? { from: colon + 1, to: at } : undefined;
}

/**
 * A connection URL (or libpq connection string) without its password, and the password: for a
 * program given the URL as an argument (pg_dump), which every user of the machine sees in its
 * command line, while the password goes in its environment (PGPASSWORD), which only its owner
 * and root may read.
 */
export function splitPassword(url: string): { url: string; password?: string } {
  const password = passwordOf(url);
  if (password === undefined) return { url };
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url.trim());
  if (!m) return { url: url.replace(LIBPQ_PASSWORD, '').trim(), password };
  let rest = m[2]!;
  const span = userinfoPassword(rest);
  // The colon before the password goes with it.
  if (span) rest = rest.slice(0, span.from - 1) + rest.slice(span.to);
  rest = rest.replace(/([?&])password=[^&#]*(&|(?=#)|$)/i, (_m, before: string, after: string) => (after === '&' ? before : '')).replace(/[?&](?=#|$)/, '');
  return { url: m[1]! + rest, password };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Register the passwords libpq would use without a URL showing them: PGPASSWORD and the
 * entries of the password file (PGPASSFILE, else ~/.pgpass).
 */
export function registerEnvironmentSecrets(env: NodeJS.ProcessEnv): void {
  registerSecret(env.PGPASSWORD);
  const file = env.PGPASSFILE || path.join(env.HOME || os.homedir(), '.pgpass');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return;
  }
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    // host:port:database:user:password, with \: and \\ escapes.
    const fields = line.match(/(?:\\.|[^:])+|(?<=:)(?=:|$)/g) ?? [];
    if (fields.length >= 5) registerSecret(fields.slice(4).join(':').replace(/\\(.)/g, '$1'));
  }
}

export function redact(text: string): string {
  let out = redactUrl(text);
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
    const encoded = encodeURIComponent(s);
    if (encoded !== s && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return out;
}

/**
 * Text for a terminal: secrets masked (redact), and control characters shown as escapes instead
 * of acted on — an escape sequence in a file name, or in data a server error quotes, must not
 * recolour, clear or retitle the user's terminal. Line breaks and tabs stay.
 */
export function printable(text: string): string {
  return redact(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Redact every string inside a JSON-able value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
