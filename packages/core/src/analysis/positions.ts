/**
 * Byte offsets (what the parser reports) → 1-based line and column in characters, for one text.
 * Lines are found by binary search over the line starts, so a file of thousands of statements
 * maps each position in O(log lines).
 */
export function lineMap(text: string | Buffer): (offset: number) => { line: number; column: number } {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const starts = [0];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    // Characters (code points) before the offset on its line: every UTF-8 byte but continuation bytes.
    let column = 1;
    for (let i = starts[lo]!; i < offset && i < bytes.length; i++) if ((bytes[i]! & 0xc0) !== 0x80) column++;
    return { line: lo + 1, column };
  };
}
