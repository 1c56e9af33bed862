// Regenerates packages/core/bulkhead.schema.json from the zod schema: npm run generate:schema
import fs from 'node:fs';
import { manifestJsonSchema } from '../packages/core/src/manifest/schema.ts';

const file = new URL('../packages/core/bulkhead.schema.json', import.meta.url);
fs.writeFileSync(file, `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
