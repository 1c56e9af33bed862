'use strict';
// One module's `bulkhead up`, run inside Nx's task process (no shell, no second Node start).
const { toFlags } = require('./flags.js');

async function migrateExecutor(options, context) {
  // Nx forks a process for the task: Bulkhead's V8 settings apply to it, before core loads.
  (await import('@bulkhead/cli/v8-settings')).applyV8Settings();
  const { main } = await import('@bulkhead/cli');
  const code = await main(['up', options.module, '--cwd', context.root, ...toFlags(options)]);
  return { success: code === 0 };
}

module.exports = migrateExecutor;
module.exports.default = migrateExecutor;
