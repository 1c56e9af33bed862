import pkg from '../package.json' with { type: 'json' };

/** Version of @bulkhead/core, recorded in every history row. */
export const BULKHEAD_VERSION: string = pkg.version;
