/**
 * Passwords never appear in any output (SPEC §5). Two layers:
 * URLs are printed through `redactUrl`, and every rendered message goes through
 * `redact`, which also masks any secret registered while loading the workspace.
 */

const secrets = new Set<string>();

/** Remember a secret (a password taken from an expanded URL) so `redact` masks it anywhere. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 3) secrets.add(secret);
}

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi;
const PASSWORD_PARAM = /([?&]password=)[^&\s]*/gi;

export function redactUrl(url: string): string {
  return url.replace(USERINFO, '$1:***@').replace(PASSWORD_PARAM, '$1***');
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

/** Redact every string inside a JSON-able value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
