'use strict';
// @bulkhead/nx — infers one Nx project per Bulkhead module (every folder with a bulkhead.json),
// targets that call the `bulkhead` CLI, and project edges from each manifest's `dependsOn`.
// Plain CommonJS so a workspace that installs the package loads it without a TS toolchain.
const fs = require('node:fs');
const path = require('node:path');
const { createNodesFromFiles, DependencyType, validateDependency } = require('@nx/devkit');
const { MODULE_TARGETS } = require('./targets.js');

const MANIFEST_GLOB = '**/bulkhead.json';

/** Read the fields the graph needs; the CLI validates the rest. Errors name the file. */
function readManifest(workspaceRoot, file) {
  let json;
  try {
    // A BOM (Windows editors write one) is not part of the JSON, as the CLI reads it.
    json = JSON.parse(fs.readFileSync(path.join(workspaceRoot, file), 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${e.message}). Fix the file; bulkhead validate lists every problem.`);
  }
  if (!json || typeof json.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(json.name)) {
    throw new Error(`${file}: field "name" must be a module id matching [a-z][a-z0-9-]*. Fix the file; bulkhead validate lists every problem.`);
  }
  const dependsOn = json.dependsOn === undefined ? [] : json.dependsOn;
  if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
    throw new Error(`${file}: field "dependsOn" must be an array of module names.`);
  }
  return { name: json.name, dependsOn, migrations: typeof json.migrations === 'string' ? json.migrations : 'migrations' };
}

/** The installed Bulkhead's version, as a runtime input of cacheable targets (a new Bulkhead re-verifies). */
const VERSION_INPUT = `node -p "require('@bulkhead/core/package.json').version"`;

function normalizeOptions(options) {
  const targetNames = {};
  for (const t of MODULE_TARGETS) targetNames[t.key] = (options && options[`${camel(t.key)}TargetName`]) || t.key;
  // A custom `command` (a wrapper script, a pinned binary) runs every target through it.
  return { targetNames, command: (options && options.command) || 'bulkhead', customCommand: Boolean(options && options.command) };
}

function camel(key) {
  return key.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

/**
 * What a cacheable target's result depends on: the module's folder (its manifest, its migrations
 * and what TS migrations import beside them), its migrations folder wherever it is, the files of
 * the projects it depends on (an Nx library a TS migration imports, as Nx sees the import, and its
 * `dependsOn` modules), the workspace's tsconfig (path aliases) and the Bulkhead version. Never
 * another module's files: a file in an input makes its project `nx affected` by a change to it.
 */
function cacheInputs(migrationsDir) {
  return [
    '{projectRoot}/**/*',
    `${migrationsDir}/**/*`,
    { fileset: '{projectRoot}/**/*', dependencies: true },
    '{workspaceRoot}/tsconfig.base.json',
    '{workspaceRoot}/tsconfig.json',
    { runtime: VERSION_INPUT },
  ];
}

/**
 * A manifest the plugin cannot read (not JSON, no valid name) still gets its project, named as
 * well as can be told, without edges: its targets run Bulkhead, which refuses the workspace with
 * the problem named (exit 2, nothing applied). A plugin error would stop every Nx command with
 * "Failed to process project graph", the file and the reason shown only with --verbose.
 */
function manifestOrFallback(workspaceRoot, file) {
  try {
    return readManifest(workspaceRoot, file);
  } catch {
    let text = '';
    try {
      text = fs.readFileSync(path.join(workspaceRoot, file), 'utf8');
    } catch {
      // Unreadable: the folder's name.
    }
    const named = /"name"\s*:\s*"([^"\\]*)"/.exec(text)?.[1];
    const folder = path.basename(path.dirname(file)).toLowerCase().replace(/[^a-z0-9-]+/g, '-');
    return { name: named && /^[a-z][a-z0-9-]*$/.test(named) ? named : folder, dependsOn: [], migrations: 'migrations' };
  }
}

function createModuleProject(file, options, context) {
  const root = path.dirname(file);
  const manifest = manifestOrFallback(context.workspaceRoot, file);
  const o = normalizeOptions(options);
  const migrationsDir = path.posix.join('{projectRoot}', manifest.migrations.split(path.sep).join('/'));
  const targets = {};
  for (const t of MODULE_TARGETS) {
    const executor = t.executor && !o.customCommand ? { executor: t.executor, options: { module: manifest.name } } : { executor: 'nx:run-commands', options: { command: `${o.command} ${t.command} ${manifest.name}`, cwd: '{workspaceRoot}' } };
    targets[o.targetNames[t.key]] = {
      ...executor,
      cache: t.cache,
      ...(t.cache ? { inputs: cacheInputs(migrationsDir) } : {}),
      ...(t.dependsOnDependencies ? { dependsOn: [`^${o.targetNames[t.key]}`] } : {}),
      metadata: { description: t.description, technologies: ['postgresql'] },
    };
  }
  // A folder that is already a project (project.json / package.json) gets the targets added.
  const isProject = fs.existsSync(path.join(context.workspaceRoot, root, 'project.json')) || fs.existsSync(path.join(context.workspaceRoot, root, 'package.json'));
  return {
    projects: {
      [root]: { ...(isProject ? {} : { name: manifest.name }), targets, tags: ['bulkhead:module'] },
    },
  };
}

const createNodesFunction = (files, options, context) => createNodesFromFiles(createModuleProject, files, options, context);

/** Nx ≥ 22 reads `createNodes`; older releases `createNodesV2`. Same function. */
const createNodes = [MANIFEST_GLOB, createNodesFunction];
const createNodesV2 = createNodes;

/** One static edge per `dependsOn` entry, from the manifest that declares it. */
function createDependencies(_options, context) {
  const byModule = new Map();
  const manifests = [];
  for (const [project, config] of Object.entries(context.projects)) {
    const file = path.posix.join(config.root, 'bulkhead.json');
    if (!fs.existsSync(path.join(context.workspaceRoot, file))) continue;
    const manifest = manifestOrFallback(context.workspaceRoot, file);
    byModule.set(manifest.name, project);
    manifests.push({ project, file, manifest });
  }
  const deps = [];
  for (const { project, file, manifest } of manifests) {
    for (const dep of manifest.dependsOn) {
      const target = byModule.get(dep);
      // A module no manifest names (a typo): no edge; Bulkhead refuses it when a task runs (BH006).
      // One whose folder is another project's is Nx's to resolve: said here.
      const shadow = target ? undefined : shadowedBy(context, dep);
      if (shadow) throw new Error(shadowedModule(file, dep, shadow, byModule));
      if (!target) continue;
      const d = { source: project, target, sourceFile: file, type: DependencyType.static };
      validateDependency(d, context);
      deps.push(d);
    }
  }
  return deps;
}

/**
 * The manifest of module `dep` when its folder is not a project of its own (another Nx project
 * has the module's name, and took its folder's files): without its project there is no edge, and
 * Nx would run the tasks in any order. Undefined when no manifest names it (a typo).
 */
function shadowedBy(context, dep) {
  const fileMap = context.fileMap ?? {};
  const files = [...Object.values(fileMap.projectFileMap ?? {}).flat(), ...(fileMap.nonProjectFiles ?? [])].map((f) => f.file);
  return files.filter((f) => f === 'bulkhead.json' || f.endsWith('/bulkhead.json')).find((other) => {
    try {
      return readManifest(context.workspaceRoot, other).name === dep;
    } catch {
      return false;
    }
  });
}

function shadowedModule(file, dep, other, byModule) {
  const known = `(known: ${[...byModule.keys()].sort().join(', ')})`;
  const dir = path.posix.dirname(other);
  return (
    `${file}: dependsOn names module "${dep}" (${other}), which is not a project of its own ${known}: another Nx project is named "${dep}". ` +
    `Give the module's folder a project.json with a name of its own ({ "name": "${dep}-db" } in ${dir}); Bulkhead keeps calling the module "${dep}".`
  );
}

module.exports = { name: '@bulkhead/nx', createNodes, createNodesV2, createDependencies, readManifest };
