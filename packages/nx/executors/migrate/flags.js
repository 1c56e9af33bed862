'use strict';
// Nx hands an executor its target options and the command line's overrides as one object;
// Bulkhead takes flags. Everything except the module becomes `--flag[=value]`.
const SKIP = new Set(['module', '_', '__unparsed__', '__overrides_unparsed__']);

function toFlags(options) {
  const flags = [];
  const seen = new Set();
  for (const [key, value] of Object.entries(options || {})) {
    if (SKIP.has(key) || value === undefined || value === false) continue;
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (seen.has(flag)) continue;
    seen.add(flag);
    for (const v of Array.isArray(value) ? value : [value]) flags.push(v === true ? `--${flag}` : `--${flag}=${v}`);
  }
  return flags;
}

module.exports = { toFlags };
