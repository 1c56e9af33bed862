#!/usr/bin/env node
// The `bulkhead` command: compiled JavaScript (built by `npm ci` through `prepare`). The tsx
// loader is registered only when a TypeScript migration is imported.
import { applyV8Settings } from '../dist/v8-settings.js';

// Before anything that compiles WebAssembly loads (see v8-settings).
applyV8Settings();
const { main } = await import('../dist/main.js');

process.exitCode = await main(process.argv.slice(2));
