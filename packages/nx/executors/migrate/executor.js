'use strict';
// One module's `bulkhead up`, run inside Nx's task process (no shell, no second Node start).
const { toFlags } = require('./flags.js');

async function migrateExecutor(options, context) {
  // Nx forks a process for the task: Bulkhead's V8 settings apply to it, before anything
  // compiles WebAssembly (loading the bundle does not).
  const { applyV8Settings, main } = await import('@bulkhead/cli/bundle');
  applyV8Settings();
  const code = await main(['up', options.module, '--cwd', context.root, ...toFlags(options)]);
  return { success: code === 0 };
}

module.exports = migrateExecutor;
module.exports.default = migrateExecutor;
