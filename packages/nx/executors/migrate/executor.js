'use strict';
// One module's `bulkhead up`, run inside Nx's task process (no shell, no second Node start).
const { toFlags } = require('./flags.js');

async function migrateExecutor(options, context) {
  const { main } = await import('@bulkhead/cli');
  const code = await main(['up', options.module, '--cwd', context.root, ...toFlags(options)]);
  return { success: code === 0 };
}

module.exports = migrateExecutor;
module.exports.default = migrateExecutor;
