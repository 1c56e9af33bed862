#!/usr/bin/env node
// The `bulkhead` command: compiled JavaScript, bundled (built by `npm ci` through `prepare`; see
// build-bundle.mjs). The tsx loader is registered only when a TypeScript migration is imported.
const { applyV8Settings, exitWhenDone, main } = await import('../dist/bundle/bundle.js');

// Node's note that an ES-module migration (a .js file with `export`) sits in a package without
// "type": "module" concerns Node's parsing, not the migration, which runs as it is: not printed
// among Bulkhead's output on every run.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const code = typeof rest[0] === 'object' && rest[0] !== null ? rest[0].code : rest[1];
  if (code === 'MODULE_TYPELESS_PACKAGE_JSON') return;
  return emitWarning.call(process, warning, ...rest);
};

// Before anything that compiles WebAssembly loads (see v8-settings): loading the bundle does not.
applyV8Settings();
exitWhenDone(await main(process.argv.slice(2)));
