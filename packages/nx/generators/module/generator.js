'use strict';
// `nx g @bulkhead/nx:module <name>`: a module folder with bulkhead.json and an empty migrations folder.
const path = require('node:path');

const SCHEMA = 'node_modules/@bulkhead/core/bulkhead.schema.json';

async function moduleGenerator(tree, options) {
  const name = options.name;
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`module name "${name}" must match [a-z][a-z0-9-]* (lowercase letters, digits, dashes; starts with a letter)`);
  }
  const dir = (options.directory || `modules/${name}`).replace(/\\/g, '/').replace(/\/$/, '');
  const manifest = `${dir}/bulkhead.json`;
  if (tree.exists(manifest)) throw new Error(`${manifest} already exists`);
  // The URL as the CLI's fixes write it (BH002): one definition, in @bulkhead/core.
  const { defaultDatabaseUrl } = await import('@bulkhead/core/base');
  const json = {
    $schema: path.posix.relative(dir, SCHEMA),
    name,
    database: { url: defaultDatabaseUrl(name) },
    ...(options.dependsOn && options.dependsOn.length ? { dependsOn: options.dependsOn } : {}),
  };
  tree.write(manifest, `${JSON.stringify(json, null, 2)}\n`);
  tree.write(`${dir}/migrations/.gitkeep`, '');
}

module.exports = moduleGenerator;
module.exports.default = moduleGenerator;
