import { createHash } from 'node:crypto';

/** Line endings and a BOM normalised, so a checkout on another OS keeps the checksum (SPEC §4). */
export function normalizeSource(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** sha256 over the normalised contents of a migration's file(s), in order. */
export function checksum(contents: readonly string[]): string {
  const h = createHash('sha256');
  contents.forEach((c, i) => {
    if (i > 0) h.update('\n\u0000\n');
    h.update(normalizeSource(c));
  });
  return h.digest('hex');
}
