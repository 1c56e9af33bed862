#!/usr/bin/env node
// The `bulkhead` command: compiled JavaScript (built by `npm ci` through `prepare`). The tsx
// loader is registered only when a TypeScript migration is imported.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
