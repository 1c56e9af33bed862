#!/usr/bin/env node
// The `bulkhead` command. Runs the TypeScript sources through tsx, so `npx bulkhead` works
// right after `npm ci` with no build step; the same loader imports `.ts` migrations.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

registerEsm();
registerCjs();
globalThis[Symbol.for('bulkhead.tsx-registered')] = true;
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
