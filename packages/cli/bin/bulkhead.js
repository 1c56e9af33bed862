#!/usr/bin/env node
// The `bulkhead` command: compiled JavaScript, bundled (built by `npm ci` through `prepare`; see
// build-bundle.mjs). The tsx loader is registered only when a TypeScript migration is imported.
const { applyV8Settings, exitWhenDone, main } = await import('../dist/bundle/bundle.js');

// Before anything that compiles WebAssembly loads (see v8-settings): loading the bundle does not.
applyV8Settings();
exitWhenDone(await main(process.argv.slice(2)));
