import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** Version of @bulkhead/core, recorded in every history row. */
export const BULKHEAD_VERSION: string = (require('../package.json') as { version: string }).version;
