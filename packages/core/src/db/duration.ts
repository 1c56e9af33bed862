/**
 * Parse `1500ms`, `30s`, `5m` or `1h` into milliseconds; `0` alone needs no unit. A bare number is
 * refused (undefined): PostgreSQL reads `lock_timeout = 5000` as milliseconds, so `5000` meant as
 * such must not become 5,000 seconds, nor `5` five milliseconds.
 */
export function parseDuration(text: string): number | undefined {
  if (/^0+(?:\.0+)?$/.test(text.trim())) return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]!]!);
}
